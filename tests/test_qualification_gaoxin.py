"""国家高新技术企业 rules: every criterion and band edge, the growth formula, the IP cap and the verdict.

The base profile passes every computable condition; each row changes one thing. Assessed on 2026-06-01,
so the fiscal years are 2023, 2024 and 2025 and "last year" is 2025.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from wutong.qualifications.profiles import normalize_profile
from wutong.qualifications.rules import assess, version_in_force

D = dt.date(2026, 6, 1)


def base() -> dict[str, Any]:
    year = {
        "sales_revenue": 4000,
        "total_income": 4200,
        "high_tech_revenue": 3000,
        "rd_expense": 300,
        "rd_expense_domestic": 300,
        "cost_expense_total": 3500,
        "net_assets": 1000,
        "total_assets": 5000,
        "employees": 100,
        "tech_staff": 20,
    }
    return {
        "name": "深圳市梧桐示范科技有限公司",
        "uscc": "91440300MA5F000001",
        "established": "2018-01-01",
        "years": {
            "2023": dict(year),
            "2024": dict(year, net_assets=1200),
            "2025": dict(year, net_assets=1500),
        },
        "ip": [
            {"kind": "invention_patent", "status": "valid", "acquisition": "self", "used_for_gaoxin": False}
        ],
        "transformations": {"2023": 5, "2024": 5, "2025": 5},
        "standards": ["GB/T 00000-2024"],
        "incidents": [],
        "holdings": [],
    }


def with_years(profile: dict[str, Any], field: str, *values: float | None) -> dict[str, Any]:
    for year, value in zip(("2023", "2024", "2025"), values, strict=True):
        if value is None:
            profile["years"][year].pop(field, None)
        else:
            profile["years"][year][field] = value
    return profile


def run(profile: dict[str, Any], on: dt.date = D, **kwargs: Any) -> dict[str, Any]:
    return assess(normalize_profile(profile), "gaoxin", on, **kwargs).as_json()


def criterion(out: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in out["criteria"] if c["id"] == cid)


def item(out: dict[str, Any], iid: str) -> dict[str, Any]:
    return next(i for i in out["score"]["items"] if i["id"] == iid)


def change(**edits: Any):  # type: ignore[no-untyped-def]
    """A profile edit: top-level keys replaced; ``last__field`` sets a 2025 figure; ``drop`` removes keys."""

    def apply(profile: dict[str, Any]) -> dict[str, Any]:
        for key, value in edits.items():
            if key == "drop":
                for name in value:
                    profile.pop(name, None)
            elif key.startswith("last__"):
                field = key.removeprefix("last__")
                if value is None:
                    profile["years"]["2025"].pop(field, None)
                else:
                    profile["years"]["2025"][field] = value
            elif key.startswith("all__"):
                field = key.removeprefix("all__")
                with_years(profile, field, *value)
            else:
                profile[key] = value
        return profile

    return apply


def test_the_version_in_force_is_the_2016_rules_with_their_source_documents():
    version = version_in_force("gaoxin", D)
    assert version.version == "2016"
    assert any("国科发火〔2016〕32号" in doc for doc in version.source_documents)
    assert any("国科发火〔2016〕195号" in doc for doc in version.source_documents)


def test_the_output_lists_the_criteria_in_the_contract_order():
    out = run(base())
    assert [c["id"] for c in out["criteria"]] == [
        "registered_one_year",
        "core_ip",
        "key_field",
        "tech_staff_ratio",
        "rd_expense_ratio",
        "rd_domestic_share",
        "high_tech_revenue_share",
        "innovation_score",
        "no_major_incident",
    ]
    assert out["qualification"] == "gaoxin"
    assert out["rule_version"] == "2016"
    assert out["assessed_on"] == "2026-06-01"


CRITERIA_ROWS = [
    # 第十一条(一) 注册成立一年以上: ≥ 365 days
    pytest.param(
        change(established="2025-06-01"),
        "registered_one_year",
        "pass",
        365,
        0,
        id="第十一条(一)-365天-edge-pass",
    ),
    pytest.param(
        change(established="2025-06-02"), "registered_one_year", "fail", 364, 1, id="第十一条(一)-364天-fail"
    ),
    pytest.param(
        change(drop=["established"]),
        "registered_one_year",
        "needs_data",
        None,
        None,
        id="第十一条(一)-no-date-needs_data",
    ),
    # 第十一条(二) 知识产权
    pytest.param(change(ip=[]), "core_ip", "fail", 0, 1, id="第十一条(二)-no-ip-fail"),
    pytest.param(
        change(
            ip=[
                {"kind": "invention_patent", "status": "pending"},
                {"kind": "utility_model", "status": "expired"},
            ]
        ),
        "core_ip",
        "fail",
        0,
        1,
        id="第十一条(二)-pending-and-expired-do-not-count",
    ),
    pytest.param(
        change(ip=[{"kind": "software_copyright", "status": "valid", "acquisition": "transfer"}]),
        "core_ip",
        "pass",
        1,
        0,
        id="第十一条(二)-one-valid-class2-pass",
    ),
    pytest.param(
        change(drop=["ip"]), "core_ip", "needs_data", None, None, id="第十一条(二)-ip-absent-needs_data"
    ),
    # 第十一条(三) 领域: always a person's call
    pytest.param(change(), "key_field", "needs_review", None, None, id="第十一条(三)-always-needs_review"),
    # 第十一条(四) 科技人员 ≥ 10%, gap in persons rounded up
    pytest.param(
        change(last__tech_staff=10), "tech_staff_ratio", "pass", 0.1, 0, id="第十一条(四)-10%-edge-pass"
    ),
    pytest.param(
        change(last__tech_staff=9), "tech_staff_ratio", "fail", 0.09, 1, id="第十一条(四)-9%-gap-1人"
    ),
    pytest.param(
        change(last__tech_staff=12, last__employees=125),
        "tech_staff_ratio",
        "fail",
        0.096,
        1,
        id="第十一条(四)-12/125-gap-ceil(0.5)=1人",
    ),
    pytest.param(
        change(last__tech_staff=11, last__employees=125),
        "tech_staff_ratio",
        "fail",
        0.088,
        2,
        id="第十一条(四)-11/125-gap-ceil(1.5)=2人",
    ),
    pytest.param(
        change(last__employees=None),
        "tech_staff_ratio",
        "needs_data",
        None,
        None,
        id="第十一条(四)-no-employees-needs_data",
    ),
    pytest.param(
        change(last__employees=0),
        "tech_staff_ratio",
        "needs_review",
        None,
        None,
        id="第十一条(四)-zero-employees-needs_review",
    ),
    # 第十一条(五) R&D ÷ sales over the three years; tier by last year's sales
    pytest.param(
        change(
            all__sales_revenue=(5000, 5000, 5000),
            all__rd_expense=(250, 250, 250),
            all__rd_expense_domestic=(250, 250, 250),
        ),
        "rd_expense_ratio",
        "pass",
        0.05,
        0,
        id="第十一条(五)-revenue≤5000万-5%-edge",
    ),
    pytest.param(
        change(
            all__sales_revenue=(5000, 5000, 5000),
            all__rd_expense=(249, 249, 249),
            all__rd_expense_domestic=(249, 249, 249),
        ),
        "rd_expense_ratio",
        "fail",
        0.0498,
        3.0,
        id="第十一条(五)-revenue≤5000万-4.98%-gap-3万",
    ),
    pytest.param(
        change(all__sales_revenue=(5000, 5000, 5000.01), all__rd_expense=(250, 250, 150)),
        "rd_expense_ratio",
        "pass",
        0.043333,
        0,
        id="第十一条(五)-revenue>5000万-4%-tier",
    ),
    pytest.param(
        change(all__sales_revenue=(20000, 20000, 20000), all__rd_expense=(790, 790, 790)),
        "rd_expense_ratio",
        "fail",
        0.0395,
        30.0,
        id="第十一条(五)-revenue≤2亿-4%-edge-fail-gap-30万",
    ),
    pytest.param(
        change(all__sales_revenue=(20000, 20000, 20001), all__rd_expense=(600.01, 600.01, 600.01)),
        "rd_expense_ratio",
        "pass",
        0.03,
        0,
        id="第十一条(五)-revenue>2亿-3%-tier",
    ),
    pytest.param(
        change(all__sales_revenue=(20000, 20000, 20001), all__rd_expense=(600, 600, 600)),
        "rd_expense_ratio",
        "fail",
        0.0299995,
        0.03,
        id="第十一条(五)-revenue>2亿-gap-rounds-up-to-a-cent",
    ),
    pytest.param(
        change(all__sales_revenue=(2000, 2000, 2000), all__rd_expense=(72.4, 72.4, 72.4)),
        "rd_expense_ratio",
        "fail",
        0.0362,
        82.8,
        id="第十一条(五)-3.62%-gap-82.8万",
    ),
    pytest.param(
        change(all__rd_expense=(300, None, 300)),
        "rd_expense_ratio",
        "needs_data",
        None,
        None,
        id="第十一条(五)-missing-year-figure-needs_data",
    ),
    pytest.param(
        change(last__sales_revenue=None),
        "rd_expense_ratio",
        "needs_data",
        None,
        None,
        id="第十一条(五)-no-last-sales-needs_data",
    ),
    # 第十一条(五) 境内研发费用 ≥ 60%
    pytest.param(
        change(all__rd_expense_domestic=(180, 180, 180)),
        "rd_domestic_share",
        "pass",
        0.6,
        0,
        id="第十一条(五)-境内60%-edge-pass",
    ),
    pytest.param(
        change(all__rd_expense_domestic=(170, 170, 170)),
        "rd_domestic_share",
        "fail",
        0.566667,
        30.0,
        id="第十一条(五)-境内56.7%-gap-30万",
    ),
    # 第十一条(六) 高新技术产品（服务）收入 ≥ 60% of 总收入 (last year)
    pytest.param(
        change(last__high_tech_revenue=2520),
        "high_tech_revenue_share",
        "pass",
        0.6,
        0,
        id="第十一条(六)-60%-edge-pass",
    ),
    pytest.param(
        change(last__high_tech_revenue=2400),
        "high_tech_revenue_share",
        "fail",
        0.571429,
        120.0,
        id="第十一条(六)-57.1%-gap-120万",
    ),
    pytest.param(
        change(last__total_income=None),
        "high_tech_revenue_share",
        "needs_data",
        None,
        None,
        id="第十一条(六)-no-total-income-needs_data",
    ),
    # 第十一条(八) 申请前一年内 (365 days before D, both ends counted)
    pytest.param(
        change(incidents=[{"date": "2025-06-01", "kind": "safety"}]),
        "no_major_incident",
        "fail",
        1,
        1,
        id="第十一条(八)-incident-365-days-before-fail",
    ),
    pytest.param(
        change(incidents=[{"date": "2025-05-31", "kind": "safety"}]),
        "no_major_incident",
        "pass",
        0,
        0,
        id="第十一条(八)-incident-366-days-before-pass",
    ),
    pytest.param(
        change(incidents=[{"date": "2026-06-01", "kind": "environment"}]),
        "no_major_incident",
        "fail",
        1,
        1,
        id="第十一条(八)-incident-on-D-fail",
    ),
    pytest.param(
        change(drop=["incidents"]),
        "no_major_incident",
        "needs_data",
        None,
        None,
        id="第十一条(八)-no-record-needs_data",
    ),
]


@pytest.mark.parametrize(("edit", "cid", "status", "value", "gap"), CRITERIA_ROWS)
def test_each_condition_of_article_11_gives_its_status_value_and_gap(edit, cid, status, value, gap):
    out = run(edit(base()))
    result = criterion(out, cid)
    assert result["status"] == status, result["message"]
    if value is None:
        assert result["value"] is None or status == "needs_data"
    else:
        assert result["value"] == pytest.approx(value, abs=1e-6)
    assert result["gap"] == (pytest.approx(gap) if gap is not None else None)
    assert result["message"]


def test_the_rd_message_names_the_ratio_the_threshold_and_the_money_to_add():
    out = run(change(all__sales_revenue=(2000, 2000, 2000), all__rd_expense=(72.4, 72.4, 72.4))(base()))
    result = criterion(out, "rd_expense_ratio")
    assert (
        result["message"] == "近三年研发费用占同期销售收入 3.62%，低于 5% 的要求；需再投入研发费用 82.8 万元"
    )
    assert result["threshold"] == 0.05
    assert result["unit"] == "万元"


def test_a_firm_younger_than_three_years_is_measured_over_the_years_it_has():
    profile = base()
    profile["established"] = "2024-03-01"
    del profile["years"]["2023"]
    profile["years"]["2024"].update(sales_revenue=1000, rd_expense=40)
    profile["years"]["2025"].update(sales_revenue=3000, rd_expense=150)
    out = run(profile)
    result = criterion(out, "rd_expense_ratio")
    assert result["value"] == pytest.approx(190 / 4000)
    assert result["status"] == "fail"
    assert result["gap"] == pytest.approx(10.0)


def test_the_threshold_tier_follows_last_years_sales_not_the_average():
    out = run(change(all__sales_revenue=(30000, 30000, 4000), all__rd_expense=(1000, 1000, 1000))(base()))
    result = criterion(out, "rd_expense_ratio")
    assert result["threshold"] == 0.05
    assert result["value"] == pytest.approx(3000 / 64000)
    assert result["status"] == "fail"


# --- Score items -------------------------------------------------------------------------------

INVENTION = {"kind": "invention_patent", "status": "valid", "acquisition": "self"}


def utility(n: int, used: bool = False, acquisition: str = "self") -> list[dict[str, Any]]:
    return [
        {"kind": "utility_model", "status": "valid", "acquisition": acquisition, "used_for_gaoxin": used}
    ] * n


IP_QUANTITY_ROWS = [
    pytest.param([INVENTION], [7, 8], id="十(一)3-A-one-class1-7~8"),
    pytest.param([{**INVENTION, "used_for_gaoxin": True}], [7, 8], id="十(一)3-A-class1-may-be-reused"),
    pytest.param(utility(5), [5, 6], id="十(一)3-B-five-class2-5~6"),
    pytest.param(utility(4), [3, 4], id="十(一)3-C-four-class2-3~4"),
    pytest.param(utility(3), [3, 4], id="十(一)3-C-three-class2-edge-3~4"),
    pytest.param(utility(2), [1, 2], id="十(一)3-D-two-class2-1~2"),
    pytest.param(utility(1), [1, 2], id="十(一)3-D-one-class2-edge-1~2"),
    pytest.param(utility(4) + utility(1, used=True), [3, 4], id="十(一)3-class2-used-before-not-counted"),
    pytest.param(utility(2, used=True), [0, 0], id="十(一)3-E-only-used-class2-0"),
    pytest.param([{**INVENTION, "status": "expired"}], [0, 0], id="十(一)3-E-expired-class1-0"),
    pytest.param([], [0, 0], id="十(一)3-E-none-0"),
    pytest.param(None, [0, 8], id="十(一)3-ip-absent-range-0~8"),
]


@pytest.mark.parametrize(("ip", "expected"), IP_QUANTITY_ROWS)
def test_ip_quantity_counts_class1_or_unused_class2(ip, expected):
    profile = base()
    if ip is None:
        del profile["ip"]
    else:
        profile["ip"] = ip
    got = item(run(profile), "ip_quantity")
    assert [got["min"], got["max"]] == expected


IP_ACQUISITION_ROWS = [
    pytest.param([INVENTION, *utility(1, acquisition="transfer")], [1, 6], id="十(一)4-A-any-self-1~6"),
    pytest.param(
        utility(1, acquisition="transfer") + utility(1, acquisition="merger"),
        [1, 3],
        id="十(一)4-B-only-transfer-merger-1~3",
    ),
    pytest.param(utility(1, acquisition="gift"), [1, 3], id="十(一)4-B-gift-1~3"),
    pytest.param([{**INVENTION, "status": "pending"}], [0, 0], id="十(一)4-no-valid-ip-0"),
]


@pytest.mark.parametrize(("ip", "expected"), IP_ACQUISITION_ROWS)
def test_ip_acquisition_scores_self_development_higher(ip, expected):
    profile = base()
    profile["ip"] = ip
    got = item(run(profile), "ip_acquisition")
    assert [got["min"], got["max"]] == expected


def test_without_valid_ip_the_expert_ip_items_score_zero():
    profile = base()
    profile["ip"] = [{**INVENTION, "status": "expired"}]
    out = run(profile)
    for iid in ("tech_advancement", "core_support"):
        assert [item(out, iid)["min"], item(out, iid)["max"]] == [0, 0]
    profile["ip"] = [INVENTION]
    out = run(profile)
    for iid in ("tech_advancement", "core_support"):
        assert [item(out, iid)["min"], item(out, iid)["max"]] == [0, 8]


@pytest.mark.parametrize(
    ("standards", "expected"),
    [
        pytest.param(["GB/T 1"], [1, 2], id="十(一)5-A-standards-1~2"),
        pytest.param([], [0, 0], id="十(一)5-B-empty-list-0"),
        pytest.param(None, [0, 2], id="十(一)5-key-absent-0~2"),
    ],
)
def test_the_standards_bonus_reads_the_standards_list(standards, expected):
    profile = base()
    if standards is None:
        del profile["standards"]
    else:
        profile["standards"] = standards
    got = item(run(profile), "standards_bonus")
    assert [got["min"], got["max"]] == expected


TRANSFORMATION_ROWS = [
    pytest.param({"2023": 5, "2024": 5, "2025": 5}, [25, 30], id="十(二)-A-avg5-edge-25~30"),
    pytest.param({"2023": 4, "2024": 5, "2025": 5}, [19, 24], id="十(二)-B-avg4.67-19~24"),
    pytest.param({"2023": 4, "2024": 4, "2025": 4}, [19, 24], id="十(二)-B-avg4-edge-19~24"),
    pytest.param({"2023": 3, "2024": 3, "2025": 3}, [13, 18], id="十(二)-C-avg3-edge-13~18"),
    pytest.param({"2023": 2, "2024": 2, "2025": 2}, [7, 12], id="十(二)-D-avg2-edge-7~12"),
    pytest.param({"2023": 1, "2024": 1, "2025": 1}, [1, 6], id="十(二)-E-avg1-edge-1~6"),
    pytest.param({"2023": 0, "2024": 1, "2025": 1}, [0, 0], id="十(二)-F-avg0.67-0"),
    pytest.param({"2025": 3}, [1, 6], id="十(二)-missing-years-count-as-zero-avg1"),
    pytest.param({}, [0, 0], id="十(二)-F-none-0"),
    pytest.param(None, [0, 30], id="十(二)-key-absent-0~30"),
]


@pytest.mark.parametrize(("transformations", "expected"), TRANSFORMATION_ROWS)
def test_transformation_bands_use_the_yearly_average(transformations, expected):
    profile = base()
    if transformations is None:
        del profile["transformations"]
    else:
        profile["transformations"] = transformations
    got = item(run(profile), "transformation")
    assert [got["min"], got["max"]] == expected


def test_a_young_firm_divides_conversions_by_its_years_and_is_flagged():
    profile = base()
    profile["established"] = "2024-01-01"
    del profile["years"]["2023"]
    profile["transformations"] = {"2024": 5, "2025": 5}
    got = item(run(profile), "transformation")
    assert [got["min"], got["max"]] == [25, 30]
    assert {f["code"] for f in got["flags"]} >= {"fewer_years", "young_firm_divisor"}


def test_rd_management_is_an_expert_range_of_0_to_20():
    got = item(run(base()), "rd_management")
    assert [got["min"], got["max"], got["expert"]] == [0, 20, True]


GROWTH_ROWS = [
    # three years: g = ½(b/a + c/b) − 1
    pytest.param((100, 120, 150), [5, 6], 0.225, id="十(四)-three-years-½(1.2+1.25)−1=22.5%-C"),
    pytest.param((100, 100, 170), [9, 10], 0.35, id="十(四)-A-35%-edge"),
    pytest.param((100, 100, 169.9), [7, 8], 0.3495, id="十(四)-B-just-below-35%"),
    pytest.param((100, 100, 150), [7, 8], 0.25, id="十(四)-B-25%-edge"),
    pytest.param((100, 100, 130), [5, 6], 0.15, id="十(四)-C-15%-edge"),
    pytest.param((100, 100, 110), [3, 4], 0.05, id="十(四)-D-5%-edge"),
    pytest.param((100, 100, 100.02), [1, 2], 0.0001, id="十(四)-E-just-above-0"),
    pytest.param((100, 100, 100), [0, 0], 0.0, id="十(四)-F-zero-growth"),
    pytest.param((100, 100, 80), [0, 0], -0.1, id="十(四)-F-negative-growth"),
    # special cases
    pytest.param((0, 100, 135), [9, 10], 0.35, id="十(四)-first-year-0-uses-last-two-c/b−1"),
    pytest.param((100, 0, 135), [0, 0], None, id="十(四)-second-year-0-scores-0"),
    pytest.param((-50, 100, 135), [0, 0], None, id="十(四)-negative-first-base-0-and-review"),
    pytest.param((100, -20, 135), [0, 0], None, id="十(四)-negative-second-base-0-and-review"),
    pytest.param((100, None, 135), [0, 10], None, id="十(四)-missing-figure-range-0~10"),
]


@pytest.mark.parametrize(("values", "expected", "g"), GROWTH_ROWS)
def test_growth_of_net_assets_follows_the_guideline_formula(values, expected, g):
    profile = with_years(base(), "net_assets", *values)
    got = item(run(profile), "growth_net_assets")
    assert [got["min"], got["max"]] == expected
    if g is None:
        assert got["value"] is None
    else:
        assert got["value"] == pytest.approx(g, abs=1e-6)


def test_a_negative_base_is_flagged_for_review():
    got = item(run(with_years(base(), "net_assets", -50, 100, 135)), "growth_net_assets")
    assert "negative_base" in {f["code"] for f in got["flags"]}


def test_sales_growth_uses_the_same_formula_on_sales_revenue():
    profile = with_years(base(), "sales_revenue", 4000, 5000, 6000)
    got = item(run(profile), "growth_sales")
    assert got["value"] == pytest.approx(0.5 * (5000 / 4000 + 6000 / 5000) - 1)  # 22.5 %
    assert [got["min"], got["max"]] == [5, 6]


@pytest.mark.parametrize(
    ("years", "expected", "g"),
    [
        pytest.param({"2024": 100, "2025": 135}, [9, 10], 0.35, id="十(四)-two-years-c/b−1-35%"),
        pytest.param({"2024": 100, "2025": 104}, [1, 2], 0.04, id="十(四)-two-years-4%-E"),
        pytest.param({"2025": 135}, [0, 0], None, id="十(四)-one-year-scores-0"),
    ],
)
def test_a_firm_with_fewer_than_three_years_uses_the_single_period(years, expected, g):
    profile = base()
    profile["established"] = "2023-06-01"
    profile["years"] = {y: dict(base()["years"]["2025"], net_assets=v) for y, v in years.items()}
    got = item(run(profile), "growth_net_assets")
    assert [got["min"], got["max"]] == expected
    if g is not None:
        assert got["value"] == pytest.approx(g)
        assert "two_year_formula" in {f["code"] for f in got["flags"]}


def test_the_growth_items_carry_the_unverified_band_table_flag():
    out = run(base())
    for iid in ("growth_net_assets", "growth_sales"):
        flags = {f["code"]: f for f in item(out, iid)["flags"]}
        assert flags["growth_band_table"]["confidence"] == "C"


def test_the_ip_items_together_are_capped_at_30():
    profile = base()
    profile["ip"] = [INVENTION, INVENTION]
    out = run(profile)
    ip_items = [
        item(out, i)
        for i in ("tech_advancement", "core_support", "ip_quantity", "ip_acquisition", "standards_bonus")
    ]
    assert sum(i["max"] for i in ip_items) == 32
    group = out["score"]["groups"][0]
    assert (group["id"], group["min"], group["max"], group["uncapped_max"]) == ("ip", 9, 30, 32)
    # 30 (IP, capped) + 30 (conversion) + 20 (management) + 6 (net assets 22.5 %) + 0 (sales flat)
    assert out["score"]["max"] == 86
    assert out["score"]["min"] == 9 + 25 + 0 + 5 + 0
    assert out["score"]["pass_mark"] == 71


# --- Innovation score and verdict --------------------------------------------------------------

FULL_MARKS = {"tech_advancement": (8, 8), "core_support": (8, 8), "rd_management": (20, 20)}


def unlikely_profile() -> dict[str, Any]:
    profile = base()
    profile["ip"] = utility(1)
    profile["transformations"] = {}
    profile["standards"] = []
    return profile  # max: IP 8+8+2+6+0 = 24, conversion 0, management 20, growth 6+0 → 50


VERDICT_ROWS = [
    pytest.param(base, {}, "possible", "needs_review", id="verdict-possible-71-inside-[39,86]"),
    pytest.param(base, FULL_MARKS, "likely", "pass", id="verdict-likely-min≥71-with-expert-estimates"),
    pytest.param(unlikely_profile, {}, "unlikely", "fail", id="verdict-unlikely-max<71-not-ineligible"),
    pytest.param(
        lambda: change(last__tech_staff=5)(base()),
        {},
        "ineligible",
        "needs_review",
        id="verdict-ineligible-第十一条(四)-fails",
    ),
    pytest.param(
        lambda: change(drop=["incidents"], last__tech_staff=5)(base()),
        {},
        "ineligible",
        "needs_review",
        id="verdict-fail-beats-needs_data",
    ),
    pytest.param(
        lambda: change(drop=["incidents"])(base()),
        FULL_MARKS,
        "insufficient_data",
        "pass",
        id="verdict-insufficient_data-第十一条(八)-no-record",
    ),
    pytest.param(
        lambda: change(ip=[])(base()), {}, "ineligible", "fail", id="verdict-ineligible-no-ip-max-58"
    ),
]


@pytest.mark.parametrize(("make", "estimates", "verdict", "innovation"), VERDICT_ROWS)
def test_the_verdict_combines_the_conditions_and_the_score_range(make, estimates, verdict, innovation):
    out = run(make(), estimates=estimates)
    assert criterion(out, "innovation_score")["status"] == innovation
    assert out["verdict"] == verdict


def test_the_innovation_score_reports_the_points_the_minimum_lacks():
    out = run(base())
    result = criterion(out, "innovation_score")
    assert result["value"] == [39, 86]
    assert result["threshold"] == 71
    assert result["gap"] == 32


def test_an_expert_estimate_outside_the_computed_range_is_ignored_and_flagged():
    profile = base()
    profile["ip"] = []
    out = run(profile, estimates={"tech_advancement": (5, 6)})
    got = item(out, "tech_advancement")
    assert [got["min"], got["max"]] == [0, 0]
    assert "expert_estimate_ignored" in {f["code"] for f in got["flags"]}


def test_a_missing_fiscal_year_of_an_old_firm_is_flagged_not_invented():
    profile = base()
    del profile["years"]["2024"]
    out = run(profile)
    assert "missing_years" in {f["code"] for f in out["flags"]}
    assert criterion(out, "rd_expense_ratio")["value"] == pytest.approx(600 / 8000)
    assert [item(out, "growth_net_assets")["min"], item(out, "growth_net_assets")["max"]] == [0, 10]


def test_assessment_never_crashes_on_an_empty_profile():
    out = run({})
    statuses = {c["id"]: c["status"] for c in out["criteria"]}
    assert statuses["registered_one_year"] == "needs_data"
    assert statuses["tech_staff_ratio"] == "needs_data"
    assert out["verdict"] == "insufficient_data"
    assert copy.deepcopy(out) == out
