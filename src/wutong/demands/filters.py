"""The ledger's filters (one FilterSet for the list page and its Excel export)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wutong.accounts.choices import OrgUnitKind
from wutong.accounts.models import OrgUnit
from wutong.core.filters import BootstrapFilterSet
from wutong.demands.choices import DeadlineState, DemandChannel, DemandStatus, EscalationLevel
from wutong.demands.models import Demand, DemandCategory
from wutong.demands.queries import deadline_state_expression


class DemandFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("关键词"))
    status = django_filters.MultipleChoiceFilter(choices=DemandStatus.choices, label=_("状态"))
    category = django_filters.ModelChoiceFilter(queryset=DemandCategory.objects.all(), label=_("类别"))
    lead_department = django_filters.ModelChoiceFilter(
        queryset=OrgUnit.objects.filter(kind__in=[OrgUnitKind.PARTNER_DEPARTMENT, OrgUnitKind.SECTION]),
        label=_("主办单位"),
    )
    deadline = django_filters.ChoiceFilter(
        choices=DeadlineState.choices, method="filter_deadline", label=_("时限")
    )
    escalation_level = django_filters.ChoiceFilter(choices=EscalationLevel.choices, label=_("督办"))
    channel = django_filters.ChoiceFilter(choices=DemandChannel.choices, label=_("来源渠道"))
    since = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__gte", label=_("受理起"))
    until = django_filters.DateFilter(field_name="submitted_at", lookup_expr="date__lte", label=_("受理止"))

    class Meta:
        model = Demand
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Demand], name: str, value: Any) -> QuerySet[Demand]:
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(
            Q(number__iexact=value)
            | Q(title__icontains=value)
            | Q(content__icontains=value)
            | Q(enterprise__name__icontains=value)
        )

    def filter_deadline(self, qs: QuerySet[Demand], name: str, value: Any) -> QuerySet[Demand]:
        if not value:
            return qs
        return qs.annotate(_light=deadline_state_expression(timezone.localdate())).filter(_light=value)
