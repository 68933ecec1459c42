"""Set-based screening: one rule set over the whole registry, chunk by chunk of enterprise ids.

A rule set whose criteria and score items all have column forms (国高, 科小; see :mod:`vector`) is
screened on arrays, one element per enterprise:

1. :func:`frames.read_frame` reads the chunk's registry frame set-based (binary ``COPY`` read by numpy on
   PostgreSQL, the ORM elsewhere);
2. the rule set's ``derive_columns`` turns it into its input columns, and the *same* criteria and item
   objects evaluate them (``check_columns`` / ``score_columns``, tested equal to the scalar engine); the
   verdict, "prospect" and "needs data" are the scalar functions, called once per distinct combination
   of statuses and score range;
3. the results are written set-based: on PostgreSQL binary ``COPY`` into a temporary table and one
   upsert, ``bulk_create`` upserts elsewhere. On PostgreSQL several chunks run at once, each on its own
   connection.

The few enterprises with an expert estimate, and every rule set without column forms, go through the row
engine: the chunk's profiles are read with three set-based queries (:func:`profiles_for_chunk`), each
becomes the profile :func:`profiles.profile_from_enterprise` builds and :func:`rules.assess` evaluates
it. Either way a screening result equals a single assessment (tested field by field). ADR 0004.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import threading
from collections import Counter, defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, Min, Q, When
from django.utils import timezone

from wutong.enterprises.choices import CLASS_ONE_KINDS, CLASS_TWO_KINDS, IPStatus
from wutong.enterprises.models import Enterprise, IPAsset, QualificationHolding
from wutong.qualifications import frames, vector
from wutong.qualifications.choices import CriterionStatus, ScreeningStatus
from wutong.qualifications.models import ExpertEstimate, RuleSetVersion, ScreeningResult, ScreeningRun
from wutong.qualifications.profiles import WAN, YEAR_FIELDS
from wutong.qualifications.rules import (
    CriterionResult,
    Outcome,
    RuleSet,
    RuleVersion,
    ScoreSummary,
    assess,
    default_verdict,
    get_ruleset,
    version_in_force,
)

DEFAULT_CHUNK = 50_000
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


def profiles_for_chunk(
    lo: int, hi: int, on_date: dt.date, *, only: Collection[int] | None = None
) -> dict[int, dict[str, Any]]:
    """File-format profiles of the enterprises with ids in [lo, hi] (and in ``only`` when given), equal
    to what :func:`profile_from_enterprise` returns for each (minus fields no rule reads: IP numbers)."""
    years = range(on_date.year - YEARS_BACK, on_date.year)
    firms = Q() if only is None else Q(pk__in=sorted(only))
    owned = Q() if only is None else Q(enterprise_id__in=sorted(only))
    rows = (
        Enterprise.objects.filter(firms, pk__gte=lo, pk__lte=hi)
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
        IPAsset.objects.filter(owned, enterprise_id__gte=lo, enterprise_id__lte=hi)
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
        QualificationHolding.objects.filter(owned, enterprise_id__gte=lo, enterprise_id__lte=hi)
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


#: Criteria whose facts the registry never holds (国高's and 科小's incident rules): a screening cannot
#: settle them, a visit must.
REGISTRY_UNKNOWN = frozenset({"no_major_incident", "no_incident"})


def is_prospect(outcome: Outcome) -> bool:
    return prospect_of(outcome.criteria, outcome.score)


def prospect_of(criteria: Sequence[CriterionResult], score: ScoreSummary | None) -> bool:
    """No condition fails, the only missing facts are ones the registry never has, and the score
    range reaches the pass mark (when the rule set scores)."""
    for c in criteria:
        if c.status == CriterionStatus.FAIL:
            return False
        if c.status == CriterionStatus.NEEDS_DATA and c.id not in REGISTRY_UNKNOWN:
            return False
    return score is None or score.pass_mark is None or score.max >= score.pass_mark


def needs_registry_data(outcome: Outcome) -> bool:
    return lacks_registry_data(outcome.criteria)


def lacks_registry_data(criteria: Sequence[CriterionResult]) -> bool:
    """A criterion lacks data the registry could hold (annual report figures, IP, dates) — not merely
    the facts it never holds: the "needs data" list is the one staff can act on."""
    return any(c.status == CriterionStatus.NEEDS_DATA and c.id not in REGISTRY_UNKNOWN for c in criteria)


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


def screen_rows(
    version_row: RuleSetVersion,
    on_date: dt.date,
    lo: int,
    hi: int,
    *,
    run: Any = None,
    only: set[int] | None = None,
) -> Counter[str]:
    """The row engine: assess every enterprise with an id in [lo, hi] (or only those in ``only``) and
    upsert its result; returns verdict counts."""
    code = version_row.code
    profiles = profiles_for_chunk(lo, hi, on_date, only=only)
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


def screen_range(
    version_row: RuleSetVersion, on_date: dt.date, lo: int, hi: int, *, run: Any = None
) -> Counter[str]:
    """Assess every enterprise with an id in [lo, hi] and store its result; returns verdict counts.
    Column forms when the rule set has them, the row engine otherwise."""
    ruleset = get_ruleset(version_row.code)
    if not vector.supports_columns(ruleset):
        return screen_rows(version_row, on_date, lo, hi, run=run)
    version = version_in_force(version_row.code, on_date)
    frame = frames.read_frame(ruleset, version, version_row.code, on_date, lo, hi)
    return screen_frame(frame, ruleset, version, version_row, on_date, lo, hi, run=run)


# --- Column screening ------------------------------------------------------------------------------

NULL = frames.NULL
EPOCH = vector.EPOCH


@dataclass
class ChunkResults:
    """One chunk's results as arrays, ready to be written (see :func:`chunk_results`)."""

    ids: npt.NDArray[np.int64]
    verdicts: list[str]
    verdict: npt.NDArray[np.intp]
    failings: list[str]
    failing: npt.NDArray[np.intp]
    score_min: npt.NDArray[np.int64]  # cents, NULL when the rule set does not score
    score_max: npt.NDArray[np.int64]
    needs_data: npt.NDArray[np.bool_]
    prospect: npt.NDArray[np.bool_]
    rd_gap: npt.NDArray[np.int64]  # cents, NULL unless the R&D ratio fails
    tech_staff_gap: npt.NDArray[np.int64]  # persons, NULL unless the tech-staff ratio fails
    holds: npt.NDArray[np.bool_]
    holding_expires: npt.NDArray[np.int64]  # days since 2000-01-01, NULL when none

    def counts(self, keep: npt.NDArray[np.bool_] | None = None) -> Counter[str]:
        index = self.verdict if keep is None else self.verdict[keep]
        tally = np.bincount(index, minlength=len(self.verdicts))
        return Counter({self.verdicts[i]: int(n) for i, n in enumerate(tally) if n})


