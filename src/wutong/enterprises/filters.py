"""The registry list's one FilterSet (UI, Excel export and, later, the API)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from wutong.core.filters import BootstrapFilterSet
from wutong.core.models import Park, Street
from wutong.enterprises import queries, search
from wutong.enterprises.choices import EnterpriseStatus, QualificationKind, SizeClass
from wutong.enterprises.models import Enterprise, Tag

WAN = Decimal(10000)


class EnterpriseFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("搜索"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("名称、曾用名、拼音、首字母或信用代码")}
        ),
    )
    street = django_filters.ModelChoiceFilter(queryset=Street.objects.all(), label=_("街道"))
    park = django_filters.ModelChoiceFilter(queryset=Park.objects.all(), label=_("园区/楼宇"))
    industry = django_filters.CharFilter(
        method="filter_industry",
        label=_("行业"),
        widget=forms.TextInput(attrs={"placeholder": _("门类字母或 2–4 位代码")}),
    )
    size_class = django_filters.ChoiceFilter(choices=SizeClass.choices, label=_("企业规模"))
    status = django_filters.ChoiceFilter(choices=EnterpriseStatus.choices, label=_("经营状态"))
    tags = django_filters.ModelMultipleChoiceFilter(
        queryset=Tag.objects.all(), method="filter_tags", label=_("标签")
    )
    qualification = django_filters.ChoiceFilter(
        choices=QualificationKind.choices, method="filter_qualification", label=_("持有资质")
    )
    qualification_valid_on = django_filters.DateFilter(
        method="filter_noop", label=_("资质有效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    established_after = django_filters.DateFilter(
        field_name="established",
        lookup_expr="gte",
        label=_("成立日期从"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    established_before = django_filters.DateFilter(
        field_name="established",
        lookup_expr="lte",
        label=_("成立日期至"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    revenue_min = django_filters.NumberFilter(method="filter_revenue_min", label=_("营业收入≥(万元)"))
    revenue_max = django_filters.NumberFilter(method="filter_revenue_max", label=_("营业收入≤(万元)"))

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        return search.search_filter(queryset, value)

    def filter_industry(self, queryset: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        condition = queries.industry_filter(value)
        return queryset if condition is None else queryset.filter(condition)

    def filter_tags(self, queryset: QuerySet[Enterprise], name: str, value: Any) -> QuerySet[Enterprise]:
        if not value:
            return queryset
        # EXISTS rather than a join: no duplicate rows, no DISTINCT over the registry.
        through = Enterprise.tags.through
        return queryset.filter(Exists(through.objects.filter(enterprise_id=OuterRef("pk"), tag__in=value)))

    def filter_qualification(
        self, queryset: QuerySet[Enterprise], name: str, value: str
    ) -> QuerySet[Enterprise]:
        valid_on = self.form.cleaned_data.get("qualification_valid_on")
        return queryset.filter(queries.holds_qualification(value, valid_on))

    def filter_noop(self, queryset: QuerySet[Enterprise], name: str, value: Any) -> QuerySet[Enterprise]:
        return queryset  # read by filter_qualification

    def filter_revenue_min(
        self, queryset: QuerySet[Enterprise], name: str, value: Decimal
    ) -> QuerySet[Enterprise]:
        return queryset.filter(latest_revenue__gte=Decimal(value) * WAN)

    def filter_revenue_max(
        self, queryset: QuerySet[Enterprise], name: str, value: Decimal
    ) -> QuerySet[Enterprise]:
        return queryset.filter(latest_revenue__lte=Decimal(value) * WAN)
