"""Reads of the qualifications app: screening result lists, the qualification calendar (expiries and
application windows), the ladder (科小 → 创新型 → 国高 → 专精特新 → 小巨人) and pool counts for the KPIs."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from wutong.enterprises.choices import QualificationKind
from wutong.enterprises.models import QualificationHolding
from wutong.qualifications.choices import PoolStage
from wutong.qualifications.models import CultivationPool, PoolMember, RuleSetVersion, ScreeningResult
from wutong.qualifications.windows import APPLICATION_WINDOWS, ApplicationWindow

#: The ladder an enterprise climbs, lowest rung first.
LADDER: tuple[str, ...] = (
    QualificationKind.KEXIAO,
    QualificationKind.CHUANGXIN,
    QualificationKind.GAOXIN,
    QualificationKind.ZHUANJINGTEXIN,
    QualificationKind.XIAOJUREN,
)
#: 国高 is valid three years and must be applied for again (no 复审 since 2016).
GAOXIN_VALID_YEARS = 3


def screening_results(user: Any, *, rule_code: str | None = None) -> QuerySet[ScreeningResult]:
    qs = ScreeningResult.objects.visible_to(user).select_related("enterprise", "rule_version")
    if rule_code:
        qs = qs.filter(rule_version__code=rule_code)
    return qs


def latest_version_screened(code: str) -> RuleSetVersion | None:
    return (
        RuleSetVersion.objects.filter(code=code, screening_results__isnull=False)
        .order_by("-effective_from")
        .first()
    )


def likely_not_holding(qs: QuerySet[ScreeningResult]) -> QuerySet[ScreeningResult]:
    """ "Likely to pass this year but not holding it" (prospects, see ``ScreeningResult.prospect``):
    the 应报尽报 list."""
    return qs.filter(prospect=True, holds=False)


def expiring_in(qs: QuerySet[ScreeningResult], year: int) -> QuerySet[ScreeningResult]:
    return qs.filter(holding_expires_on__year=year)


def _valid_on(day: dt.date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}issued_on__isnull": True}) | Q(**{f"{prefix}issued_on__lte": day})) & (
        Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": day})
    )


# --- Calendar -----------------------------------------------------------------------------------


def expiries_by_month(year: int, kinds: tuple[str, ...] = LADDER) -> list[dict[str, Any]]:
    """Holdings expiring in each month of ``year``, per kind: [{month, total, by_kind: {kind: n}}]."""
    rows = (
        QualificationHolding.objects.filter(expires_on__year=year, kind__in=kinds)
        .values_list("expires_on__month", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    months = [{"month": m, "total": 0, "by_kind": dict.fromkeys(kinds, 0)} for m in range(1, 13)]
    for month, kind, n in rows:
        months[month - 1]["by_kind"][kind] += n
        months[month - 1]["total"] += n
    return months


def upcoming_expiries(today: dt.date, *, days: int = 365, kinds: tuple[str, ...] = LADDER) -> QuerySet[Any]:
    """Holdings expiring from today on within ``days``, soonest first (the reminder list)."""
    return (
        QualificationHolding.objects.filter(
            kind__in=kinds, expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days)
        )
        .select_related("enterprise")
        .order_by("expires_on", "enterprise__name")
    )


def windows_open_or_upcoming(today: dt.date) -> list[tuple[ApplicationWindow, str]]:
    """Application windows that are open today or start later, with "open"/"upcoming"."""
    found = []
    for window in APPLICATION_WINDOWS:
        if window.opens <= today <= window.closes:
            found.append((window, "open"))
        elif window.opens > today:
            found.append((window, "upcoming"))
    return sorted(found, key=lambda w: w[0].opens)


# --- Ladder -------------------------------------------------------------------------------------


def top_rungs(day: dt.date) -> dict[int, int]:
    """Each enterprise's highest rung (index into :data:`LADDER`) among holdings valid on ``day``."""
    rank = {kind: i for i, kind in enumerate(LADDER)}
    top: dict[int, int] = {}
    rows = QualificationHolding.objects.filter(_valid_on(day), kind__in=LADDER).values_list(
        "enterprise_id", "kind"
    )
    for enterprise_id, kind in rows.iterator(chunk_size=20_000):
        top[enterprise_id] = max(top.get(enterprise_id, -1), rank[kind])
    return top


def ladder_counts(day: dt.date) -> dict[str, int]:
    """Enterprises holding each rung valid on ``day`` (one enterprise counts on every rung it holds)."""
    rows = (
        QualificationHolding.objects.filter(_valid_on(day), kind__in=LADDER)
        .values("kind")
        .annotate(n=Count("enterprise_id", distinct=True))
        .order_by()
    )
    found = {row["kind"]: row["n"] for row in rows}
    return {kind: found.get(kind, 0) for kind in LADDER}


