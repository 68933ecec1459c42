"""Column forms of the engine: the same criteria and score items evaluated on arrays, one element per
enterprise, for whole-registry screening.

Every :class:`~wutong.qualifications.rules.Criterion` and :class:`~wutong.qualifications.rules.ScoreItem`
used by a screened rule set has, next to its scalar method, a column method on the *same object*::

    status, gap = criterion.check_columns(cols, thresholds)    # int8 status codes, float gaps (NaN: none)
    low, high = item.score_columns(cols, thresholds)            # float point ranges

``cols`` maps the input names of :func:`RuleSet.derive` to float arrays, NaN standing for None. The
arithmetic is the scalar engine's, bit for bit: numpy's IEEE operations are Python's, and the one place
they differ — decimal rounding (``round(x, 9)`` in :func:`rules.rnd`, ``money_up``, ``ceil_persons``) —
goes through :func:`round_columns`, which recomputes the rare elements near a rounding tie with Python's
own ``round``. The tests compare both forms on generated inputs, band edges and ties included.

What only depends on the criteria's statuses and the score range (the verdict, "prospect", "needs
data") is not re-implemented at all: :func:`combine` calls the rule set's scalar functions once per
distinct combination in the chunk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from wutong.qualifications.choices import CriterionStatus

if TYPE_CHECKING:
    from wutong.qualifications.rules import RuleSet, RuleVersion

Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int8]

#: Status codes in the arrays (index into STATUSES).
STATUSES: tuple[str, ...] = (
    CriterionStatus.PASS,
    CriterionStatus.FAIL,
    CriterionStatus.NEEDS_DATA,
    CriterionStatus.NEEDS_REVIEW,
)
PASS, FAIL, NEEDS_DATA, NEEDS_REVIEW = 0, 1, 2, 3
EPOCH = dt.date(2000, 1, 1)  # dates in frames are days since PostgreSQL's day zero
STATUS_CODE = {status: code for code, status in enumerate(STATUSES)}


class Columns(dict[str, Any]):
    """Input columns of ``n`` enterprises: name → float array (NaN = None). Reading a name nobody
    computed is an error, not "no data": a column form must never read an input its frame lacks."""

    def __init__(self, n: int, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(data or {})
        self.n = n

    def col(self, name: str) -> Floats:
        if name not in self:
            raise KeyError(f"input column {name!r} was not derived for this rule set")
        return np.asarray(self[name], dtype=np.float64)

    def known(self, name: str) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.col(name))

    def nan(self) -> Floats:
        return np.full(self.n, np.nan)


# --- Python's rounding on arrays ------------------------------------------------------------------


def round_columns(values: Floats, ndigits: int) -> Floats:
    """``round(v, ndigits)`` for every element, equal to Python's (NaN stays NaN).

    numpy's ``rint(v·10ⁿ)/10ⁿ`` gives Python's correctly rounded result whenever the exact v·10ⁿ is not
    within the product's rounding error of a half (then ``rint`` finds the same integer k, and k/10ⁿ
    is the double nearest the decimal result, as Python returns) and k is an exact integer. The few
    elements outside that — near a tie, or too large — are recomputed with Python's ``round``.
    """
    values = np.asarray(values, dtype=np.float64)
    scale = 10.0**ndigits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        result = np.rint(scaled) / scale
        distance = np.abs(scaled - np.floor(scaled) - 0.5)
        doubtful = (distance <= np.abs(scaled) * 2.0**-50 + 1e-300) | ~(np.abs(scaled) < 2.0**50)
    doubtful &= ~np.isnan(values)
    if doubtful.any():
        where = np.flatnonzero(doubtful)
        result[where] = [round(float(v), ndigits) for v in values[where]]
    return result


def rnd_columns(values: Floats) -> Floats:
    """:func:`rules.rnd` on arrays."""
    from wutong.qualifications.rules import PRECISION

    return round_columns(values, PRECISION)


def money_up_columns(amount: Floats) -> Floats:
    """:func:`criteria.money_up` on arrays: ``max(0.0, ceil(round(amount·100, 6)) / 100)``."""
    cents = np.ceil(round_columns(np.asarray(amount, dtype=np.float64) * 100, 6))
    with np.errstate(invalid="ignore"):
        up = cents / 100
        return np.where(up > 0, up, np.where(np.isnan(up), np.nan, 0.0))


def ceil_persons_columns(value: Floats) -> Floats:
    """:func:`rules.ceil_persons` on arrays (whole persons, as floats)."""
    up = np.ceil(rnd_columns(value))
    with np.errstate(invalid="ignore"):
        return np.where(up > 0, up, np.where(np.isnan(up), np.nan, 0.0))


def n_columns(values: Floats) -> Floats:
    """``criteria._n`` on arrays: whole numbers as they are, others rounded to two decimals."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(values == np.floor(values), values, round_columns(values, 2))


