"""Reads about visits: the ledger, double-visit warnings, coverage of key lists, dashboard figures.

Definitions the coverage page, the dashboard and the tests share:

* **last visit**: the latest *done* visit of the enterprise on or before today (by any unit);
* **overdue**: ``max(last visit, added_on) + tier cadence < today`` (see :func:`rules.visit_due`);
* **covered**: a member that is not overdue; **coverage rate** = covered / members, in percent
  with one decimal;
* **visited this year**: at least one done visit in the calendar year of the matrix.

Every figure here is one aggregate query over the members (no query per member).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, Greatest
from django.utils import timezone

from wutong.accounts.choices import Role
from wutong.accounts.models import User
from wutong.accounts.roles import has_capability, role_of
from wutong.visits import rules
from wutong.visits.choices import CoveragePeriod, VisitStatus
from wutong.visits.models import KeyList, KeyListMember, KeyListTier, LeaderAssignment, Visit

S = VisitStatus


def visit_list(user: Any) -> QuerySet[Visit]:
    return (
        Visit.objects.visible_to(user)
        .select_related("enterprise", "organising_unit")
        .prefetch_related("visitors")
    )


def visits_of(enterprise: Any, user: Any) -> QuerySet[Visit]:
    return visit_list(user).filter(enterprise=enterprise).select_related("created_by")


# --- double visits ----------------------------------------------------------------------------


def double_visit_window(enterprise_id: int) -> int:
    """Days either side of a visit within which another unit's visit is warned about."""
    days = list(
        KeyList.objects.filter(members__enterprise_id=enterprise_id, is_active=True).values_list(
            "double_visit_days", flat=True
        )
    )
    return rules.double_visit_window(days)


def nearby_visits(
    enterprise_id: int,
    visit_date: dt.date,
    *,
    organising_unit_id: int | None,
    exclude_pk: int | None = None,
    days: int | None = None,
) -> QuerySet[Visit]:
    """Visits by *other* units to the same enterprise, done or planned, within ``days`` (default:
    the lists' window) of ``visit_date``. The page warns with them; nothing is refused."""
    window = days if days is not None else double_visit_window(enterprise_id)
    qs = Visit.objects.filter(
        enterprise_id=enterprise_id,
        status__in=[S.PLANNED, S.DONE],
        visit_date__gte=visit_date - dt.timedelta(days=window),
        visit_date__lte=visit_date + dt.timedelta(days=window),
    ).select_related("organising_unit")
    if organising_unit_id is not None:
        qs = qs.exclude(organising_unit_id=organising_unit_id)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("visit_date", "pk")


def double_visit_warnings(
    enterprise_id: int,
    visit_date: dt.date,
    *,
    organising_unit_id: int | None,
    exclude_pk: int | None = None,
) -> list[str]:
    """The warnings as sentences, e.g. "产业科 已于 2026-11-20 走访该企业（14 天内）"."""
    window = double_visit_window(enterprise_id)
    out = []
    for v in nearby_visits(
        enterprise_id, visit_date, organising_unit_id=organising_unit_id, exclude_pk=exclude_pk, days=window
    ):
        verb = "已于" if v.status == S.DONE else "计划于"
        out.append(f"{v.organising_unit.name} {verb} {v.visit_date:%Y-%m-%d} 走访该企业（{window} 天内）")
    return out


# --- coverage ---------------------------------------------------------------------------------


def _last_visit(today: dt.date) -> Subquery:
    return Subquery(
        Visit.objects.filter(enterprise_id=OuterRef("enterprise_id"), status=S.DONE, visit_date__lte=today)
        .values("enterprise_id")
        .annotate(last=Max("visit_date"))
        .values("last")[:1],
        output_field=DateField(),
    )


def _current(field: str) -> Subquery:
    return Subquery(
        LeaderAssignment.objects.filter(enterprise_id=OuterRef("enterprise_id"), until__isnull=True).values(
            field
        )[:1]
    )


