"""Registry frames: per enterprise one row of numbers — established days, each fiscal year's figures, IP
counts, the holding of the screened qualification — read set-based for a chunk of enterprise ids, as the
columns a rule set's ``derive_columns`` turns into its inputs (see :mod:`vector`).

On PostgreSQL (:func:`copy_frame`) every value crosses as an int8 — money in cents, exact — in binary
``COPY`` that numpy reads in place, with no Python object per value; elsewhere (:func:`orm_frame`) the
ORM reads the same frame. A test asserts that both readers agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Case, Count, IntegerField, Max, Q, When

from wutong.enterprises.choices import CLASS_ONE_KINDS, CLASS_TWO_KINDS, IPAcquisition, IPStatus
from wutong.enterprises.models import AnnualReport, Enterprise, IPAsset, QualificationHolding
from wutong.qualifications import vector
from wutong.qualifications.profiles import WAN
from wutong.qualifications.rules import RuleSet, RuleVersion, version_in_force

#: A missing value in integer frames and result tables (int64 minimum: no figure can be it).
NULL = int(np.iinfo(np.int64).min)
EPOCH = vector.EPOCH
_CLASSED = sorted(CLASS_ONE_KINDS | CLASS_TWO_KINDS)
_ACQUIRED = (IPAcquisition.TRANSFER, IPAcquisition.GIFT, IPAcquisition.MERGER)
#: Figures kept in persons; every other annual-report figure is money (yuan in the table, 万元 here).
COUNT_FIELDS = ("employees", "tech_staff", "rd_staff")


def _ip_conditions() -> dict[str, Q]:
    """The IP counts of ``profiles.ip_inputs`` as conditions on IPAsset rows (status ``invalid`` reads
    as expired; the class comes from the kind, as in :func:`screening.registry_normalized`)."""
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
        return copy_frame(ruleset, code, on_date, lo, hi)
    return orm_frame(ruleset, code, on_date, lo, hi)


def copy_frame(ruleset: RuleSet, code: str, on_date: dt.date, lo: int, hi: int) -> vector.Columns:
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
        if first_year <= years.start:  # read in every year of the frame
            select.append(f"COALESCE({value}, {NULL})")
        else:
            since = int(first_year)
            select.append(f"CASE WHEN year >= {since} THEN COALESCE({value}, {NULL}) ELSE {NULL} END")
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


def orm_frame(ruleset: RuleSet, code: str, on_date: dt.date, lo: int, hi: int) -> vector.Columns:
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