def band_columns(value: Floats, bands: Sequence[Mapping[str, Any]]) -> tuple[Floats, Floats]:
    """:func:`rules.band_points` on arrays: the (low, high) points of the first band each value reaches;
    NaN (no value) reaches none and scores (0, 0) — callers decide what a missing value means."""
    value = rnd_columns(value)
    low, high = np.zeros(len(value)), np.zeros(len(value))
    open_ = np.ones(len(value), dtype=bool)
    with np.errstate(invalid="ignore"):
        for band in bands:
            reached = np.zeros(len(value), dtype=bool)
            if "min" in band:
                reached = value >= band["min"]
            elif "above" in band:
                reached = value > band["above"]
            elif "max" in band:
                reached = value <= band["max"]
            elif "below" in band:
                reached = value < band["below"]
            take = reached & open_
            low[take], high[take] = band["points"][0], band["points"][1]
            open_ &= ~take
    return low, high


def tier_columns(value: Floats, tiers: Sequence[Mapping[str, Any]], key: str) -> Floats:
    """``criteria.tiered(v, tiers)[key]`` on arrays (NaN where the value is missing)."""
    value = rnd_columns(value)
    out = np.full(len(value), np.nan)
    open_ = ~np.isnan(value)
    for tier in tiers:
        reached = open_.copy() if tier.get("up_to") is None else open_ & (value <= tier["up_to"])
        out[reached] = float(tier[key])
        open_ &= ~reached
    return out


def statuses(n: int, code: int) -> Codes:
    return np.full(n, code, dtype=np.int8)


# --- Whole rule sets -------------------------------------------------------------------------------


def supports_columns(ruleset: RuleSet) -> bool:
    """Whether every part of the rule set has a column form (else a screening uses the row engine)."""
    parts: list[Any] = [*ruleset.criteria, *ruleset.items]
    return ruleset.derive_columns is not None and all(part.has_columns() for part in parts)


@dataclass
class ColumnOutcome:
    """The column form of :class:`rules.Outcome` for a chunk: per criterion its status codes and gaps,
    per item its range, the score range (None when the rule set does not score) and the columns read."""

    criteria: dict[str, tuple[Codes, Floats]]
    items: dict[str, tuple[Floats, Floats]]
    score: tuple[Floats, Floats] | None
    pass_mark: float | None
    inputs: Columns

    @property
    def n(self) -> int:
        return self.inputs.n


def evaluate_columns(ruleset: RuleSet, version: RuleVersion, cols: Columns) -> ColumnOutcome:
    """:func:`rules.assess` without estimates, on columns: items, the capped score, then the criteria
    (which may read ``score_min``/``score_max``/``item_<id>_min|max``), in the engine's order."""
    t = version.thresholds
    items: dict[str, tuple[Floats, Floats]] = {}
    score = None
    if ruleset.items:
        for item in ruleset.items:
            items[item.id] = item.score_columns(cols, t)
        low, high = _total(ruleset, t, items, cols.n)
        score = (low, high)
        cols["score_min"], cols["score_max"] = low, high
        for item_id, (item_low, item_high) in items.items():
            cols[f"item_{item_id}_min"], cols[f"item_{item_id}_max"] = item_low, item_high
    skip = set(t.get("skip", ()))
    criteria = {c.id: c.check_columns(cols, t) for c in ruleset.criteria if c.id not in skip}
    pass_mark = t.get(ruleset.pass_mark_key) if ruleset.pass_mark_key else None
    return ColumnOutcome(criteria, items, score, pass_mark, cols)