def chunk_results(
    ruleset: RuleSet, version: RuleVersion, frame: vector.Columns, on_date: dt.date
) -> ChunkResults:
    """Evaluate the rule set on a frame with the column forms; what :func:`result_row` stores, per row."""
    assert ruleset.derive_columns is not None
    cols = ruleset.derive_columns(frame, on_date, version.thresholds)
    outcome = vector.evaluate_columns(ruleset, version, cols)

    def decide(criteria: dict[str, CriterionResult], score: ScoreSummary | None) -> tuple[str, bool, bool]:
        verdict = (ruleset.verdict or default_verdict)(criteria, score)
        found = list(criteria.values())
        return str(verdict), prospect_of(found, score), lacks_registry_data(found)

    answers, index = vector.combine(outcome, decide)
    verdicts = sorted({a[0] for a in answers})
    verdict_of = np.array([verdicts.index(a[0]) for a in answers], dtype=np.intp)
    prospect = np.array([a[1] for a in answers], dtype=bool)[index]
    needs_data = np.array([a[2] for a in answers], dtype=bool)[index]
    failings, failing = vector.failing_masks(outcome)
    n = cols.n
    null = np.full(n, NULL, dtype=np.int64)
    if outcome.score is not None:
        score_min, score_max = vector.cents_columns(outcome.score[0]), vector.cents_columns(outcome.score[1])
    else:
        score_min, score_max = null, null.copy()
    rd_gap, staff_gap = null.copy(), null.copy()
    if "rd_expense_ratio" in outcome.criteria:
        status, gap = outcome.criteria["rd_expense_ratio"]
        rd_gap = np.where(
            status == vector.FAIL, vector.cents_columns(np.where(status == vector.FAIL, gap, 0.0)), NULL
        )
    if "tech_staff_ratio" in outcome.criteria:
        status, gap = outcome.criteria["tech_staff_ratio"]
        staff_gap = np.where(status == vector.FAIL, np.nan_to_num(gap).astype(np.int64), NULL)
    expires = frame["holding_expires"]
    return ChunkResults(
        ids=frame["id"].astype(np.int64),
        verdicts=verdicts,
        verdict=verdict_of[index],
        failings=failings,
        failing=failing,
        score_min=score_min,
        score_max=score_max,
        needs_data=needs_data,
        prospect=prospect,
        rd_gap=rd_gap.astype(np.int64),
        tech_staff_gap=staff_gap.astype(np.int64),
        holds=frame["holds"] > 0,
        holding_expires=np.where(np.isnan(expires), NULL, np.nan_to_num(expires)).astype(np.int64),
    )


