"""Forms, filter sets and tables of the reference-data pages (industries, streets, parks, holidays).

They live here rather than in ``core/filters.py``/``core/tables.py``, which hold the list framework
and the audit log.
"""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wutong.core.choices import HolidayKind, IndustryLevel, ParkKind
from wutong.core.filters import BootstrapFilterSet
from wutong.core.models import Industry, Park, Street
from wutong.core.reference import SECTION_RANGES

LEVEL_DEPTH = {
    IndustryLevel.SECTION: 0,
    IndustryLevel.DIVISION: 1,
    IndustryLevel.GROUP: 2,
    IndustryLevel.CLASS: 3,
}


# --- Industries -------------------------------------------------------------------------------


class IndustryFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(method="search", label=_("代码或名称"))
    level = django_filters.ChoiceFilter(choices=IndustryLevel.choices, label=_("层级"))
    section = django_filters.ChoiceFilter(
        choices=[(letter, letter) for letter in SECTION_RANGES], label=_("门类")
    )
    parent = django_filters.CharFilter(field_name="parent__code", label=_("上级代码"))

    class Meta:
        model = Industry
        fields: list[str] = []

    def search(self, queryset: QuerySet[Industry], name: str, value: str) -> QuerySet[Industry]:
        value = value.strip()
        if not value:
            return queryset
        if value[:1].isdigit() or (len(value) == 1 and value.isalpha() and value.isascii()):
            return queryset.filter(code__istartswith=value)
        return queryset.filter(Q(name__icontains=value) | Q(code__iexact=value))


class IndustryTable(tables.Table):
    code = tables.Column(verbose_name=_("代码"))
    name = tables.Column(verbose_name=_("名称"))
    level = tables.Column(verbose_name=_("层级"))
    parent = tables.Column(verbose_name=_("上级"), accessor="parent__code", order_by="parent__code")
    section = tables.Column(verbose_name=_("门类"))
    children = tables.Column(
        verbose_name=_("下级"), empty_values=(), orderable=False, exclude_from_export=True
    )

    class Meta:
        model = Industry
        fields = ("code", "name", "level", "parent", "section")
        sequence = ("code", "name", "level", "parent", "section", "children")
        order_by = "code"
        attrs = {"class": "table table-sm table-hover mb-0"}

    def render_name(self, record: Industry, value: str) -> Any:
        depth = LEVEL_DEPTH.get(record.level, 0)  # type: ignore[call-overload]
        return format_html('<span class="ps-{}">{}</span>', depth * 3 if depth < 2 else 5, value)

    def render_children(self, record: Industry) -> Any:
        if record.level == IndustryLevel.CLASS:
            return ""
        url = reverse("core:industry_list")
        return format_html('<a href="{}?parent={}">{}</a>', url, record.code, _("查看下级"))

    def value_name(self, value: str) -> str:
        return value


# --- Streets and parks ------------------------------------------------------------------------


class StreetFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("名称"))

    class Meta:
        model = Street
        fields: list[str] = []


class StreetTable(tables.Table):
    park_count = tables.Column(verbose_name=_("园区/楼宇数"), orderable=True)

    class Meta:
        model = Street
        fields = ("order", "name", "code", "park_count")
        order_by = "order"
        attrs = {"class": "table table-sm table-hover mb-0"}


class ParkFilterSet(BootstrapFilterSet):
    q = django_filters.CharFilter(method="search", label=_("名称/主导产业"))
    kind = django_filters.ChoiceFilter(choices=ParkKind.choices, label=_("类型"))
    street = django_filters.ModelChoiceFilter(queryset=Street.objects.all(), label=_("街道"))

    class Meta:
        model = Park
        fields: list[str] = []

    def search(self, queryset: QuerySet[Park], name: str, value: str) -> QuerySet[Park]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(focus_industry__icontains=value))


class ParkTable(tables.Table):
    street = tables.Column(verbose_name=_("街道"), accessor="street__name", order_by="street__order")

    class Meta:
        model = Park
        fields = ("name", "kind", "street", "focus_industry", "address")
        order_by = "name"
        attrs = {"class": "table table-sm table-hover mb-0"}


# --- Holidays ---------------------------------------------------------------------------------


class HolidayForm(forms.Form):
    date = forms.DateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    kind = forms.ChoiceField(
        label=_("类型"), choices=HolidayKind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    name = forms.CharField(
        label=_("名称"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("如：元旦、春节调休")}),
    )


class HolidayImportForm(forms.Form):
    text = forms.CharField(
        label=_("放假通知（每行一天）"),
        widget=forms.Textarea(
            attrs={
                "class": "form-control font-monospace",
                "rows": 8,
                "placeholder": "2027-01-01 holiday 元旦\n2027-02-07 workday 春节调休",
            }
        ),
        help_text=_(
            "每行：日期 类型 名称。类型写 holiday（或“休”）表示放假，workday（或“班”）表示调休上班。"
            "以 # 开头的行和空行会被忽略。任何一行有误则整体不导入。"
        ),
    )
