"""The registry list table (also the Excel export: the same columns, every filtered row)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from wutong.core.tables import PythonBodyMixin
from wutong.core.templatetags.wutong import wanyuan_number
from wutong.enterprises.models import Enterprise


class EnterpriseTable(PythonBodyMixin, tables.Table):
    name = tables.Column(
        linkify=("enterprises:enterprise_detail", {"pk": tables.A("pk")}), verbose_name=_("企业名称")
    )
    uscc = tables.Column(verbose_name=_("统一社会信用代码"))
    industry = tables.Column(verbose_name=_("国民经济行业"), order_by=("industry_id",))
    street = tables.Column(verbose_name=_("街道"), order_by=("street__order", "street__name"))
    park = tables.Column(verbose_name=_("园区/楼宇"), order_by=("park__name",))
    size_class = tables.Column(verbose_name=_("规模"))
    latest_revenue = tables.Column(
        verbose_name=_("营业收入(万元)"), attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    tags = tables.Column(verbose_name=_("标签"), accessor="pk", orderable=False, empty_values=())
    status = tables.Column(verbose_name=_("状态"))

    class Meta:
        model = Enterprise
        fields = (
            "name",
            "uscc",
            "industry",
            "street",
            "park",
            "size_class",
            "latest_revenue",
            "tags",
            "status",
        )
        order_by = "name"
        attrs = {"class": "table table-sm table-hover align-middle", "id": "enterprise-table"}
        template_name = "core/tables/python_body.html"

    def render_latest_revenue(self, value: Any, record: Enterprise) -> str:
        number = wanyuan_number(value)
        if record.latest_year:
            return format_html('{} <small class="text-muted">({})</small>', number, record.latest_year)
        return number

    def value_latest_revenue(self, value: Any) -> Any:
        number = wanyuan_number(value)
        return float(number.replace(",", "")) if number else None

    def render_industry(self, value: Any) -> str:
        return format_html('<span title="{}">{}</span>', value.name, value.code + " " + value.name[:12])

    def value_industry(self, value: Any) -> str:
        return str(value)

    def _tag_list(self, record: Enterprise) -> list[Any]:
        return list(record.tags.all())  # prefetched by queries.enterprise_list

    def render_tags(self, record: Enterprise) -> str:
        tags = self._tag_list(record)
        if not tags:
            return "—"
        return format_html_join(
            " ", '<span class="badge text-bg-{}">{}</span>', ((t.color, t.name) for t in tags)
        )

    def value_tags(self, record: Enterprise) -> str:
        return "、".join(t.name for t in self._tag_list(record))

    def render_status(self, value: Any, record: Enterprise) -> str:
        css = "success" if record.status == "active" else "secondary"
        return format_html('<span class="badge text-bg-{}">{}</span>', css, value)