def _total(
    ruleset: RuleSet, t: Mapping[str, Any], items: Mapping[str, tuple[Floats, Floats]], n: int
) -> tuple[Floats, Floats]:
    """``rules._score``'s sums in its order: each capped group, then the ungrouped items."""
    total_low, total_high = np.zeros(n), np.zeros(n)
    grouped = {g.id for g in ruleset.groups}
    for group in ruleset.groups:
        raw_low, raw_high = np.zeros(n), np.zeros(n)
        for spec in ruleset.items:
            if spec.group == group.id:
                raw_low = raw_low + items[spec.id][0]
                raw_high = raw_high + items[spec.id][1]
        cap = t[group.cap_key]
        total_low = total_low + np.minimum(cap, raw_low)
        total_high = total_high + np.minimum(cap, raw_high)
    for spec in ruleset.items:
        if spec.group not in grouped:
            total_low = total_low + items[spec.id][0]
            total_high = total_high + items[spec.id][1]
    return total_low, total_high


def combine(
    outcome: ColumnOutcome, decide: Callable[[dict[str, Any], Any], Any]
) -> tuple[list[Any], npt.NDArray[np.intp]]:
    """Evaluate ``decide(criteria_by_id, score)`` — a scalar function of the criteria's statuses and the
    score range, e.g. the rule set's verdict — once per distinct combination in the chunk. Returns the
    distinct answers and, per row, the index of its answer."""
    from wutong.qualifications.rules import CriterionResult, ScoreSummary

    ids = list(outcome.criteria)
    parts = [outcome.criteria[cid][0].astype(np.int64) for cid in ids]
    widths = [2] * len(ids)
    bounds: list[Floats] = []
    if outcome.score is not None:
        for column in outcome.score:
            distinct, code = np.unique(column, return_inverse=True)
            bounds.append(distinct)
            parts.append(code.reshape(-1).astype(np.int64))
            widths.append(max(1, len(distinct).bit_length()))
    if not parts:
        parts, widths = [np.zeros(outcome.n, dtype=np.int64)], [1]
    if sum(widths) <= 62:  # one int64 key per row: a 1-D unique is fast
        key = np.zeros(outcome.n, dtype=np.int64)
        shift = 0
        for part, width in zip(parts, widths, strict=True):
            key |= part << shift
            shift += width
        packed, inverse = np.unique(key, return_inverse=True)
        shifts = np.cumsum([0, *widths[:-1]])
        keys = [
            [k >> int(s) & ((1 << w) - 1) for s, w in zip(shifts, widths, strict=True)]
            for k in packed.tolist()
        ]
    else:
        rows, inverse = np.unique(np.column_stack(parts), axis=0, return_inverse=True)
        keys = rows.tolist()
    answers = []
    for key_parts in keys:
        criteria = {cid: CriterionResult(cid, STATUSES[int(key_parts[i])]) for i, cid in enumerate(ids)}
        score = None
        if outcome.score is not None:
            low, high = (float(bounds[j][int(key_parts[len(ids) + j])]) for j in range(2))
            score = ScoreSummary(low, high, outcome.pass_mark, [], [])
        answers.append(decide(criteria, score))
    return answers, inverse.reshape(-1)


