"""The column forms equal the scalar engine: every 国高 criterion and score item (and the generic ones
科小 shares) on generated inputs — None, zero and negative denominators, band edges hit exactly — and
the rounding helpers bit for bit against Python's own ``round``."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from wutong.qualifications import vector
from wutong.qualifications.criteria import money_up, tiered
from wutong.qualifications.rules import band_points, ceil_persons, get_ruleset, rnd, version_in_force
from wutong.qualifications.vector import Columns

GAOXIN = get_ruleset("gaoxin")
KEXIAO = get_ruleset("kexiao")
T = version_in_force("gaoxin", dt.date(2026, 6, 1)).thresholds
TK = version_in_force("kexiao", dt.date(2026, 6, 1)).thresholds

# Amounts that make ratios land exactly on the thresholds and band edges (0.05, 0.1, 0.35, 0.6 …).
EDGES = [
    0.0,
    0.15,
    0.3,
    1.16,
    29.0,
    1.0,
    3.0,
    4.0,
    5.0,
    6.0,
    10.0,
    12.0,
    20.0,
    35.0,
    60.0,
    100.0,
    135.0,
    5000.0,
    20000.0,
    20000.01,
]
amount = st.one_of(
    st.none(),
    st.sampled_from(EDGES),
    st.integers(-50, 30000).map(float),
    st.floats(min_value=-1e4, max_value=1e7, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=0, max_value=100000, places=2).map(float),
)
count = st.one_of(st.sampled_from([0, 1, 2, 3, 4, 5, 6]), st.integers(0, 40))


IP_NAMES = (
    "ip_valid_count",
    "ip_valid_class1",
    "ip_valid_class2",
    "ip_valid_class2_unused",
    "ip_valid_self",
    "ip_valid_acquired",
    "ip_valid_acquisition_unknown",
    "ip_status_unknown",
)


@st.composite
def gaoxin_inputs(draw: Any) -> dict[str, Any]:
    """Flat 国高 inputs as ``derive`` could produce them (counts are ints when the IP list is known)."""
    has = [draw(st.booleans()) for _ in range(3)]
    inputs: dict[str, Any] = {
        "established_days": draw(st.one_of(st.none(), st.integers(0, 800))),
        "has_first": has[0],
        "has_prev": has[1],
        "has_last": has[2],
        "incidents_in_window": draw(st.one_of(st.none(), st.integers(0, 2))),
        "standards_count": draw(st.one_of(st.none(), st.integers(0, 3))),
        "transformations_total": draw(st.one_of(st.none(), st.integers(0, 30).map(float))),
        "transformation_years": draw(st.one_of(st.none(), st.integers(0, 3))),
        "score_min": float(draw(st.integers(0, 100))),
    }
    inputs["score_max"] = inputs["score_min"] + draw(st.integers(0, 60))
    for name in (
        "last_tech_staff",
        "last_employees",
        "sum_rd_expense",
        "sum_sales_revenue",
        "last_sales_revenue",
        "sum_rd_expense_domestic",
        "last_high_tech_revenue",
        "last_total_income",
        "first_net_assets",
        "prev_net_assets",
        "last_net_assets",
        "first_sales_revenue",
        "prev_sales_revenue",
    ):
        inputs[name] = draw(amount)
    if draw(st.booleans()):
        inputs["ip_known"] = None
    else:
        inputs["ip_known"] = True
        for name in IP_NAMES:
            inputs[name] = draw(count)
    return inputs


def as_columns(rows: list[dict[str, Any]]) -> Columns:
    """Rows of scalar inputs as columns; an input absent from a row (the IP counts when the IP list is
    unknown) is None there, as ``inputs.get`` reads it."""
    names = {name for row in rows for name in row} | set(IP_NAMES)
    cols = Columns(len(rows))
    for name in names:
        cols[name] = np.array(
            [np.nan if row.get(name) is None else float(row[name]) for row in rows], dtype=np.float64
        )
    return cols


def same(column_value: float, scalar: Any) -> bool:
    if scalar is None:
        return bool(np.isnan(column_value))
    return float(scalar) == column_value


@pytest.mark.parametrize(
    ("staff", "employees", "clause"),
    [
        (0.3, 3.0, "0.3 ÷ 3 = 0.09999999999999999: counts as 10%"),
        (9.0, 100.0, "9% fails: one more person"),
        (12.0, 125.0, "12 ÷ 125 = 9.6%: 0.5 person short rounds up to 1"),
        (0.0, 0.0, "no employees: needs review"),
    ],
)
def test_tech_staff_ratio_edges_agree(staff: float, employees: float, clause: str) -> None:
    """第十一条(四): ≥ 10% after rounding to 9 decimals; the gap in whole persons, rounded up."""
    row = {"last_tech_staff": staff, "last_employees": employees}
    criterion = GAOXIN.criterion("tech_staff_ratio")
    codes, gaps = criterion.check_columns(as_columns([row]), T)
    scalar = criterion.evaluate(row, T)
    assert (vector.STATUSES[codes[0]], same(gaps[0], scalar.gap)) == (scalar.status, True), clause


@settings(max_examples=60, deadline=None)
@given(st.lists(gaoxin_inputs(), min_size=1, max_size=40))
def test_every_gaoxin_criterion_has_the_scalar_status_and_gap_on_every_row(
    rows: list[dict[str, Any]],
) -> None:
    cols = as_columns(rows)
    for criterion in GAOXIN.criteria:
        codes, gaps = criterion.check_columns(cols, T)
        for i, row in enumerate(rows):
            result = criterion.evaluate(row, T)
            assert vector.STATUSES[codes[i]] == result.status, (criterion.id, row)
            if not isinstance(result.gap, dict):
                assert same(gaps[i], result.gap), (criterion.id, row, gaps[i], result.gap)


@settings(max_examples=60, deadline=None)
@given(st.lists(gaoxin_inputs(), min_size=1, max_size=40))
def test_every_gaoxin_score_item_has_the_scalar_range_on_every_row(rows: list[dict[str, Any]]) -> None:
    cols = as_columns(rows)
    for item in GAOXIN.items:
        low, high = item.score_columns(cols, T)
        for i, row in enumerate(rows):
            result = item.evaluate(row, T)
            assert (low[i], high[i]) == (result.min, result.max), (item.id, row)


@pytest.mark.parametrize(
    ("a", "b", "c", "has_first", "clause"),
    [
        (100.0, 100.0, 170.0, True, "g = ½(1 + 1.7) − 1 = 0.35 exactly: band A"),
        (100.0, 125.0, 156.25, True, "g = 0.25 exactly: band B"),
        (0.0, 100.0, 135.0, True, "a = 0: 按后两年计算 c/b − 1 = 0.35"),
        (100.0, 0.0, 50.0, True, "b = 0: 0 points"),
        (-5.0, 100.0, 150.0, True, "negative base: 0 points"),
        (None, 100.0, 105.0, False, "two years: c/b − 1 = 0.05 exactly: band D"),
        (None, -1.0, 5.0, False, "two years, negative base"),
        (None, 100.0, 100.0, False, "g = 0: band F"),
        (100.0, 100.0, None, True, "a figure missing: unknown"),
    ],
)
def test_growth_band_edges_agree(a: Any, b: Any, c: Any, has_first: bool, clause: str) -> None:
    """工作指引 十(四) 成长性: the band edges and the special bases, each row naming its case."""
    row = {
        "has_first": has_first,
        "has_prev": True,
        "has_last": True,
        "first_net_assets": a,
        "prev_net_assets": b,
        "last_net_assets": c,
    }
    item = GAOXIN.item("growth_net_assets")
    low, high = item.score_columns(as_columns([row]), T)
    scalar = item.evaluate(row, T)
    assert (low[0], high[0]) == (scalar.min, scalar.max), clause


@pytest.mark.parametrize(
    ("rd", "sales", "last_sales", "clause"),
    [
        (250.0, 5000.0, 5000.0, "第十一条(五) ≤ 5000 万: 5% exactly passes"),
        (249.99, 5000.0, 5000.0, "just under 5%: gap rounded up to the cent"),
        (800.0, 20000.0, 20000.0, "≤ 2 亿: 4% exactly"),
        (600.03, 20000.01, 20000.01, "> 2 亿: 3% tier"),
        (0.15, 3.0, 3.0, "0.15 ÷ 3 = 0.049999999999999996 in binary: rounds to 5%, passes"),
        (1.16, 29.0, 5001.0, "1.16 ÷ 29 is 4% after rounding: passes the ≤ 2 亿 tier"),
        (1.0, 0.0, 0.0, "zero sales: needs review"),
        (1.0, -3.0, 10.0, "negative sales: needs review"),
        (None, 100.0, 100.0, "R&D missing: needs data"),
    ],
)
def test_rd_ratio_edges_agree(rd: Any, sales: Any, last_sales: Any, clause: str) -> None:
    row = {"sum_rd_expense": rd, "sum_sales_revenue": sales, "last_sales_revenue": last_sales}
    criterion = GAOXIN.criterion("rd_expense_ratio")
    codes, gaps = criterion.check_columns(as_columns([row]), T)
    scalar = criterion.evaluate(row, T)
    assert (vector.STATUSES[codes[0]], same(gaps[0], scalar.gap)) == (scalar.status, True), clause


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
            st.integers(-(10**7), 10**7).map(lambda k: k / 10**6 + 5e-7),  # ties at the 6th decimal
            st.integers(-(10**6), 10**6).map(lambda k: k / 100 + 0.005),  # ties at the cent
            st.sampled_from([0.5, 1.5, 2.5, 0.125, 1e15 + 0.5, 2.0**60, -0.0, 5e-10, 0.35, 0.1 + 0.2]),
        ),
        min_size=1,
        max_size=50,
    ),
    st.sampled_from([0, 1, 2, 6, 9]),
)
def test_rounding_on_arrays_is_pythons_round(values: list[float], ndigits: int) -> None:
    rounded = vector.round_columns(np.array(values), ndigits)
    assert [float(x) for x in rounded] == [round(v, ndigits) for v in values]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e8, allow_nan=False), min_size=1, max_size=50))
@example([0.1 * 3, 5e-7, 1e-9, 12.5, 0.005, 1234.565, -0.004])
def test_money_persons_and_cents_on_arrays_equal_the_scalar_helpers(values: list[float]) -> None:
    array = np.array(values)
    assert list(vector.money_up_columns(array)) == [money_up(v) for v in values]
    assert list(vector.ceil_persons_columns(array)) == [float(ceil_persons(v)) for v in values]
    bounded = [v for v in values if abs(v) < 1e9]
    cents = vector.cents_columns(np.array(bounded))
    assert [int(c) for c in cents] == [int(Decimal(str(v)).quantize(Decimal("0.01")) * 100) for v in bounded]


@given(
    st.lists(st.one_of(st.sampled_from([*EDGES, 0.05, 0.35, 0.25, 0.15]), st.floats(-1, 30000)), max_size=30)
)
def test_bands_and_tiers_on_arrays_equal_the_scalar_lookups(values: list[float]) -> None:
    array = np.array(values, dtype=np.float64)
    low, high = vector.band_columns(array, T["growth_bands"])
    assert [[a, b] for a, b in zip(low, high, strict=True)] == [
        band_points(v, T["growth_bands"])[0] for v in values
    ]
    tiers = vector.tier_columns(array, T["rd_ratio_tiers"], "ratio")
    assert list(tiers) == [tiered(v, T["rd_ratio_tiers"])["ratio"] for v in values]
    assert [float(x) for x in vector.rnd_columns(array)] == [rnd(v) for v in values]


class _Stale(type(KEXIAO.criterion("size_limits"))):  # type: ignore[misc]
    """A subclass that changes the scalar rule and forgets the column form."""

    def check(self, inputs: Any, t: Any) -> Any:
        return super().check(inputs, t)


def test_a_subclass_that_changes_the_scalar_rule_does_not_inherit_a_stale_column_form() -> None:
    stale = _Stale("size_limits", "规模上限", "第六条(二)")
    assert not stale.has_columns()
    assert all(c.has_columns() for c in KEXIAO.criteria) and all(i.has_columns() for i in KEXIAO.items)
    assert vector.supports_columns(GAOXIN) and vector.supports_columns(KEXIAO)
    assert not vector.supports_columns(get_ruleset("zhuanjingtexin"))  # screened by the row engine


def test_a_column_form_reading_an_input_its_frame_lacks_fails_loudly() -> None:
    with pytest.raises(KeyError, match="last_employees"):
        GAOXIN.criterion("tech_staff_ratio").check_columns(Columns(1, {"last_tech_staff": [1.0]}), T)
    with pytest.raises(KeyError, match="ip_valid_count"):
        GAOXIN.criterion("core_ip").check_columns(Columns(1, {"ip_known": [1.0]}), T)


def test_the_verdict_is_the_rule_sets_own_function_per_distinct_combination() -> None:
    rows = [
        {"score_min": 75.0, "score_max": 90.0},
        {"score_min": 40.0, "score_max": 75.0},
        {"score_min": 40.0, "score_max": 60.0},
    ]
    base = {
        "established_days": 400,
        "ip_known": True,
        "ip_valid_count": 1,
        "last_tech_staff": 20.0,
        "last_employees": 100.0,
        "sum_rd_expense": 10.0,
        "sum_sales_revenue": 100.0,
        "last_sales_revenue": 100.0,
        "sum_rd_expense_domestic": 10.0,
        "last_high_tech_revenue": 70.0,
        "last_total_income": 100.0,
        "incidents_in_window": 0,
    }
    cols = as_columns([{**base, **row} for row in rows])
    outcome = vector.ColumnOutcome(
        {c.id: c.check_columns(cols, T) for c in GAOXIN.criteria},
        {},
        (cols.col("score_min"), cols.col("score_max")),
        T["innovation_pass_mark"],
        cols,
    )
    answers, index = vector.combine(outcome, lambda criteria, score: GAOXIN.verdict(criteria, score))  # type: ignore[misc]
    assert [answers[i] for i in index] == ["likely", "possible", "unlikely"]
    assert outcome.score is not None and not math.isnan(outcome.score[0][0])


@st.composite
def kexiao_inputs(draw: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        name: draw(amount)
        for name in (
            "last_employees",
            "last_sales_revenue",
            "last_total_assets",
            "last_tech_staff",
            "last_rd_expense",
            "last_cost_expense_total",
        )
    }
    inputs["incidents_in_window"] = draw(st.one_of(st.none(), st.integers(0, 2)))
    for name in ("route_gaoxin", "route_award", "route_institution", "route_standard"):
        inputs[name] = draw(st.sampled_from([None, True, False]))
    if draw(st.booleans()):
        inputs["ip_known"] = None
    else:
        inputs.update(ip_known=True, ip_valid_class1=draw(count), ip_valid_class2=draw(count))
    return inputs


def _kexiao_scored(row: dict[str, Any]) -> dict[str, Any]:
    """The inputs the engine adds before the criteria: the item ranges and the score range."""
    total_min = total_max = 0.0
    out = dict(row)
    for item in KEXIAO.items:
        result = item.evaluate(row, TK)
        out[f"item_{item.id}_min"], out[f"item_{item.id}_max"] = result.min, result.max
        total_min += result.min
        total_max += result.max
    out["score_min"], out["score_max"] = total_min, total_max
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(kexiao_inputs(), min_size=1, max_size=40))
def test_every_kexiao_criterion_and_item_agrees_with_the_scalar_engine(rows: list[dict[str, Any]]) -> None:
    """第六条 conditions, 第七条 items and 第八条 routes on generated inputs."""
    rows = [_kexiao_scored(row) for row in rows]
    cols = as_columns(rows)
    for item in KEXIAO.items:
        low, high = item.score_columns(cols, TK)
        for i, row in enumerate(rows):
            scored = item.evaluate(row, TK)
            assert (low[i], high[i]) == (scored.min, scored.max), (item.id, row)
    for criterion in KEXIAO.criteria:
        codes, gaps = criterion.check_columns(cols, TK)
        for i, row in enumerate(rows):
            result = criterion.evaluate(row, TK)
            assert vector.STATUSES[codes[i]] == result.status, (criterion.id, row)
            if not isinstance(result.gap, dict):
                assert same(gaps[i], result.gap), (criterion.id, row)


@pytest.mark.parametrize(
    ("on_date", "years"),
    [
        (dt.date(2026, 6, 1), 3),
        (dt.date(2027, 2, 28), 3),  # issued 2024-02-29 → add_years gives 2027-02-28
        (dt.date(2027, 3, 1), 3),
        (dt.date(2028, 2, 29), 4),
        (dt.date(2028, 2, 28), 1),
    ],
)
def test_the_last_issue_date_expired_by_a_day_matches_add_years(on_date: dt.date, years: int) -> None:
    """第八条 route 1 for open-ended certificates: issued after this day ⟺ still valid on the date."""
    from wutong.qualifications.profiles import add_years
    from wutong.qualifications.rulesets.kexiao import _last_issue_expired_by

    last = _last_issue_expired_by(on_date, years)
    for offset in range(-400, 400):
        issued = last + dt.timedelta(days=offset)
        assert (on_date < add_years(issued, years)) == (issued > last), issued


@pytest.mark.parametrize("criteria", [3, 40])
def test_combining_gives_each_row_the_answer_of_its_own_statuses_and_score(criteria: int) -> None:
    """Few criteria pack into one int64 key; 40 (80 bits) take the row-wise path. Either way each row
    gets ``decide`` of exactly its statuses and score range."""
    rng = np.random.default_rng(4)
    n = 500
    statuses = {f"c{i}": (rng.integers(0, 4, n).astype(np.int8), np.zeros(n)) for i in range(criteria)}
    low = rng.integers(0, 60, n).astype(np.float64)
    outcome = vector.ColumnOutcome(statuses, {}, (low, low + rng.integers(0, 30, n)), 71, Columns(n))

    def decide(by_id: dict[str, Any], score: Any) -> tuple[Any, ...]:
        return (*(c.status for c in by_id.values()), score.min, score.max)

    answers, index = vector.combine(outcome, decide)
    for row in range(n):
        expected = (*(vector.STATUSES[statuses[f"c{i}"][0][row]] for i in range(criteria)), low[row],
                    outcome.score[1][row])  # type: ignore[index]  # fmt: skip
        assert answers[index[row]] == expected