def annotate_due(members: QuerySet[KeyListMember], today: dt.date) -> QuerySet[KeyListMember]:
    """Adds ``last_visit``, ``due_base`` (max of last visit and added_on), ``due_cutoff`` (today −
    cadence of the member's tier), ``is_overdue`` (0/1), ``leader_id`` and ``contact_staff_id``
    (the current 挂点). The cadence comes from a CASE over the tiers involved (a handful), so the
    comparison runs in SQL on every backend."""
    tiers = KeyListTier.objects.filter(pk__in=members.values("tier_id")).values_list("pk", "cadence_days")
    cutoff = Case(
        *(When(tier_id=pk, then=Value(today - dt.timedelta(days=days))) for pk, days in tiers),
        default=Value(today),
        output_field=DateField(),
    )
    return members.annotate(
        last_visit=_last_visit(today),
        due_base=Greatest(Coalesce(F("last_visit"), F("added_on")), F("added_on"), output_field=DateField()),
        due_cutoff=cutoff,
        is_overdue=Case(
            When(due_base__lt=F("due_cutoff"), then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
        leader_id=_current("leader_id"),
        contact_staff_id=_current("contact_staff_id"),
    )


def _visited_in(start: dt.date, end: dt.date) -> Exists:
    return Exists(
        Visit.objects.filter(
            enterprise_id=OuterRef("enterprise_id"), status=S.DONE, visit_date__gte=start, visit_date__lte=end
        )
    )


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def coverage_stats(
    key_list: KeyList, *, today: dt.date | None = None, year: int | None = None
) -> dict[str, Any]:
    """Counts and rates of one list: overall, per tier, per 挂点 leader and per contact staff.

    Each group is one aggregate query; rows are dicts with ``members``, ``visited`` (this year),
    ``overdue``, ``covered`` and ``rate`` (covered / members, %)."""
    today = today or timezone.localdate()
    year = year or today.year
    members = annotate_due(KeyListMember.objects.filter(key_list=key_list), today).annotate(
        visited_year=_visited_in(dt.date(year, 1, 1), min(dt.date(year, 12, 31), today))
    )
    aggregates = {
        "members": Count("pk"),
        "visited": Count("pk", filter=Q(visited_year=True)),
        "overdue": Count("pk", filter=Q(is_overdue=1)),
    }

    def rows(key: str) -> list[dict[str, Any]]:
        out = []
        for row in members.order_by().values(key).annotate(**aggregates).order_by(key):
            row["covered"] = row["members"] - row["overdue"]
            row["rate"] = _rate(row["covered"], row["members"])
            out.append(row)
        return out

    total = members.order_by().aggregate(**aggregates)
    total["covered"] = total["members"] - total["overdue"]
    total["rate"] = _rate(total["covered"], total["members"])
    found = {row["tier_id"]: row for row in rows("tier_id")}
    by_tier = []
    for tier in key_list.tiers.all():  # every tier, an empty one with zeros
        row = found.get(tier.pk) or {
            "tier_id": tier.pk,
            "members": 0,
            "visited": 0,
            "overdue": 0,
            "covered": 0,
            "rate": None,
        }
        row["label"], row["cadence_days"] = tier.code, tier.cadence_days
        by_tier.append(row)
    by_leader, by_staff = rows("leader_id"), rows("contact_staff_id")
    names = _names({r["leader_id"] for r in by_leader} | {r["contact_staff_id"] for r in by_staff})
    for row in by_leader:
        row["label"] = names.get(row["leader_id"], "未挂点")
    for row in by_staff:
        row["label"] = names.get(row["contact_staff_id"], "未指定联络员")
    return {"total": total, "by_tier": by_tier, "by_leader": by_leader, "by_staff": by_staff, "year": year}


def _names(ids: set[int | None]) -> dict[int, str]:
    users = User.objects.filter(pk__in=[i for i in ids if i is not None]).only("display_name", "username")
    return {u.pk: u.display_label for u in users}


def periods(year: int, period: str) -> list[tuple[int, str, dt.date, dt.date]]:
    """(index, label, first day, last day) of the months or quarters of ``year``."""
    out = []
    if period == CoveragePeriod.QUARTER:
        for q in range(1, 5):
            start = dt.date(year, 3 * q - 2, 1)
            end = (dt.date(year, 3 * q, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            out.append((q, f"{year}年第{q}季度", start, end))
    else:
        for mth in range(1, 13):
            start = dt.date(year, mth, 1)
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
            out.append((mth, f"{mth}月", start, end))
    return out


def coverage_matrix(
    key_list: KeyList,
    *,
    year: int | None = None,
    period: str = CoveragePeriod.MONTH,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Members × periods of ``year``: done visits per cell, the last visit, due date and overdue
    flag, the current 挂点 leader and contact staff. Three queries however long the list is:
    the members (with their due state), the visit counts grouped by enterprise and month, the names."""
    today = today or timezone.localdate()
    year = year or today.year
    cols = periods(year, period)
    members = list(
        annotate_due(KeyListMember.objects.filter(key_list=key_list), today)
        .select_related("enterprise", "tier")
        .order_by("tier__order", "enterprise__name")
    )
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    visits = (
        Visit.objects.filter(
            enterprise_id__in=KeyListMember.objects.filter(key_list=key_list).values("enterprise_id"),
            status=S.DONE,
            visit_date__year=year,
        )
        .annotate(month=ExtractMonth("visit_date"))
        .values("enterprise_id", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in visits:
        index = (row["month"] - 1) // 3 + 1 if period == CoveragePeriod.QUARTER else row["month"]
        counts[row["enterprise_id"]][index] += row["n"]
    names = _names({m.leader_id for m in members} | {m.contact_staff_id for m in members})  # type: ignore[attr-defined]
    rows = []
    for m in members:
        per = counts.get(m.enterprise_id, {})
        due = rules.visit_due(m.last_visit, m.added_on, m.tier.cadence_days, today)  # type: ignore[attr-defined]
        rows.append(
            {
                "member": m,
                "enterprise": m.enterprise,
                "tier": m.tier.code,
                "cells": [per.get(index, 0) for index, *_ in cols],
                "total": sum(per.values()),
                "last_visit": m.last_visit,  # type: ignore[attr-defined]
                "due_on": due.due_on,
                "overdue": bool(m.is_overdue),  # type: ignore[attr-defined]
                "days_overdue": due.days_overdue,
                "leader": names.get(m.leader_id, ""),  # type: ignore[attr-defined]
                "contact_staff": names.get(m.contact_staff_id, ""),  # type: ignore[attr-defined]
            }
        )
    column_totals = [sum(r["cells"][i] for r in rows) for i in range(len(cols))]
    column_visited = [sum(1 for r in rows if r["cells"][i]) for i in range(len(cols))]
    return {
        "year": year,
        "period": period,
        "columns": [label for _i, label, _s, _e in cols],
        "rows": rows,
        "column_totals": column_totals,
        "column_visited": column_visited,
    }


def coverage_chart(stats: dict[str, Any]) -> dict[str, Any]:
    """The ECharts data: covered and overdue per tier and per leader."""

    def series(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "labels": [str(r["label"]) for r in rows],
            "covered": [r["covered"] for r in rows],
            "overdue": [r["overdue"] for r in rows],
            "rate": [r["rate"] for r in rows],
        }

    return {"tier": series(stats["by_tier"]), "leader": series(stats["by_leader"])}


# --- dashboard --------------------------------------------------------------------------------


def overdue_members(today: dt.date | None = None) -> QuerySet[KeyListMember]:
    """Members of active lists that are overdue today."""
    today = today or timezone.localdate()
    members = annotate_due(KeyListMember.objects.filter(key_list__is_active=True), today)
    return members.filter(is_overdue=1)  # type: ignore[misc]


def dashboard_numbers(user: Any, today: dt.date | None = None) -> dict[str, Any]:
    """Visits done this month (in the user's scope); key enterprises overdue (distinct firms over
    active lists); 挂点 coverage: of the enterprises with a current 挂点 (a district leader: their
    own), the share visited this quarter (the seeds: 每季度不少于1次)."""
    today = today or timezone.localdate()
    month_start = today.replace(day=1)
    quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    visits = Visit.objects.visible_to(user).filter(
        status=S.DONE, visit_date__gte=month_start, visit_date__lte=today
    )
    overdue = overdue_members(today).values("enterprise_id").distinct().count()
    assignments = LeaderAssignment.objects.filter(until__isnull=True)
    if role_of(user) == Role.DISTRICT_LEADER:
        assignments = assignments.filter(leader_id=user.pk)
    visited_this_quarter = Exists(
        Visit.objects.filter(
            enterprise_id=OuterRef("enterprise_id"),
            status=S.DONE,
            visit_date__gte=quarter_start,
            visit_date__lte=today,
        )
    )
    # two COUNTs rather than one aggregate with a filter on an Exists annotation: Django 5.2 drops
    # that annotation from the wrapping subquery (SQLite then reads "visited" as a string).
    assigned = {"total": assignments.count(), "visited": assignments.filter(visited_this_quarter).count()}
    return {
        "visits_this_month": visits.count(),
        "overdue_enterprises": overdue,
        "assigned": assigned["total"],
        "assigned_visited": assigned["visited"],
        "assigned_rate": _rate(assigned["visited"], assigned["total"]),
        "may_coverage": has_capability(user, "visits.coverage"),
    }
