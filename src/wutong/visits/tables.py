"""The visit ledger table (web and Excel export). Notes are not a column: a 机密 visit's notes
must never reach a list or an export."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from wutong.visits.models import Visit


class VisitTable(tables.Table):
    visit_date = tables.DateColumn(
        verbose_name=_("走访日期"), format="Y-m-d", linkify=("visits:visit_detail", {"pk": tables.A("pk")})
    )
    enterprise = tables.Column(verbose_name=_("企业名称"), order_by=("enterprise__name",))
    uscc = tables.Column(verbose_name=_("统一社会信用代码"), accessor="enterprise__uscc", visible=False)
    visit_type = tables.Column(verbose_name=_("走访类型"))
    organising_unit = tables.Column(verbose_name=_("组织单位"), order_by=("organising_unit__name",))
    visitors = tables.Column(verbose_name=_("走访人员"), accessor="pk", orderable=False)
    purpose = tables.Column(verbose_name=_("走访事由"))
    status = tables.Column(verbose_name=_("状态"))
    confidentiality = tables.Column(verbose_name=_("密级"))

    class Meta:
        model = Visit
        fields = (
            "visit_date",
            "enterprise",
            "uscc",
            "visit_type",
            "organising_unit",
            "visitors",
            "purpose",
            "status",
            "confidentiality",
        )
        attrs = {"class": "table table-sm table-hover mb-0", "id": "visit-table"}
        order_by = ("-visit_date",)

    def render_visitors(self, record: Visit) -> str:
        return "、".join(u.display_label for u in record.visitors.all())

    def value_visitors(self, record: Visit) -> str:
        return self.render_visitors(record)

    def render_purpose(self, value: Any) -> str:
        text = str(value)
        return text if len(text) <= 40 else text[:39] + "…"

    def value_purpose(self, value: Any) -> str:
        return str(value)