def failing_masks(outcome: ColumnOutcome) -> tuple[list[str], npt.NDArray[np.intp]]:
    """The stored ``failing`` text (failing criterion ids, sorted, comma-joined) per row, as distinct
    texts plus each row's index into them."""
    ids = list(outcome.criteria)
    if len(ids) > 63:
        raise ValueError("more criteria than bits in a failing mask")
    mask = np.zeros(outcome.n, dtype=np.int64)
    for bit, cid in enumerate(ids):
        mask |= (outcome.criteria[cid][0] == FAIL).astype(np.int64) << bit
    distinct, inverse = np.unique(mask, return_inverse=True)
    texts = [
        ",".join(sorted(cid for bit, cid in enumerate(ids) if int(m) >> bit & 1))[:300] for m in distinct
    ]
    return texts, inverse.reshape(-1)


def cents_columns(values: Floats) -> npt.NDArray[np.int64]:
    """``Decimal(str(v)).quantize(Decimal("0.01"))`` in cents for every element (what the row path
    stores in a 2-decimal column); NaN becomes the int64 minimum. Elements not within a hair of a whole
    cent, or too large for exact doubles, go through Python's Decimal."""
    from decimal import Decimal

    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    with np.errstate(invalid="ignore"):
        scaled = values * 100
        cents = np.rint(scaled)
        exact = (np.abs(scaled - cents) < 1e-6) & (np.abs(values) < 2.0**36)
    out = np.where(missing | ~exact, 0, cents).astype(np.int64)
    slow = np.flatnonzero(~missing & ~exact)
    for i in slow:
        out[i] = int(Decimal(str(float(values[i]))).quantize(Decimal("0.01")) * 100)
    out[missing] = np.iinfo(np.int64).min
    return out


def iter_known(values: Iterable[Any]) -> list[float]:
    """Floats with None as NaN (building columns from Python rows)."""
    return [np.nan if v is None else float(v) for v in values]


# --- Registry frames ------------------------------------------------------------------------------


def frame_years(on_date: Any, fiscal_years: int) -> range:
    """The fiscal years a frame carries: the rule set's window and at least Y−3 … Y−1 (``has_first``…)."""
    return range(on_date.year - max(3, fiscal_years), on_date.year)


def base_columns(
    frame: Columns, on_date: Any, fiscal_years: int, fields: Mapping[str, int], ip: Sequence[str]
) -> Columns:
    """:func:`profiles.base_inputs` on a registry frame (raw columns ``established_days``,
    ``has_<year>``, ``y<year>_<field>`` in 万元 or persons, and IP counts), for the figures the rule set
    reads: ``fields`` maps a figure to how many of the latest years it needs (``last_`` = 1, ``prev_``
    = 2, ``first_`` = 3; ``sum_`` when the window is covered). Sums add the window's years in the
    scalar ``sum``'s order, so they are equal bit for bit."""
    y = on_date.year
    cols = Columns(frame.n)
    cols["established_days"] = frame["established_days"]
    has = {year: frame[f"has_{year}"] > 0 for year in frame_years(on_date, fiscal_years)}
    window = range(y - fiscal_years, y)
    cols["years_count"] = np.sum([has[year] for year in window], axis=0, dtype=np.float64)
    for back, (prefix, year) in enumerate((("last", y - 1), ("prev", y - 2), ("first", y - 3)), start=1):
        cols[f"has_{prefix}"] = has[year].astype(np.float64)
        for name, years in fields.items():
            if years >= back:
                cols[f"{prefix}_{name}"] = np.where(has[year], frame[f"y{year}_{name}"], np.nan)
    for name, years in fields.items():
        if years < fiscal_years:
            continue
        total = np.zeros(frame.n)
        for year in window:
            total = total + np.where(has[year], frame[f"y{year}_{name}"], 0.0)
        cols[f"sum_{name}"] = np.where(cols["years_count"] > 0, total, np.nan)
    cols["ip_known"] = np.ones(frame.n)  # the registry's IP list is the record: empty means none
    for name in ip:
        cols[name] = frame[name]
    return cols
