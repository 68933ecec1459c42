"""The screening results list filters, including the four named lists the bureau works from."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wutong.core.filters import BootstrapFilterSet
from wutong.qualifications.choices import Verdict
from wutong.qualifications.models import ScreeningResult
from wutong.qualifications.rules import rulesets

PRESETS = (
    ("likely_not_holding", _("有望通过但尚未持有")),
    ("expiring", _("现有资质今年到期")),
    ("rd_only", _("仅研发费用占比不达标")),
    ("needs_data", _("缺少数据")),
)


def apply_preset(qs: QuerySet[ScreeningResult], preset: str, year: int) -> QuerySet[ScreeningResult]:
    if preset == "likely_not_holding":
        return qs.filter(prospect=True, holds=False)
    if preset == "expiring":
        return qs.filter(holding_expires_on__year=year)
    if preset == "rd_only":
        return qs.filter(failing="rd_expense_ratio")
    if preset == "needs_data":
        return qs.filter(needs_data=True)
    return qs


class ScreeningResultFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(method="search", label=_("企业名称/信用代码"))
    rule = django_filters.ChoiceFilter(
        field_name="rule_version__code", label=_("资质"), choices=lambda: [(c, c) for c in sorted(rulesets())]
    )
    preset = django_filters.ChoiceFilter(method="filter_preset", label=_("名单"), choices=PRESETS)
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices, label=_("结论"))
    holds = django_filters.BooleanFilter(label=_("已持有"))
    prospect = django_filters.BooleanFilter(label=_("有望通过"))
    min_rd_gap = django_filters.NumberFilter(
        field_name="rd_gap", lookup_expr="gte", label=_("研发缺口≥(万元)")
    )
    max_rd_gap = django_filters.NumberFilter(
        field_name="rd_gap", lookup_expr="lte", label=_("研发缺口≤(万元)")
    )

    class Meta:
        model = ScreeningResult
        fields: list[str] = []

    def search(self, qs: QuerySet[ScreeningResult], name: str, value: str) -> QuerySet[ScreeningResult]:
        value = value.strip()
        return (
            qs.filter(Q(enterprise__name__contains=value) | Q(enterprise__uscc=value.upper()))
            if value
            else qs
        )

    def filter_preset(
        self, qs: QuerySet[ScreeningResult], name: str, value: Any
    ) -> QuerySet[ScreeningResult]:
        return apply_preset(qs, value, timezone.localdate().year)
