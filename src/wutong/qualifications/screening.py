"""Set-based screening: one rule set over the whole registry, chunk by chunk of enterprise ids.

A rule set whose criteria and score items all have column forms (国高, 科小; see :mod:`vector`) is
screened on arrays, one element per enterprise:

1. one query per chunk reads the registry *frame*: per enterprise one row of integers — established
   days, each fiscal year's figures (in cents, exact) joined by year, the IP counts by conditional
   aggregation, the holding of the same qualification. On PostgreSQL it streams as binary ``COPY`` and
   is parsed by numpy without a Python object per value; elsewhere the ORM reads it;
2. the rule set's ``derive_columns`` turns the frame into its input columns, and the *same* criteria
   and item objects evaluate them (``check_columns`` / ``score_columns``, tested equal to the scalar
   engine); the verdict, "prospect" and "needs data" are the scalar functions, called once per distinct
   combination of statuses and score range;
3. the results are written set-based: PostgreSQL ``COPY`` into a temporary table and one
   ``INSERT … SELECT`` (after deleting the chunk's previous results), ``bulk_create`` upserts elsewhere.

The few enterprises with an expert estimate, and every rule set without column forms, go through the row
engine: the chunk's profiles are read with three set-based queries (:func:`profiles_for_chunk`), each
becomes the profile :func:`profiles.profile_from_enterprise` builds and :func:`rules.assess` evaluates
it. Either way a screening result equals a single assessment (tested on a random sample).
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, Min, Q, When
from django.utils import timezone

from wutong.enterprises.choices import CLASS_ONE_KINDS, CLASS_TWO_KINDS, IPAcquisition, IPStatus
from wutong.enterprises.models import AnnualReport, Enterprise, IPAsset, QualificationHolding
from wutong.qualifications import vector
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
    profiles = profiles_for_chunk(lo, hi, on_date)
    estimates = estimates_for_chunk(lo, hi, code)
    rows = []
    counts: Counter[str] = Counter()
    for enterprise_id, profile in profiles.items():
        if only is not None and enterprise_id not in only:
            continue
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
    frame = read_frame(ruleset, version, version_row.code, on_date, lo, hi)
    return screen_frame(frame, ruleset, version, version_row, on_date, lo, hi, run=run)


# --- Column screening ------------------------------------------------------------------------------

#: A missing value in integer frames and result tables (int64 minimum: no figure can be it).
NULL = int(np.iinfo(np.int64).min)
EPOCH = vector.EPOCH
_CLASSED = sorted(CLASS_ONE_KINDS | CLASS_TWO_KINDS)
_ACQUIRED = (IPAcquisition.TRANSFER, IPAcquisition.GIFT, IPAcquisition.MERGER)
#: Figures kept in persons; every other annual-report figure is money (yuan in the table, 万元 here).
COUNT_FIELDS = ("employees", "tech_staff", "rd_staff")


def _ip_conditions() -> dict[str, Q]:
    """The IP counts of ``profiles.ip_inputs`` as conditions on IPAsset rows (status ``invalid`` reads
    as expired; the class comes from the kind, as in :func:`registry_normalized`)."""
    valid = Q(status=IPStatus.VALID, kind__in=_CLASSED)
    class1 = Q(status=IPStatus.VALID, kind__in=sorted(CLASS_ONE_KINDS))
    class2 = Q(status=IPStatus.VALID, kind__in=sorted(CLASS_TWO_KINDS))
    return {
        "ip_valid_count": valid,
        "ip_valid_class1": class1,
        "ip_valid_class1_self": class1 & Q(acquisition=IPAcquisition.SELF),
        "ip_valid_class2": class2,
        "ip_valid_class2_unused": class2 & Q(used_for_gaoxin=False),
        "ip_valid_self": valid & Q(acquisition=IPAcquisition.SELF),
        "ip_valid_acquired": valid & Q(acquisition__in=_ACQUIRED),
        "ip_valid_acquisition_unknown": valid & (Q(acquisition__isnull=True) | Q(acquisition="")),
        "ip_status_unknown": Q(status__isnull=True) | Q(status=""),
    }


def frame_columns(ruleset: RuleSet, on_date: dt.date) -> list[str]:
    """The frame's column names in order (after ``id``): what the rule set's column forms read."""
    years = vector.frame_years(on_date, ruleset_years(ruleset, on_date))
    names = ["established_days"]
    names += [f"has_{year}" for year in years]
    names += [
        f"y{year}_{field}"
        for year in years
        for field, back in ruleset.frame_fields.items()
        if year >= on_date.year - back
    ]
    names += list(ruleset.frame_ip)
    names += ["holds", "holding_expires"]
    for kind in ruleset.frame_routes:
        names += [f"{kind}_dated_valid", f"{kind}_open_issued"]
    return names


def ruleset_years(ruleset: RuleSet, on_date: dt.date) -> int:
    return int(version_in_force(ruleset.code, on_date).thresholds.get("fiscal_years", 3))


def read_frame(
    ruleset: RuleSet, version: RuleVersion, code: str, on_date: dt.date, lo: int, hi: int
) -> vector.Columns:
    """The registry frame of the enterprises with ids in [lo, hi]: ``id`` and :func:`frame_columns`,
    money in 万元 and counts as floats (NaN = no data), ``holding_expires`` in days since 2000-01-01."""
    if connection.vendor == "postgresql":
        return _frame_copy(ruleset, code, on_date, lo, hi)
    return _frame_orm(ruleset, code, on_date, lo, hi)


def _frame_copy(ruleset: RuleSet, code: str, on_date: dt.date, lo: int, hi: int) -> vector.Columns:
    """PostgreSQL: four range scans streamed as binary COPY, every value an int8 (money in cents, exact),
    read by numpy as fixed-width records — no Python object per value. Annual reports come one row per
    report and are pivoted by year in numpy (cheaper than three self-joins in SQL)."""
    names = frame_columns(ruleset, on_date)
    years = vector.frame_years(on_date, ruleset_years(ruleset, on_date))
    qn = connection.ops.quote_name
    enterprises = _copy_ints(
        f"SELECT id, COALESCE((%s::date - established)::int8, {NULL}) FROM {qn(Enterprise._meta.db_table)} "
        "WHERE id BETWEEN %s AND %s ORDER BY id",
        [on_date, lo, hi],
        2,
    )
    ids = enterprises[:, 0]
    frame = vector.Columns(len(ids))
    frame["id"] = ids.astype(np.float64)
    frame["established_days"] = _floats(enterprises[:, 1])

    # Annual reports: (enterprise, year, each figure the rule set reads in any year; NULL in the years
    # it does not read, so the conversion is not paid for them).
    figures = list(dict.fromkeys(name.split("_", 1)[1] for name in names if name.startswith("y")))
    select = ["enterprise_id", "year::int8"]
    for field in figures:
        first_year = on_date.year - ruleset.frame_fields[field]
        column = qn(field)
        value = f"{column}::int8" if field in COUNT_FIELDS else f"({column} * 100)::int8"
        select.append(f"CASE WHEN year >= {int(first_year)} THEN COALESCE({value}, {NULL}) ELSE {NULL} END")
    reports = _copy_ints(
        f"SELECT {', '.join(select)} FROM {qn(AnnualReport._meta.db_table)} "
        "WHERE enterprise_id BETWEEN %s AND %s AND year BETWEEN %s AND %s",
        [lo, hi, years.start, years.stop - 1],
        2 + len(figures),
    )
    rows = np.searchsorted(ids, reports[:, 0])
    found = (
        (rows < len(ids)) & (ids[np.minimum(rows, len(ids) - 1)] == reports[:, 0]) if len(ids) else rows < 0
    )
    rows, reports = rows[found], reports[found]
    for year in years:
        mine = reports[:, 1] == year
        frame[f"has_{year}"] = np.bincount(rows[mine], minlength=len(ids)).astype(np.float64)
        for j, field in enumerate(figures, start=2):
            name = f"y{year}_{field}"
            if name in names:
                cents = np.full(len(ids), NULL, dtype=np.int64)
                cents[rows[mine]] = reports[mine, j]
                frame[name] = _floats(cents) if field in COUNT_FIELDS else _wan_from_cents(cents)

    ip_sql, ip_params = _ip_counts(lo, hi, on_date, ruleset.frame_ip).query.sql_with_params()
    ip = _copy_ints(
        f"SELECT enterprise_id, {', '.join(f'{n}::int8' for n in ruleset.frame_ip)} FROM ({ip_sql}) ip",
        list(ip_params),
        1 + len(ruleset.frame_ip),
    )
    at = np.searchsorted(ids, ip[:, 0])
    for j, name in enumerate(ruleset.frame_ip, start=1):
        counts = np.zeros(len(ids))
        counts[at] = ip[:, j]
        frame[name] = counts

    holdings = _copy_ints(
        f"""
        SELECT enterprise_id, bool_or(expires_on IS NULL OR expires_on >= %s)::int4::int8,
               COALESCE((max(expires_on) - DATE '2000-01-01')::int8, {NULL})
        FROM {qn(QualificationHolding._meta.db_table)}
        WHERE enterprise_id BETWEEN %s AND %s AND kind = %s AND (issued_on IS NULL OR issued_on <= %s)
        GROUP BY enterprise_id
        """,
        [on_date, lo, hi, code, on_date],
        3,
    )
    at = np.searchsorted(ids, holdings[:, 0])
    frame["holds"] = np.zeros(len(ids))
    frame["holds"][at] = holdings[:, 1]
    expires = np.full(len(ids), NULL, dtype=np.int64)
    expires[at] = holdings[:, 2]
    frame["holding_expires"] = _floats(expires)

    for kind in ruleset.frame_routes:
        routes = _copy_ints(
            f"""
            SELECT enterprise_id, bool_or(expires_on IS NOT NULL AND %s < expires_on)::int4::int8,
                   COALESCE(
                       (max(issued_on) FILTER (WHERE expires_on IS NULL) - DATE '2000-01-01')::int8, {NULL}
                   )
            FROM {qn(QualificationHolding._meta.db_table)}
            WHERE enterprise_id BETWEEN %s AND %s AND kind = %s AND issued_on <= %s
            GROUP BY enterprise_id
            """,
            [on_date, lo, hi, kind, on_date],
            3,
        )
        at = np.searchsorted(ids, routes[:, 0])
        frame[f"{kind}_dated_valid"] = np.zeros(len(ids))
        frame[f"{kind}_dated_valid"][at] = routes[:, 1]
        issued = np.full(len(ids), NULL, dtype=np.int64)
        issued[at] = routes[:, 2]
        frame[f"{kind}_open_issued"] = _floats(issued)
    return frame


def _copy_ints(query: str, params: Sequence[Any], width: int) -> npt.NDArray[np.int64]:
    """The rows of ``query`` (``width`` non-null int8 columns) as an (n, width) array.

    Streamed as binary COPY of *one* row holding one int8 array per column (``array_agg``): PostgreSQL
    sends a COPY message per row, and reading a message costs the driver microseconds of Python, so
    the columns travel as arrays that numpy reads in place."""
    columns = ", ".join(f"COALESCE(array_agg(q.c{i}), '{{}}')" for i in range(width))
    names = ", ".join(f"c{i}" for i in range(width))
    sql = f"COPY (SELECT {columns} FROM ({query}) AS q ({names})) TO STDOUT (FORMAT BINARY)"
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(sql, params) as copy:
        for data in copy:
            buffer += data
    return _parse_array_row(bytes(buffer), width)


def _parse_array_row(data: bytes, width: int) -> npt.NDArray[np.int64]:
    """One binary COPY row of ``width`` one-dimensional int8 arrays without NULLs → (n, width) array."""
    if data[:11] != b"PGCOPY\n\xff\r\n\x00":
        raise ValueError("not a PostgreSQL binary COPY stream")
    offset = 19
    if int.from_bytes(data[offset : offset + 2], "big", signed=True) != width:
        raise ValueError("unexpected binary COPY layout")
    offset += 2
    columns = []
    element = np.dtype([("length", ">i4"), ("value", ">i8")])
    for _ in range(width):
        size = int.from_bytes(data[offset : offset + 4], "big", signed=True)
        ndim, has_null = (int.from_bytes(data[offset + 4 + k : offset + 8 + k], "big") for k in (0, 4))
        if has_null or ndim > 1:
            raise ValueError("expected a one-dimensional int8 array without NULLs")
        count = int.from_bytes(data[offset + 16 : offset + 20], "big") if ndim else 0
        start = offset + 4 + 12 + 8 * ndim
        values = np.frombuffer(data, dtype=element, count=count, offset=start)
        columns.append(values["value"].astype(np.int64))
        offset += 4 + size
    n = len(columns[0]) if columns else 0
    return np.column_stack(columns) if n else np.zeros((0, width), dtype=np.int64)


def _ip_counts(lo: int, hi: int, on_date: dt.date, names: Sequence[str]) -> Any:
    """The IP counts per enterprise of the chunk (IP granted by the date), one row per enterprise."""
    conditions = _ip_conditions()
    return (
        IPAsset.objects.filter(enterprise_id__gte=lo, enterprise_id__lte=hi)
        .filter(Q(granted_on__isnull=True) | Q(granted_on__lte=on_date))
        .order_by()
        .values("enterprise_id")
        .annotate(**{name: Count("pk", filter=conditions[name]) for name in names})
    )


def _parse_binary(data: bytes, width: int) -> npt.NDArray[np.int64]:
    """Rows of ``width`` non-null int8 fields from a binary COPY stream, as an (n, width) array."""
    header, trailer = 19, 2
    if not data:
        return np.zeros((0, width), dtype=np.int64)
    if data[:11] != b"PGCOPY\n\xff\r\n\x00":
        raise ValueError("not a PostgreSQL binary COPY stream")
    fields: list[tuple[str, str]] = [("n", ">i2")]
    for i in range(width):
        fields += [(f"l{i}", ">i4"), (f"v{i}", ">i8")]
    records = np.frombuffer(
        data, dtype=np.dtype(fields), offset=header, count=(len(data) - header - trailer) // (2 + 12 * width)
    )
    if len(records) and not ((records["n"] == width).all() and (records["l0"] == 8).all()):
        raise ValueError("unexpected binary COPY layout")
    return (
        np.column_stack([records[f"v{i}"].astype(np.int64) for i in range(width)])
        if len(records)
        else np.zeros((0, width), dtype=np.int64)
    )


def _floats(column: npt.NDArray[np.int64]) -> vector.Floats:
    return np.where(column == NULL, np.nan, column.astype(np.float64))


def _wan_from_cents(cents: npt.NDArray[np.int64]) -> vector.Floats:
    """Cents → 万元 as ``float(Decimal(yuan) / 10000)`` gives it: cents/10⁶ correctly rounded, which
    IEEE division of exact doubles is (|cents| < 2⁵³); larger amounts go through Decimal."""
    out = np.where(cents == NULL, np.nan, cents.astype(np.float64) / 1e6)
    huge = np.flatnonzero((cents != NULL) & (np.abs(cents) >= 2**53))
    for i in huge:
        out[i] = float(Decimal(int(cents[i])) / 100 / WAN)
    return out


def _frame_orm(ruleset: RuleSet, code: str, on_date: dt.date, lo: int, hi: int) -> vector.Columns:
    """Any database: the same frame through the ORM (three queries per chunk), converted in Python."""
    names = frame_columns(ruleset, on_date)
    years = vector.frame_years(on_date, ruleset_years(ruleset, on_date))
    annotations: dict[str, Any] = {}
    for year in years:
        annotations[f"has_{year}"] = Count(
            Case(When(annual_reports__year=year, then=1), output_field=IntegerField())
        )
    for name in names:
        if name.startswith("y"):
            digits, field = name[1:].split("_", 1)
            annotations[name] = Max(
                Case(When(annual_reports__year=int(digits), then=f"annual_reports__{field}"))
            )
    rows = list(
        Enterprise.objects.filter(pk__gte=lo, pk__lte=hi)
        .order_by("pk")
        .values("pk", "established")
        .annotate(**annotations)
    )
    frame = vector.Columns(len(rows))
    frame["id"] = np.array([row["pk"] for row in rows], dtype=np.float64)
    position = {row["pk"]: i for i, row in enumerate(rows)}
    frame["established_days"] = np.array(
        [np.nan if row["established"] is None else (on_date - row["established"]).days for row in rows],
        dtype=np.float64,
    )
    for name in names:
        if name.startswith("has_"):
            frame[name] = np.array([row[name] for row in rows], dtype=np.float64)
        elif name.startswith("y"):
            field = name.split("_", 1)[1]
            values = [row[name] for row in rows]
            if field in COUNT_FIELDS:
                frame[name] = np.array(vector.iter_known(values), dtype=np.float64)
            else:
                frame[name] = np.array(
                    [np.nan if x is None else float(Decimal(x) / WAN) for x in values], dtype=np.float64
                )
    for name in ruleset.frame_ip:
        frame[name] = np.zeros(len(rows))
    for ip in _ip_counts(lo, hi, on_date, ruleset.frame_ip):
        i = position.get(ip["enterprise_id"])
        if i is not None:
            for name in ruleset.frame_ip:
                frame[name][i] = ip[name]
    frame["holds"] = np.zeros(len(rows))
    frame["holding_expires"] = np.full(len(rows), np.nan)
    holdings = (
        QualificationHolding.objects.filter(enterprise_id__gte=lo, enterprise_id__lte=hi, kind=code)
        .filter(Q(issued_on__isnull=True) | Q(issued_on__lte=on_date))
        .order_by()
        .values("enterprise_id")
        .annotate(
            holds=Max(
                Case(
                    When(Q(expires_on__isnull=True) | Q(expires_on__gte=on_date), then=1),
                    default=0,
                    output_field=IntegerField(),
                )
            ),
            expires=Max("expires_on"),
        )
    )
    for h in holdings:
        i = position.get(h["enterprise_id"])
        if i is not None:
            frame["holds"][i] = h["holds"]
            if h["expires"] is not None:
                frame["holding_expires"][i] = (h["expires"] - EPOCH).days
    for kind in ruleset.frame_routes:
        frame[f"{kind}_dated_valid"] = np.zeros(len(rows))
        frame[f"{kind}_open_issued"] = np.full(len(rows), np.nan)
        routes = (
            QualificationHolding.objects.filter(
                enterprise_id__gte=lo, enterprise_id__lte=hi, kind=kind, issued_on__lte=on_date
            )
            .order_by()
            .values("enterprise_id")
            .annotate(
                dated=Max(Case(When(expires_on__gt=on_date, then=1), default=0, output_field=IntegerField())),
                open_issued=Max("issued_on", filter=Q(expires_on__isnull=True)),
            )
        )
        for route in routes:
            i = position.get(route["enterprise_id"])
            if i is not None:
                frame[f"{kind}_dated_valid"][i] = route["dated"]
                if route["open_issued"] is not None:
                    frame[f"{kind}_open_issued"][i] = (route["open_issued"] - EPOCH).days
    return frame


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
            _write_orm(results, keep, version_row, on_date, run)
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


def _write_orm(
    results: ChunkResults,
    keep: npt.NDArray[np.bool_] | None,
    version_row: RuleSetVersion,
    on_date: dt.date,
    run: Any,
) -> None:
    """Any database: ``bulk_create`` upserts of the chunk's rows."""
    now = timezone.now()
    rows = []
    for i in range(len(results.ids)) if keep is None else np.flatnonzero(keep):
        rows.append(
            ScreeningResult(
                enterprise_id=int(results.ids[i]),
                rule_version=version_row,
                run=run,
                assessed_on=on_date,
                verdict=results.verdicts[results.verdict[i]],
                score_min=_decimal_cents(results.score_min[i]),
                score_max=_decimal_cents(results.score_max[i]),
                failing=results.failings[results.failing[i]],
                needs_data=bool(results.needs_data[i]),
                prospect=bool(results.prospect[i]),
                rd_gap=_decimal_cents(results.rd_gap[i]),
                tech_staff_gap=None if results.tech_staff_gap[i] == NULL else int(results.tech_staff_gap[i]),
                holds=bool(results.holds[i]),
                holding_expires_on=None
                if results.holding_expires[i] == NULL
                else EPOCH + dt.timedelta(days=int(results.holding_expires[i])),
                updated_at=now,
            )
        )
    ScreeningResult.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["enterprise", "rule_version"],
        update_fields=UPDATE_FIELDS,
    )


def _decimal_cents(cents: Any) -> Decimal | None:
    return None if int(cents) == NULL else Decimal(int(cents)).scaleb(-2)


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
