"""Set-based screening: one rule set over the whole registry, chunk by chunk of enterprise ids.

Per chunk (e.g. 20 000 ids) the registry is read with three set-based queries, never per enterprise:

1. enterprises LEFT JOIN annual reports, pivoted by conditional aggregation into one row per enterprise
   with each figure of each fiscal year in the window (``MAX(CASE WHEN year = Y-1 THEN rd_expense END)``);
2. IP assets granted by the date, grouped by (enterprise, kind, status, acquisition, used for 高企);
3. qualification holdings issued by the date (and the few expert estimates of the chunk).

Each row becomes the same file-format profile :func:`profiles.profile_from_enterprise` builds, and the
*same* engine (:func:`rules.assess`, the rule set's criteria objects) evaluates it: there is no second
implementation of the rules, so a screening result equals a single assessment (tested on a random
sample). Results are upserted: one :class:`ScreeningResult` per enterprise and rule version.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Max, Min, Q, When
from django.utils import timezone

from wutong.enterprises.choices import CLASS_ONE_KINDS, CLASS_TWO_KINDS, IPStatus
from wutong.enterprises.models import Enterprise, IPAsset, QualificationHolding
from wutong.qualifications.choices import CriterionStatus, ScreeningStatus
from wutong.qualifications.models import ExpertEstimate, RuleSetVersion, ScreeningResult, ScreeningRun
from wutong.qualifications.profiles import WAN, YEAR_FIELDS
from wutong.qualifications.rules import Outcome, assess, get_ruleset

DEFAULT_CHUNK = 20_000
#: Fiscal years read before the assessment year. The window of every rule set using ``base_inputs``
#: is at most three years; one more keeps "missing year" flags exact. A rule set reading older years
#: must raise this.
YEARS_BACK = 4
COUNT_FIELDS = ("employees", "tech_staff", "rd_staff")
_IP_CLASS = {**dict.fromkeys(CLASS_ONE_KINDS, "I"), **dict.fromkeys(CLASS_TWO_KINDS, "II")}
UPDATE_FIELDS = [
    "run",
    "assessed_on",
    "verdict",
    "score_min",
    "score_max",
    "failing",
    "needs_data",
    "prospect",
    "rd_gap",
    "tech_staff_gap",
    "holds",
    "holding_expires_on",
    "updated_at",
]


def id_chunks(lo: int, hi: int, size: int) -> Iterator[tuple[int, int]]:
    start = lo
    while start <= hi:
        yield start, min(hi, start + size - 1)
        start += size


def _year_columns(on_date: dt.date) -> dict[str, Any]:
    """Conditional aggregates: ``y2025_rd_expense`` … and ``has_2025`` per fiscal year in the window."""
    columns: dict[str, Any] = {}
    for year in range(on_date.year - YEARS_BACK, on_date.year):
        columns[f"has_{year}"] = Count(
            Case(When(annual_reports__year=year, then=1), output_field=IntegerField())
        )
        for name in YEAR_FIELDS:
            columns[f"y{year}_{name}"] = Max(
                Case(When(annual_reports__year=year, then=f"annual_reports__{name}"))
            )
    return columns


def profiles_for_chunk(lo: int, hi: int, on_date: dt.date) -> dict[int, dict[str, Any]]:
    """File-format profiles of the enterprises with ids in [lo, hi], equal to what
    :func:`profile_from_enterprise` returns for each (minus fields no rule reads: IP numbers)."""
    years = range(on_date.year - YEARS_BACK, on_date.year)
    rows = (
        Enterprise.objects.filter(pk__gte=lo, pk__lte=hi)
        .order_by()
        .values("pk", "uscc", "name", "established", "industry_id", "industry__section", "emerging_industry")
        .annotate(**_year_columns(on_date))
    )
    profiles: dict[int, dict[str, Any]] = {}
    for row in rows:
        figures: dict[str, dict[str, Any]] = {}
        for year in years:
            if not row[f"has_{year}"]:
                continue
            values: dict[str, Any] = {}
            for name in YEAR_FIELDS:
                value = row[f"y{year}_{name}"]
                if name in COUNT_FIELDS:
                    values[name] = value
                else:
                    values[name] = None if value is None else float(Decimal(value) / WAN)
            figures[str(year)] = values
        industry = None
        if row["industry_id"]:
            industry = f"{row['industry__section'] or ''}{row['industry_id']}"
        profiles[row["pk"]] = {
            "name": row["name"],
            "uscc": row["uscc"],
            "industry": industry,
            "emerging_industry": True if row["emerging_industry"] else None,
            "established": row["established"].isoformat() if row["established"] else None,
            "years": figures,
            "ip": [],
            "holdings": [],
        }

    ip_rows = (
        IPAsset.objects.filter(enterprise_id__gte=lo, enterprise_id__lte=hi)
        .filter(Q(granted_on__isnull=True) | Q(granted_on__lte=on_date))
        .order_by()
        .values("enterprise_id", "kind", "status", "acquisition", "used_for_gaoxin")
        .annotate(n=Count("id"))
    )
    for ip in ip_rows:
        profile = profiles.get(ip["enterprise_id"])
        if profile is None:
            continue
        status = ip["status"] if ip["status"] != IPStatus.INVALID else IPStatus.EXPIRED
        item = {
            "kind": ip["kind"],
            "status": status,
            "acquisition": ip["acquisition"],
            "used_for_gaoxin": ip["used_for_gaoxin"],
        }
        profile["ip"].extend(dict(item) for _ in range(ip["n"]))

    holdings = (
        QualificationHolding.objects.filter(enterprise_id__gte=lo, enterprise_id__lte=hi)
        .filter(Q(issued_on__isnull=True) | Q(issued_on__lte=on_date))
        .order_by("enterprise_id", "id")
        .values_list("enterprise_id", "kind", "level", "issued_on", "expires_on")
    )
    for enterprise_id, kind, level, issued, expires in holdings:
        if enterprise_id in profiles:
            profiles[enterprise_id]["holdings"].append(
                {
                    "code": kind,
                    "level": level,
                    "issued": issued.isoformat() if issued else None,
                    "expires": expires.isoformat() if expires else None,
                }
            )
    return profiles


_ABSENT = {
    "standards": None,
    "incidents": None,
    "awards": None,
    "rd_institutions": None,
    "transformations": None,
    "equity_financing": None,
    "market_years": None,
    "rd_equipment_value": None,
}


def registry_normalized(profile: dict[str, Any]) -> dict[str, Any]:
    """What :func:`normalize_profile` returns for a registry-built profile, without re-validating the
    values the database already typed (the test compares the two on every sampled enterprise)."""
    years = {
        int(year): {name: None if figures[name] is None else float(figures[name]) for name in YEAR_FIELDS}
        for year, figures in profile["years"].items()
    }
    ip = []
    for item in profile["ip"]:
        kind = item["kind"]
        ip.append(
            {
                "kind": kind,
                "status": item["status"],
                "acquisition": item["acquisition"],
                "used_for_gaoxin": item["used_for_gaoxin"],
                "ip_class": _IP_CLASS.get(kind, ""),
                "high_value": False,
            }
        )
    holdings = [
        {
            "code": h["code"],
            "issued": dt.date.fromisoformat(h["issued"]) if h["issued"] else None,
            "expires": dt.date.fromisoformat(h["expires"]) if h["expires"] else None,
            "level": str(h.get("level", "")),
        }
        for h in profile["holdings"]
    ]
    industry = profile["industry"]
    return {
        "name": profile["name"] or "",
        "uscc": profile["uscc"] or "",
        "established": dt.date.fromisoformat(profile["established"]) if profile["established"] else None,
        "years": years,
        "ip": ip,
        "holdings": holdings,
        **_ABSENT,
        "emerging_industry": profile["emerging_industry"],
        "industry": industry.strip().upper() if industry else None,
    }


def estimates_for_chunk(lo: int, hi: int, rule_code: str) -> dict[int, dict[str, tuple[float, float]]]:
    """The latest expert estimate per item for the chunk's enterprises (as ``current_estimates``)."""
    found: dict[int, dict[str, tuple[float, float]]] = defaultdict(dict)
    rows = (
        ExpertEstimate.objects.filter(rule_code=rule_code)
        .filter(
            Q(enterprise_id__gte=lo, enterprise_id__lte=hi)
            | Q(assessment__enterprise_id__gte=lo, assessment__enterprise_id__lte=hi)
        )
        .order_by("created_at", "id")
        .values_list("enterprise_id", "assessment__enterprise_id", "item_id", "min_points", "max_points")
    )
    for enterprise_id, assessed_id, item_id, low, high in rows:
        found[enterprise_id or assessed_id][item_id] = (float(low), float(high))
    return found