def screen_frame(
    frame: vector.Columns,
    ruleset: RuleSet,
    version: RuleVersion,
    version_row: RuleSetVersion,
    on_date: dt.date,
    lo: int,
    hi: int,
    *,
    run: Any = None,
) -> Counter[str]:
    """Evaluate one chunk's frame with the column forms and store the results; the chunk's enterprises
    with an expert estimate are assessed by the row engine instead (the estimate narrows a range)."""
    results = chunk_results(ruleset, version, frame, on_date)
    estimated = set(estimates_for_chunk(lo, hi, version_row.code))
    keep = ~np.isin(results.ids, np.array(sorted(estimated), dtype=np.int64)) if estimated else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _write_copy(results, keep, version_row, on_date, run)
        else:
            _write_rows(results, keep, version_row, on_date, run)
    counts = results.counts(keep)
    if estimated:
        counts.update(screen_rows(version_row, on_date, lo, hi, run=run, only=estimated))
    return counts


def _write_copy(
    results: ChunkResults,
    keep: npt.NDArray[np.bool_] | None,
    version_row: RuleSetVersion,
    on_date: dt.date,
    run: Any,
) -> None:
    """PostgreSQL: binary COPY of fixed-width int8 records into a temporary table, then one upsert that
    maps the codes to the stored text (a rerun updates the same rows)."""
    qn = connection.ops.quote_name
    table = qn(ScreeningResult._meta.db_table)
    updates = ", ".join(
        f"{qn(column)} = EXCLUDED.{qn(column)}"
        for column in ("run_id" if name == "run" else name for name in UPDATE_FIELDS)
    )
    columns = [
        results.ids,
        results.verdict.astype(np.int64),
        results.failing.astype(np.int64),
        results.score_min,
        results.score_max,
        results.needs_data.astype(np.int64),
        results.prospect.astype(np.int64),
        results.rd_gap,
        results.tech_staff_gap,
        results.holds.astype(np.int64),
        results.holding_expires,
    ]
    if keep is not None:
        columns = [column[keep] for column in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS wutong_screening_chunk (enterprise_id int8, verdict int8, "
            "failing int8, score_min int8, score_max int8, needs_data int8, prospect int8, rd_gap int8, "
            "tech_staff_gap int8, holds int8, holding_expires int8)"
        )
        cursor.execute("TRUNCATE wutong_screening_chunk")
        with cursor.cursor.copy("COPY wutong_screening_chunk FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_binary_records(columns))
        cursor.execute(
            f"""
            INSERT INTO {table} (enterprise_id, rule_version_id, run_id, assessed_on, verdict, score_min,
                score_max, failing, needs_data, prospect, rd_gap, tech_staff_gap, holds,
                holding_expires_on, updated_at)
            SELECT c.enterprise_id, %(version)s, %(run)s, %(on)s, (%(verdicts)s::text[])[c.verdict + 1],
                NULLIF(c.score_min, {NULL}) * 0.01, NULLIF(c.score_max, {NULL}) * 0.01,
                (%(failings)s::text[])[c.failing + 1], c.needs_data = 1, c.prospect = 1,
                NULLIF(c.rd_gap, {NULL}) * 0.01, NULLIF(c.tech_staff_gap, {NULL}), c.holds = 1,
                DATE '2000-01-01' + NULLIF(c.holding_expires, {NULL})::int4, %(now)s
            FROM wutong_screening_chunk c
            ON CONFLICT (enterprise_id, rule_version_id) DO UPDATE SET {updates}
            """,
            {
                "version": version_row.pk,
                "run": run.pk if run is not None else None,
                "on": on_date,
                "verdicts": results.verdicts,
                "failings": results.failings,
                "now": timezone.now(),
            },
        )


def _binary_records(columns: Sequence[npt.NDArray[np.int64]]) -> bytes:
    """A binary COPY stream of rows of non-null int8 fields, built by numpy in one pass."""
    width = len(columns)
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for i in range(width):
        fields += [(f"l{i}", ">i4"), (f"v{i}", ">i8")]
    n = len(columns[0]) if columns else 0
    records = np.empty(n, dtype=np.dtype(fields))
    records["n"] = width
    for i, column in enumerate(columns):
        records[f"l{i}"] = 8
        records[f"v{i}"] = column
    return b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8 + records.tobytes() + b"\xff\xff"


def _write_rows(
    results: ChunkResults,
    keep: npt.NDArray[np.bool_] | None,
    version_row: RuleSetVersion,
    on_date: dt.date,
    run: Any,
) -> None:
    """Any other database: one ``executemany`` upsert of the chunk's rows (values adapted as the ORM
    adapts them)."""
    ops = connection.ops
    qn = ops.quote_name
    columns = ["enterprise_id", "rule_version_id", "run_id", "assessed_on", "verdict", "score_min",
               "score_max", "failing", "needs_data", "prospect", "rd_gap", "tech_staff_gap", "holds",
               "holding_expires_on", "updated_at"]  # fmt: skip
    updates = ", ".join(
        f"{qn(column)} = excluded.{qn(column)}"
        for column in ("run_id" if name == "run" else name for name in UPDATE_FIELDS)
    )
    sql = (
        f"INSERT INTO {qn(ScreeningResult._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({qn('enterprise_id')}, {qn('rule_version_id')}) DO UPDATE SET {updates}"
    )
    now = ops.adapt_datetimefield_value(timezone.now())
    assessed_on = ops.adapt_datefield_value(on_date)
    run_id = run.pk if run is not None else None

    def money(cents: int) -> Any:
        return None if cents == NULL else ops.adapt_decimalfield_value(Decimal(cents).scaleb(-2), 14, 2)

    expiries = {
        int(days): ops.adapt_datefield_value(EPOCH + dt.timedelta(days=int(days)))
        for days in np.unique(results.holding_expires)
        if days != NULL
    }
    rows = []
    for i in range(len(results.ids)) if keep is None else np.flatnonzero(keep).tolist():
        staff_gap = int(results.tech_staff_gap[i])
        rows.append(
            (
                int(results.ids[i]),
                version_row.pk,
                run_id,
                assessed_on,
                results.verdicts[results.verdict[i]],
                money(int(results.score_min[i])),
                money(int(results.score_max[i])),
                results.failings[results.failing[i]],
                bool(results.needs_data[i]),
                bool(results.prospect[i]),
                money(int(results.rd_gap[i])),
                None if staff_gap == NULL else staff_gap,
                bool(results.holds[i]),
                expiries.get(int(results.holding_expires[i])),
                now,
            )
        )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def default_workers() -> int:
    """Chunks screened at once: one per core (at most four) on PostgreSQL, each on its own connection,
    so one chunk's rows are written while the next is read; one elsewhere, and inside a transaction
    (other connections would not see its rows)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def execute_run(run: ScreeningRun, *, chunk: int = DEFAULT_CHUNK, workers: int | None = None) -> ScreeningRun:
    """Screen the registry for ``run``, saving progress after each chunk. Safe to run twice: results are
    upserted, and a finished run is recomputed from the start."""
    bounds = Enterprise.objects.aggregate(lo=Min("pk"), hi=Max("pk"), n=Count("pk"))
    run.status = ScreeningStatus.RUNNING
    run.started_at = timezone.now()
    run.total, run.processed, run.error = bounds["n"] or 0, 0, ""
    run.save(update_fields=["status", "started_at", "total", "processed", "error", "updated_at"])
    version_row = run.rule_version
    counts: Counter[str] = Counter()
    try:
        if bounds["lo"] is not None:
            chunks = list(id_chunks(bounds["lo"], bounds["hi"], chunk))
            done = (
                _screen_chunks(chunks, version_row, run.on_date, run)
                if (workers or default_workers()) <= 1
                else _screen_chunks_threaded(
                    chunks, version_row, run.on_date, run, workers or default_workers()
                )
            )
            for part in done:
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


def _screen_chunks(
    chunks: Sequence[tuple[int, int]], version_row: RuleSetVersion, on_date: dt.date, run: Any
) -> Iterator[Counter[str]]:
    for lo, hi in chunks:
        yield screen_range(version_row, on_date, lo, hi, run=run)


def _screen_chunks_threaded(
    chunks: Sequence[tuple[int, int]], version_row: RuleSetVersion, on_date: dt.date, run: Any, workers: int
) -> Iterator[Counter[str]]:
    """Chunks screened by ``workers`` threads, each with its own database connection (closed when the
    thread ends); yields each chunk's counts as it finishes. The first error stops the others."""
    todo: queue.Queue[tuple[int, int] | None] = queue.Queue()
    for item in chunks:
        todo.put(item)
    finished: queue.Queue[Counter[str] | BaseException] = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                if item is None:
                    return
                try:
                    finished.put(screen_range(version_row, on_date, item[0], item[1], run=run))
                except BaseException as exc:  # handed to the caller's thread, which raises it
                    stop.set()
                    finished.put(exc)
                    return
        finally:
            connection.close()

    threads = [threading.Thread(target=work, name=f"screening-{i}", daemon=True) for i in range(workers)]
    for thread in threads:
        thread.start()
    try:
        for _ in chunks:
            result = finished.get()
            if isinstance(result, BaseException):
                raise result
            yield result
    finally:
        stop.set()
        for thread in threads:
            thread.join()