def ladder_flows(year_from: int, year_to: int) -> dict[str, Any]:
    """How enterprises moved between their highest rungs from the end of ``year_from`` to the end of
    ``year_to``: moved up (by pair), new onto the ladder, unchanged, moved down/off."""
    before = top_rungs(dt.date(year_from, 12, 31))
    after = top_rungs(dt.date(year_to, 12, 31))
    pairs: Counter[tuple[str, str]] = Counter()
    up = new = same = down = 0
    for enterprise_id, rung in after.items():
        old = before.get(enterprise_id)
        if old is None:
            new += 1
            pairs[("", LADDER[rung])] += 1
        elif rung > old:
            up += 1
            pairs[(LADDER[old], LADDER[rung])] += 1
        elif rung == old:
            same += 1
        else:
            down += 1
    down += sum(1 for enterprise_id in before if enterprise_id not in after)
    return {
        "up": up,
        "new": new,
        "same": same,
        "down": down,
        "pairs": [{"from": a, "to": b, "n": n} for (a, b), n in sorted(pairs.items())],
    }


def ladder_chart(year: int) -> dict[str, Any]:
    """ECharts data: rung counts at the end of ``year`` and the year before, and the moves up."""
    labels = dict(QualificationKind.choices)
    this, last = ladder_counts(dt.date(year, 12, 31)), ladder_counts(dt.date(year - 1, 12, 31))
    flows = ladder_flows(year - 1, year)
    return {
        "rungs": [str(labels[k]) for k in LADDER],
        "years": [year - 1, year],
        "series": {str(year - 1): [last[k] for k in LADDER], str(year): [this[k] for k in LADDER]},
        "links": [
            {
                "source": str(labels[p["from"]]) if p["from"] else "新入梯",
                "target": str(labels[p["to"]]),
                "value": p["n"],
            }
            for p in flows["pairs"]
        ],
        "flows": {k: flows[k] for k in ("up", "new", "same", "down")},
    }


# --- Pools --------------------------------------------------------------------------------------

APPLIED_STAGES = (PoolStage.APPLIED, PoolStage.CERTIFIED, PoolStage.REJECTED)


def pool_stats(pool: CultivationPool, members: QuerySet[PoolMember] | None = None) -> dict[str, Any]:
    """Members per stage, applied (申报 and after), certified and the target; rate = certified/target."""
    qs = members if members is not None else pool.members.all()
    return _stats(pool, dict(qs.values_list("stage").annotate(n=Count("id")).order_by()))


def pools_with_stats(pools: Iterable[CultivationPool]) -> list[tuple[CultivationPool, dict[str, Any]]]:
    """:func:`pool_stats` for many pools with one grouped query (the pool list), not one per pool."""
    pools = list(pools)
    by_pool: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        PoolMember.objects.filter(pool__in=pools)
        .values_list("pool_id", "stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    for pool_id, stage, n in rows:
        by_pool[pool_id][stage] = n
    return [(pool, _stats(pool, by_pool[pool.pk])) for pool in pools]


def _stats(pool: CultivationPool, by_stage: dict[str, int]) -> dict[str, Any]:
    stages = {stage: by_stage.get(stage, 0) for stage in PoolStage.values}
    applied = sum(stages[s] for s in APPLIED_STAGES)
    certified = stages[PoolStage.CERTIFIED]
    return {
        "members": sum(stages.values()),
        "stages": stages,
        "applied": applied,
        "certified": certified,
        "target": pool.target,
        "pass_rate": round(certified * 100 / applied, 1) if applied else None,
        "target_rate": round(certified * 100 / pool.target, 1) if pool.target else None,
    }


def year_counts(rule_code: str, year: int) -> dict[str, int | None]:
    """Applied, certified and target of all pools of one qualification and year (the KPI feed)."""
    pools = CultivationPool.objects.filter(rule_code=rule_code, year=year)
    members = PoolMember.objects.filter(pool__in=pools)
    applied = members.filter(stage__in=APPLIED_STAGES).count()
    certified = members.filter(stage=PoolStage.CERTIFIED).count()
    targets = [t for t in pools.values_list("target", flat=True) if t is not None]
    return {"applied": applied, "certified": certified, "target": sum(targets) if targets else None}


def batch_counts(pool: CultivationPool) -> list[dict[str, Any]]:
    rows = pool.batches.annotate(
        applied=Count("members", filter=Q(members__stage__in=APPLIED_STAGES)),
        certified=Count("members", filter=Q(members__stage=PoolStage.CERTIFIED)),
    )
    return [{"batch": b, "applied": b.applied, "certified": b.certified} for b in rows]  # type: ignore[attr-defined]