def holding_of(profile: dict[str, Any], code: str, on_date: dt.date) -> tuple[bool, dt.date | None]:
    """Whether the profile holds ``code`` valid on the date, and the latest expiry of that holding."""
    expiries = []
    holds = False
    for holding in profile["holdings"]:
        if holding["code"] != code:
            continue
        expires = dt.date.fromisoformat(holding["expires"]) if holding["expires"] else None
        if expires is None or expires >= on_date:
            holds = True
        if expires is not None:
            expiries.append(expires)
    return holds, max(expiries) if expiries else None


#: Criteria whose facts the registry never holds: a screening cannot settle them, a visit must.
REGISTRY_UNKNOWN = frozenset({"no_major_incident"})


def is_prospect(outcome: Outcome) -> bool:
    """No condition fails, the only missing facts are ones the registry never has, and the score
    range reaches the pass mark (when the rule set scores)."""
    for c in outcome.criteria:
        if c.status == CriterionStatus.FAIL:
            return False
        if c.status == CriterionStatus.NEEDS_DATA and c.id not in REGISTRY_UNKNOWN:
            return False
    score = outcome.score
    return score is None or score.pass_mark is None or score.max >= score.pass_mark


def needs_registry_data(outcome: Outcome) -> bool:
    """A criterion lacks data the registry could hold (annual report figures, IP, dates) — not merely
    the facts it never holds: the "needs data" list is the one staff can act on."""
    return any(
        c.status == CriterionStatus.NEEDS_DATA and c.id not in REGISTRY_UNKNOWN for c in outcome.criteria
    )


