"""Reads of the demand ledger: lists, the traffic light, statistics, 共性诉求 clusters, timeline.

Definitions used by the statistics page, the dashboard cards and the export (tested on numbers):

* **open**: status in 待签收/已签收/已交办/办理中/已退回.
* **overdue**: open and past the active clock (the acceptance clock while 待签收, the reply clock
  otherwise), i.e. ``today > due``.
* **on-time rate** (按时办理率): among demands that were replied (``replied_at`` set) plus open
  demands already overdue on the reply clock, the share replied on or before ``reply_due``.
* **handling time**: working days from the submission date to the reply date
  (``workdays.working_days_between``); a same-day reply counts 0.
* **satisfaction**: mean rating (1–5) of rated demands and the share rated 4 or 5 (满意率).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from wutong.accounts.choices import Role
from wutong.accounts.roles import role_of
from wutong.core import workdays
from wutong.demands.choices import (
    OPEN_STATUSES,
    REPLY_CLOCK_STATUSES,
    AssignmentStatus,
    DeadlineState,
    DemandStatus,
)
from wutong.demands.models import Demand, DemandCategory, DemandComment, DemandEvent

S = DemandStatus


def demand_list(user: Any) -> QuerySet[Demand]:
    """The ledger rows a user may see, with what the table shows."""
    return (
        Demand.objects.visible_to(user)
        .select_related("enterprise", "category", "lead_department")
        .order_by("-submitted_at", "-id")
    )


def deadline_state_expression(today: dt.date) -> Case:
    """SQL twin of :func:`wutong.demands.rules.deadline_state`."""
    reply_clock = list(REPLY_CLOCK_STATUSES)
    return Case(
        When(status=S.SUBMITTED, accept_due__lt=today, then=Value(DeadlineState.OVERDUE)),
        When(status=S.SUBMITTED, accept_due__lte=today, then=Value(DeadlineState.WARNING)),
        When(status=S.SUBMITTED, then=Value(DeadlineState.OK)),
        When(status__in=reply_clock, reply_due__lt=today, then=Value(DeadlineState.OVERDUE)),
        When(status__in=reply_clock, reply_warn_on__lte=today, then=Value(DeadlineState.WARNING)),
        When(status__in=reply_clock, then=Value(DeadlineState.OK)),
        default=Value(DeadlineState.STOPPED),
        output_field=CharField(),
    )


def with_deadline_state(qs: QuerySet[Demand], today: dt.date | None = None) -> QuerySet[Demand]:
    return qs.annotate(deadline_state=deadline_state_expression(today or timezone.localdate()))


def overdue_filter(today: dt.date) -> Q:
    return Q(status=S.SUBMITTED, accept_due__lt=today) | Q(
        status__in=list(REPLY_CLOCK_STATUSES), reply_due__lt=today
    )


def overdue_demands(today: dt.date | None = None, qs: QuerySet[Demand] | None = None) -> QuerySet[Demand]:
    today = today or timezone.localdate()
    return (qs if qs is not None else Demand.objects.all()).filter(overdue_filter(today))


def deadline_counts(qs: QuerySet[Demand], today: dt.date | None = None) -> dict[str, int]:
    """How many open demands are green, yellow and red today."""
    annotated = with_deadline_state(qs.filter(status__in=list(OPEN_STATUSES)), today)
    rows = annotated.values("deadline_state").annotate(n=Count("id"))  # type: ignore[misc]
    counts = {DeadlineState.OK.value: 0, DeadlineState.WARNING.value: 0, DeadlineState.OVERDUE.value: 0}
    for row in rows:
        counts[row["deadline_state"]] = row["n"]
    return counts


# --- statistics -------------------------------------------------------------------------------


def _in_period(qs: QuerySet[Demand], start: dt.date | None, end: dt.date | None) -> QuerySet[Demand]:
    if start:
        qs = qs.filter(submitted_at__date__gte=start)
    if end:
        qs = qs.filter(submitted_at__date__lte=end)
    return qs.exclude(status=S.MERGED)


def on_time(qs: QuerySet[Demand], today: dt.date | None = None) -> dict[str, Any]:
    """``{"on_time": n, "late": n, "rate": % or None}`` by the module's definition."""
    today = today or timezone.localdate()
    replied = qs.filter(replied_at__isnull=False).annotate(replied_on=TruncDate("replied_at"))
    n_on_time = replied.filter(replied_on__lte=F("reply_due")).count()
    n_replied = replied.count()
    n_open_late = qs.filter(
        status__in=list(REPLY_CLOCK_STATUSES), replied_at__isnull=True, reply_due__lt=today
    )
    late = n_replied - n_on_time + n_open_late.count()
    total = n_on_time + late
    return {"on_time": n_on_time, "late": late, "rate": round(100 * n_on_time / total, 1) if total else None}


