"""Reference-data pages: GB/T 4754-2017 industries, streets, parks and the holiday calendar.

Anyone with ``core.view_reference`` reads them; holidays are changed through ``core.services``
(``core.manage_holidays``). Reference rows are not record-scoped: the capability is the gate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import chinese_calendar
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wutong.accounts.roles import has_capability
from wutong.core import services, workdays
from wutong.core.choices import HolidayKind
from wutong.core.exceptions import DomainError
from wutong.core.models import Holiday, Industry, Park, Street
from wutong.core.reference_forms import (
    HolidayForm,
    HolidayImportForm,
    IndustryFilterSet,
    IndustryTable,
    ParkFilterSet,
    ParkTable,
    StreetFilterSet,
    StreetTable,
)
from wutong.core.views import ObjectListView

VIEW = "core.view_reference"
MANAGE = "core.manage_holidays"


class ReferenceListView(ObjectListView):
    capability = VIEW
    template_name = "core/reference/list.html"
    tab = ""

    def get_extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"tab": self.tab}


class IndustryListView(ReferenceListView):
    model = Industry
    filterset_class = IndustryFilterSet
    table_class = IndustryTable
    title = gettext_lazy("国民经济行业分类（GB/T 4754-2017）")
    export_name = "industries"
    per_page = 100
    tab = "industries"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return Industry.objects.select_related("parent")


class StreetListView(ReferenceListView):
    model = Street
    filterset_class = StreetFilterSet
    table_class = StreetTable
    title = gettext_lazy("街道")
    export_name = "streets"
    tab = "streets"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return Street.objects.annotate(park_count=Count("parks"))


class ParkListView(ReferenceListView):
    model = Park
    filterset_class = ParkFilterSet
    table_class = ParkTable
    title = gettext_lazy("园区与楼宇")
    export_name = "parks"
    tab = "parks"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return Park.objects.select_related("street")


# --- Holidays ---------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or 0)
    except ValueError:
        year = 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _library_days(year: int) -> list[dict[str, Any]]:
    """What chinesecalendar says about the year's special days (read-only on the page)."""
    if not workdays.library_knows(year):
        return []
    days = [
        {"date": day, "kind": HolidayKind.HOLIDAY, "name": name}
        for day, name in chinese_calendar.holidays.items()
        if day.year == year
    ]
    days += [
        {"date": day, "kind": HolidayKind.WORKDAY, "name": name}
        for day, name in chinese_calendar.workdays.items()
        if day.year == year
    ]
    return sorted(days, key=lambda row: row["date"])


def holiday_list(
    request: HttpRequest, *, add_form: HolidayForm | None = None, import_form: HolidayImportForm | None = None
) -> HttpResponse:
    if not has_capability(request.user, VIEW):
        raise PermissionDenied
    year = _year(request)
    table_years = {d.year for d in Holiday.objects.dates("date", "year")}
    this_year = timezone.localdate().year
    years = sorted(table_years | {this_year - 1, this_year, this_year + 1, year})
    calendar = workdays.year_calendar(year)
    context = {
        "title": _("节假日与调休"),
        "tab": "holidays",
        "year": year,
        "years": years,
        "rows": Holiday.objects.filter(date__year=year),
        "library_days": _library_days(year),
        "library_knows": calendar.library,
        "working_day_count": calendar.total,
        "warnings": workdays.calendar_warnings(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        "can_manage": has_capability(request.user, MANAGE),
        "add_form": add_form or HolidayForm(initial={"kind": HolidayKind.HOLIDAY}),
        "import_form": import_form or HolidayImportForm(),
    }
    status = 400 if (add_form and add_form.errors) or (import_form and import_form.errors) else 200
    return render(request, "core/reference/holidays.html", context, status=status)


def _back(year: int) -> HttpResponse:
    return redirect(f"{reverse('core:holiday_list')}?year={year}")


@require_POST
def holiday_add(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, MANAGE):
        raise PermissionDenied
    form = HolidayForm(request.POST)
    if form.is_valid():
        try:
            holiday = services.add_holiday(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("已登记 %(holiday)s") % {"holiday": holiday})
            return _back(holiday.date.year)
    return holiday_list(request, add_form=form)


@require_POST
def holiday_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not has_capability(request.user, MANAGE):
        raise PermissionDenied
    holiday = get_object_or_404(Holiday, pk=pk)
    year = holiday.date.year
    label = str(holiday)
    services.remove_holiday(holiday, actor=request.user)
    messages.success(request, _("已删除 %(holiday)s") % {"holiday": label})
    return _back(year)


@require_POST
def holiday_import(request: HttpRequest) -> HttpResponse:
    if not has_capability(request.user, MANAGE):
        raise PermissionDenied
    form = HolidayImportForm(request.POST)
    if form.is_valid():
        try:
            result = services.import_holiday_notice(form.cleaned_data["text"], actor=request.user)
        except services.HolidayImportError as exc:
            for line, message in exc.errors:
                form.add_error("text", _("第 %(line)s 行：%(msg)s") % {"line": line, "msg": message})
        else:
            messages.success(
                request,
                _("已导入：新增 %(created)s 天，更新 %(updated)s 天，未变 %(unchanged)s 天")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
            )
            first = services.parse_notice(form.cleaned_data["text"]).rows[0][0]
            return _back(first.year)
    return holiday_list(request, import_form=form)