def result_row(
    enterprise_id: int, outcome: Outcome, profile: dict[str, Any], version_row: RuleSetVersion, run: Any
) -> ScreeningResult:
    """The stored, filterable summary of one outcome."""
    by_id = {c.id: c for c in outcome.criteria}
    failing = sorted(c.id for c in outcome.criteria if c.status == CriterionStatus.FAIL)
    rd = by_id.get("rd_expense_ratio")
    staff = by_id.get("tech_staff_ratio")
    holds, expires = holding_of(profile, version_row.code, outcome.assessed_on)
    return ScreeningResult(
        enterprise_id=enterprise_id,
        rule_version=version_row,
        run=run,
        assessed_on=outcome.assessed_on,
        verdict=outcome.verdict,
        score_min=Decimal(str(outcome.score.min)).quantize(Decimal("0.01")) if outcome.score else None,
        score_max=Decimal(str(outcome.score.max)).quantize(Decimal("0.01")) if outcome.score else None,
        failing=",".join(failing)[:300],
        needs_data=needs_registry_data(outcome),
        prospect=is_prospect(outcome),
        rd_gap=Decimal(str(rd.gap)) if rd is not None and rd.status == CriterionStatus.FAIL else None,
        tech_staff_gap=int(staff.gap) if staff is not None and staff.status == CriterionStatus.FAIL else None,
        holds=holds,
        holding_expires_on=expires,
        updated_at=timezone.now(),
    )


def screen_range(
    version_row: RuleSetVersion, on_date: dt.date, lo: int, hi: int, *, run: Any = None
) -> Counter[str]:
    """Assess every enterprise with an id in [lo, hi] and upsert its result; returns verdict counts."""
    code = version_row.code
    get_ruleset(code)
    profiles = profiles_for_chunk(lo, hi, on_date)
    estimates = estimates_for_chunk(lo, hi, code)
    rows = []
    counts: Counter[str] = Counter()
    for enterprise_id, profile in profiles.items():
        outcome = assess(registry_normalized(profile), code, on_date, estimates=estimates.get(enterprise_id))
        counts[str(outcome.verdict)] += 1
        rows.append(result_row(enterprise_id, outcome, profile, version_row, run))
    with transaction.atomic():
        ScreeningResult.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["enterprise", "rule_version"],
            update_fields=UPDATE_FIELDS,
        )
    return counts


def execute_run(run: ScreeningRun, *, chunk: int = DEFAULT_CHUNK) -> ScreeningRun:
    """Screen the registry for ``run``, saving progress after each chunk. Safe to run twice: results are
    upserted, and a finished run is recomputed from the start."""
    bounds = Enterprise.objects.aggregate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
    run.status = ScreeningStatus.RUNNING
    run.started_at = timezone.now()
    run.total, run.processed, run.error = bounds["n"] or 0, 0, ""
    run.save(update_fields=["status", "started_at", "total", "processed", "error", "updated_at"])
    counts: Counter[str] = Counter()
    try:
        if bounds["lo"] is not None:
            for lo, hi in id_chunks(bounds["lo"], bounds["hi"], chunk):
                part = screen_range(run.rule_version, run.on_date, lo, hi, run=run)
                counts.update(part)
                run.processed = min(run.total, run.processed + sum(part.values()))
                run.save(update_fields=["processed", "updated_at"])
    except Exception as exc:
        run.status = ScreeningStatus.FAILED
        run.error = f"{exc.__class__.__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at", "updated_at"])
        raise
    run.status = ScreeningStatus.DONE
    run.counts = dict(counts)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "counts", "finished_at", "updated_at"])
    return run