def handling_days(qs: QuerySet[Demand]) -> list[int]:
    """Working days from submission to reply, one number per replied demand."""
    tz = timezone.get_current_timezone()
    return [
        workdays.working_days_between(submitted.astimezone(tz).date(), replied.astimezone(tz).date())
        for submitted, replied in qs.filter(replied_at__isnull=False).values_list(
            "submitted_at", "replied_at"
        )
        if replied is not None
    ]


def satisfaction(qs: QuerySet[Demand]) -> dict[str, Any]:
    rated = qs.filter(rating__isnull=False)
    agg = rated.aggregate(n=Count("id"), mean=Avg("rating"), good=Count("id", filter=Q(rating__gte=4)))
    n = agg["n"] or 0
    distribution = dict(rated.values_list("rating").annotate(c=Count("id")).order_by("rating"))
    return {
        "rated": n,
        "mean": round(float(agg["mean"]), 2) if agg["mean"] is not None else None,
        "satisfied_rate": round(100 * agg["good"] / n, 1) if n else None,
        "distribution": [distribution.get(score, 0) for score in range(1, 6)],
    }


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def category_stats(qs: QuerySet[Demand], today: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per category: total, open, overdue, closed, on-time rate, mean handling days, mean rating."""
    today = today or timezone.localdate()
    rows = []
    for category in DemandCategory.objects.order_by("order", "name"):
        sub = qs.filter(category=category)
        total = sub.count()
        if not total:
            continue
        rows.append(_stat_row(category.name, sub, total, today))
    return rows


def department_stats(qs: QuerySet[Demand], today: dt.date | None = None) -> list[dict[str, Any]]:
    """One row per lead department (current lead; 未交办 for demands not yet routed)."""
    today = today or timezone.localdate()
    rows = []
    units = (
        qs.values_list("lead_department_id", "lead_department__name")
        .annotate(n=Count("id"))
        .order_by("-n", "lead_department__name")
    )
    for unit_id, name, total in units:
        sub = qs.filter(lead_department_id=unit_id) if unit_id else qs.filter(lead_department__isnull=True)
        rows.append(_stat_row(name or "未交办", sub, total, today))
    return rows


def _stat_row(label: str, sub: QuerySet[Demand], total: int, today: dt.date) -> dict[str, Any]:
    timing = on_time(sub, today)
    return {
        "label": label,
        "total": total,
        "open": sub.filter(status__in=list(OPEN_STATUSES)).count(),
        "overdue": overdue_demands(today, sub).count(),
        "closed": sub.filter(status=S.CLOSED).count(),
        "on_time_rate": timing["rate"],
        "avg_days": _average(handling_days(sub)),
        "mean_rating": satisfaction(sub)["mean"],
    }


def monthly_counts(qs: QuerySet[Demand]) -> list[dict[str, Any]]:
    rows = (
        qs.annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(submitted=Count("id"), closed=Count("id", filter=Q(status=S.CLOSED)))
        .order_by("month")
    )
    return [
        {"month": f"{r['month']:%Y-%m}", "submitted": r["submitted"], "closed": r["closed"]} for r in rows
    ]


def demand_stats(
    user: Any, *, start: dt.date | None = None, end: dt.date | None = None, today: dt.date | None = None
) -> dict[str, Any]:
    """Everything the statistics page and its charts show, for the demands ``user`` may see."""
    today = today or timezone.localdate()
    qs = _in_period(Demand.objects.visible_to(user), start, end)
    days = handling_days(qs)
    by_category = category_stats(qs, today)
    by_department = department_stats(qs, today)
    sat = satisfaction(qs)
    return {
        "total": qs.count(),
        "open": qs.filter(status__in=list(OPEN_STATUSES)).count(),
        "overdue": overdue_demands(today, qs).count(),
        "closed": qs.filter(status=S.CLOSED).count(),
        "on_time": on_time(qs, today),
        "avg_days": _average(days),
        "satisfaction": sat,
        "by_category": by_category,
        "by_department": by_department,
        "monthly": monthly_counts(qs),
        "charts": {
            "category": {
                "labels": [r["label"] for r in by_category],
                "values": [r["total"] for r in by_category],
            },
            "department": {
                "labels": [r["label"] for r in by_department],
                "values": [r["total"] for r in by_department],
                "on_time": [r["on_time_rate"] for r in by_department],
            },
            "satisfaction": {"labels": ["1", "2", "3", "4", "5"], "values": sat["distribution"]},
        },
    }


def dashboard_numbers(user: Any, today: dt.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    qs = Demand.objects.visible_to(user)
    return {
        "open": qs.filter(status__in=list(OPEN_STATUSES)).count(),
        "overdue": overdue_demands(today, qs).count(),
        "on_time_rate": on_time(qs, today)["rate"],
    }


# --- timeline and comments --------------------------------------------------------------------


def timeline(demand: Demand, user: Any) -> QuerySet[DemandEvent]:
    """The demand's history as the page shows it; enterprise users see only public steps."""
    events = DemandEvent.objects.filter(demand=demand).select_related("actor")
    if role_of(user) == Role.ENTERPRISE:
        events = events.filter(is_public=True)
    return events.order_by("created_at", "id")


def comments_for(demand: Demand, user: Any) -> QuerySet[DemandComment]:
    return DemandComment.objects.visible_to(user).filter(demand=demand).order_by("created_at", "id")


def active_assignments(demand: Demand) -> QuerySet[Any]:
    return demand.assignments.filter(status=AssignmentStatus.ACTIVE).select_related("department")


# --- 共性诉求: similar demands across enterprises ------------------------------------------------

_STOP = set("的了和与及或在是我我们公司企业请希望能否需要一下问题有关关于申请办理情况")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, no punctuation or spaces, no filler characters (的 了 公司 …)."""
    text = _PUNCT.sub("", (text or "").lower())
    return "".join(ch for ch in text if ch not in _STOP)


def tokens(text: str) -> frozenset[str]:
    """Character bigrams of the normalised text (Chinese has no spaces; bigrams are the usual cheap
    stand-in for words), plus ASCII words whole."""
    norm = normalise(text)
    words = set(re.findall(r"[a-z0-9]{2,}", norm))
    han = re.sub(r"[a-z0-9]+", "", norm)
    return frozenset(words | {han[i : i + 2] for i in range(len(han) - 1)})


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Token overlap: Jaccard index |a ∩ b| / |a ∪ b|."""
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


#: Two demands of the same category are "similar" at or above this overlap.
SIMILARITY_THRESHOLD = 0.35


@dataclass
class Cluster:
    category: DemandCategory
    demands: list[Demand] = field(default_factory=list)

    @property
    def enterprise_count(self) -> int:
        return len({d.enterprise_id for d in self.demands})


def _find(parent: list[int], i: int) -> int:
    """Union-find root with path halving."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def similar_clusters(
    qs: QuerySet[Demand], *, threshold: float = SIMILARITY_THRESHOLD, min_enterprises: int = 2
) -> list[Cluster]:
    """Groups of similar demands (same category, token overlap ≥ ``threshold``, single-link) that
    come from at least ``min_enterprises`` enterprises and are not yet in a 共性诉求 group.

    Quadratic within a category; run over a period's demands (a district's year is ~1,000)."""
    rows = list(
        qs.filter(group__isnull=True)
        .exclude(status__in=[S.MERGED, S.REJECTED])
        .select_related("category", "enterprise")
        .order_by("category_id", "submitted_at")
    )
    by_category: dict[int, list[Demand]] = defaultdict(list)
    for d in rows:
        by_category[d.category_id].append(d)
    clusters: list[Cluster] = []
    for items in by_category.values():
        toks = [tokens(f"{d.title} {d.content}") for d in items]
        parent = list(range(len(items)))

        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                if similarity(toks[i], toks[j]) >= threshold:
                    parent[_find(parent, i)] = _find(parent, j)
        groups: dict[int, list[Demand]] = defaultdict(list)
        for i, d in enumerate(items):
            groups[_find(parent, i)].append(d)
        for members in groups.values():
            cluster = Cluster(category=members[0].category, demands=members)
            if len(members) >= 2 and cluster.enterprise_count >= min_enterprises:
                clusters.append(cluster)
    clusters.sort(key=lambda c: (-c.enterprise_count, c.category.order))
    return clusters


def possible_duplicates(demand: Demand, threshold: float = 0.5) -> list[Demand]:
    """Other open demands of the same enterprise whose text overlaps this one's (merge candidates)."""
    mine = tokens(f"{demand.title} {demand.content}")
    others = (
        Demand.objects.filter(enterprise_id=demand.enterprise_id)
        .exclude(pk=demand.pk)
        .exclude(status__in=[S.MERGED, S.REJECTED])
    )
    return [d for d in others if similarity(mine, tokens(f"{d.title} {d.content}")) >= threshold]


def suggest_category(text: str, categories: Iterable[DemandCategory] | None = None) -> DemandCategory | None:
    """自动分类: the active category whose keywords occur most often in ``text`` (None if none do)."""
    counter: Counter[int] = Counter()
    cats = list(categories if categories is not None else DemandCategory.objects.filter(is_active=True))
    for category in cats:
        for word in re.split(r"[\s,，、]+", category.keywords or ""):
            if word and word in text:
                counter[category.pk] += 1
    if not counter:
        return None
    best = counter.most_common(1)[0][0]
    return next(c for c in cats if c.pk == best)


def demands_from_visit(visit_id: int, user: Any) -> QuerySet[Demand]:
    """The demands recorded during one visit (for the visits app's visit page), as ``user`` may see them."""
    return demand_list(user).filter(source_visit_id=visit_id)
