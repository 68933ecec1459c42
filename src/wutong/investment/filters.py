"""One FilterSet per 招商 list (the same one serves the page and its Excel export)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from wutong.core.filters import BootstrapFilterSet
from wutong.investment.choices import ActivityKind, Channel, LeadStatus, SpaceUse, Stage
from wutong.investment.models import Activity, ChainSegment, Lead, Project, Space, Target, TargetList


class TargetFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("名称/信用代码"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("来源渠道"))
    lists = django_filters.ModelChoiceFilter(queryset=TargetList.objects.all(), label=_("所属清单"))
    segment = django_filters.ModelChoiceFilter(
        queryset=ChainSegment.objects.select_related("chain"), method="filter_segment", label=_("产业链环节")
    )
    industry = django_filters.CharFilter(
        field_name="industry__code", lookup_expr="startswith", label=_("行业代码")
    )
    is_listed = django_filters.BooleanFilter(label=_("上市公司"))
    hq_city = django_filters.CharFilter(lookup_expr="icontains", label=_("总部城市"))

    class Meta:
        model = Target
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Target], name: str, value: str) -> QuerySet[Target]:
        return queryset.filter(Q(name__icontains=value) | Q(uscc=value.strip().upper()))

    def filter_segment(self, queryset: QuerySet[Target], name: str, value: Any) -> QuerySet[Target]:
        """Targets placed in the segment, or whose industry falls under its codes (the gap search)."""
        if not value:
            return queryset
        condition = Q(segment=value)
        for code in value.codes:
            condition |= Q(industry__code__startswith=code)
        return queryset.filter(condition)


class ProjectFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("项目名称"))
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, label=_("阶段"))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("来源渠道"))
    segment = django_filters.ModelChoiceFilter(
        queryset=ChainSegment.objects.select_related("chain"), label=_("产业链环节")
    )
    landed_year = django_filters.NumberFilter(field_name="landed_on", lookup_expr="year", label=_("落地年度"))

    class Meta:
        model = Project
        fields: list[str] = []


class ActivityFilterSet(BootstrapFilterSet):
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("活动类型"))
    year = django_filters.NumberFilter(field_name="date", lookup_expr="year", label=_("年度"))
    city = django_filters.CharFilter(lookup_expr="icontains", label=_("城市"))
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("主题"))

    class Meta:
        model = Activity
        fields: list[str] = []


class LeadFilterSet(BootstrapFilterSet):
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices, label=_("状态"))
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte", label=_("得分≥"))
    q = django_filters.CharFilter(
        field_name="announcement__company_name", lookup_expr="icontains", label=_("公司")
    )

    class Meta:
        model = Lead
        fields: list[str] = []


class SpaceFilterSet(BootstrapFilterSet):
    use = django_filters.ChoiceFilter(choices=SpaceUse.choices, label=_("用途"))
    min_area = django_filters.NumberFilter(field_name="area", lookup_expr="gte", label=_("面积≥(㎡)"))
    max_area = django_filters.NumberFilter(field_name="area", lookup_expr="lte", label=_("面积≤(㎡)"))
    is_available = django_filters.BooleanFilter(label=_("可招商"))

    class Meta:
        model = Space
        fields: list[str] = ["park"]
