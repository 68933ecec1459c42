"""django-tables2 tables of 招商 (also their Excel exports)."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from wutong.investment.models import Activity, Lead, Project, Space, Target


class WanColumn(tables.Column):
    """Yuan shown in 万元."""

    def render(self, value: Any) -> Any:
        return f"{value / 10_000:,.2f}".rstrip("0").rstrip(".")

    def value(self, value: Any) -> Any:
        return float(value / 10_000) if value is not None else None


class TargetTable(tables.Table):
    name = tables.Column(linkify=("investment:target_detail", {"pk": tables.A("pk")}))
    industry = tables.Column(accessor="industry_id", verbose_name=_("行业代码"))

    class Meta:
        model = Target
        fields = ("name", "uscc", "hq_city", "industry", "segment", "size_class", "is_listed", "stock_code",
                  "channel", "source_detail", "owner")  # fmt: skip
        order_by = "name"


class ProjectTable(tables.Table):
    name = tables.Column(linkify=("investment:project_detail", {"pk": tables.A("pk")}))
    investment_amount = WanColumn(verbose_name=_("投资额(万元)"))
    stage = tables.Column(attrs={"td": {"class": "wt-stage"}})

    class Meta:
        model = Project
        fields = ("name", "target", "channel", "stage", "owner", "segment", "investment_amount",
                  "expected_headcount", "signed_on", "landed_on", "enterprise", "updated_at")  # fmt: skip
        order_by = "-updated_at"


class ActivityTable(tables.Table):
    class Meta:
        model = Activity
        fields = ("date", "kind", "title", "city", "participants", "participant_count", "owner")
        order_by = "-date"


class LeadTable(tables.Table):
    company = tables.Column(accessor="announcement__company_name", verbose_name=_("公司名称"))
    project = tables.Column(
        accessor="announcement__project_name",
        verbose_name=_("募投项目"),
        linkify=("investment:lead_detail", {"pk": tables.A("pk")}),
    )
    announced_on = tables.DateColumn(accessor="announcement__announced_on", verbose_name=_("公告日期"))
    amount = WanColumn(accessor="announcement__amount", verbose_name=_("拟投资(万元)"))
    location = tables.Column(accessor="announcement__location", verbose_name=_("拟建地点"))

    class Meta:
        model = Lead
        fields = ("score", "company", "project", "announced_on", "amount", "location", "status")
        order_by = "-score"


class SpaceTable(tables.Table):
    focus = tables.Column(accessor="park__focus_industry", verbose_name=_("园区主导产业"))

    class Meta:
        model = Space
        fields = (
            "park",
            "building",
            "floor",
            "area",
            "use",
            "rent",
            "available_from",
            "is_available",
            "note",
        )
