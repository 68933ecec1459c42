"""科技型中小企业 rules (国科发政〔2017〕115号): 第六条 limits, 第七条 bands, 第八条 direct route, verdict.

Assessed on 2026-06-01; "last year" is 2025.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from wutong.qualifications.profiles import normalize_profile
from wutong.qualifications.rules import assess

D = dt.date(2026, 6, 1)


def base() -> dict[str, Any]:
    """Scores 20 (30 % tech staff) + 50 (R&D 6 % of sales) + 30 (one invention) = 100."""
    return {
        "name": "深圳市小苗科技有限公司",
        "established": "2021-01-01",
        "years": {
            "2025": {
                "sales_revenue": 1000,
                "total_income": 1000,
                "rd_expense": 60,
                "cost_expense_total": 900,
                "total_assets": 2000,
                "employees": 50,
                "tech_staff": 15,
            }
        },
        "ip": [{"kind": "invention_patent", "status": "valid", "acquisition": "self"}],
        "incidents": [],
        "holdings": [],
    }


def last(**figures: Any) -> dict[str, Any]:
    profile = base()
    for key, value in figures.items():
        if value is None:
            profile["years"]["2025"].pop(key, None)
        else:
            profile["years"]["2025"][key] = value
    return profile


def run(profile: dict[str, Any], on: dt.date = D) -> dict[str, Any]:
    return assess(normalize_profile(profile), "kexiao", on).as_json()


def criterion(out: dict[str, Any], cid: str) -> dict[str, Any]:
    return next(c for c in out["criteria"] if c["id"] == cid)


def item(out: dict[str, Any], iid: str) -> dict[str, Any]:
    return next(i for i in out["score"]["items"] if i["id"] == iid)


def test_the_output_has_the_kexiao_criteria_and_items():
    out = run(base())
    assert [c["id"] for c in out["criteria"]] == ["size_limits", "no_incident", "score", "direct_route"]
    assert [i["id"] for i in out["score"]["items"]] == ["tech_staff", "rd_input", "ip"]
    assert out["rule_version"] == "2017"
    assert (out["score"]["min"], out["score"]["max"], out["score"]["pass_mark"]) == (100, 100, 60)
    assert out["verdict"] == "eligible"


SIZE_ROWS = [
    pytest.param({"employees": 500}, "pass", id="第六条(二)-500人-edge-pass"),
    pytest.param({"employees": 501}, "fail", id="第六条(二)-501人-fail"),
    pytest.param({"sales_revenue": 20000, "rd_expense": 1200}, "pass", id="第六条(二)-销售收入2亿-edge-pass"),
    pytest.param({"sales_revenue": 20000.01}, "fail", id="第六条(二)-销售收入超2亿-fail"),
    pytest.param({"total_assets": 20000}, "pass", id="第六条(二)-资产总额2亿-edge-pass"),
    pytest.param({"total_assets": 20500}, "fail", id="第六条(二)-资产总额超2亿-fail"),
    pytest.param({"total_assets": None}, "needs_data", id="第六条(二)-no-assets-needs_data"),
    pytest.param(
        {"total_assets": None, "employees": 600}, "fail", id="第六条(二)-known-excess-beats-missing"
    ),
]


@pytest.mark.parametrize(("figures", "status"), SIZE_ROWS)
def test_size_limits_are_500_staff_and_200_million_of_sales_and_assets(figures, status):
    result = criterion(run(last(**figures)), "size_limits")
    assert result["status"] == status, result["message"]
    assert result["threshold"] == {"employees": 500, "sales_revenue": 20000, "total_assets": 20000}


def test_a_size_excess_reports_the_excess_in_units():
    result = criterion(run(last(employees=520, total_assets=20500)), "size_limits")
    assert result["gap"] == {"employees": 20, "sales_revenue": 0, "total_assets": 500}
    assert result["unit"]["total_assets"] == "万元"
    assert "职工总数 520人，超过 500人" in result["message"]


INCIDENT_ROWS = [
    pytest.param([{"date": "2025-01-01", "kind": "quality"}], "fail", id="第六条(四)-上一年1月1日-fail"),
    pytest.param([{"date": "2026-05-30", "kind": "credit"}], "fail", id="第六条(四)-当年-fail"),
    pytest.param([{"date": "2024-12-31", "kind": "safety"}], "pass", id="第六条(四)-前年-outside-pass"),
    pytest.param([], "pass", id="第六条(四)-none-pass"),
    pytest.param(None, "needs_data", id="第六条(四)-no-record-needs_data"),
]


@pytest.mark.parametrize(("incidents", "status"), INCIDENT_ROWS)
def test_incidents_count_in_last_year_and_the_current_year(incidents, status):
    profile = base()
    if incidents is None:
        del profile["incidents"]
    else:
        profile["incidents"] = incidents
    assert criterion(run(profile), "no_incident")["status"] == status


TECH_ROWS = [
    pytest.param(15, 50, 20, id="第七条(一)-A-30%-edge-20"),
    pytest.param(14.99, 50, 16, id="第七条(一)-B-29.98%-16"),
    pytest.param(25, 100, 16, id="第七条(一)-B-25%-edge-16"),
    pytest.param(20, 100, 12, id="第七条(一)-C-20%-edge-12"),
    pytest.param(15, 100, 8, id="第七条(一)-D-15%-edge-8"),
    pytest.param(10, 100, 4, id="第七条(一)-E-10%-edge-4"),
    pytest.param(9, 100, 0, id="第七条(一)-F-9%-0"),
]


@pytest.mark.parametrize(("tech", "employees", "points"), TECH_ROWS)
def test_tech_staff_item_bands(tech, employees, points):
    got = item(run(last(tech_staff=tech, employees=employees)), "tech_staff")
    assert (got["min"], got["max"]) == (points, points)


RD_ROWS = [
    # (1) 研发费用 ÷ 销售收入; the cost measure is kept low (rd 60 ÷ cost 1000 = 6 % → 0) so (1) decides
    pytest.param(60, 1000, 1000, 50, id="第七条(二)(1)-A-6%-edge-50"),
    pytest.param(50, 1000, 1000, 40, id="第七条(二)(1)-B-5%-edge-40"),
    pytest.param(40, 1000, 1000, 30, id="第七条(二)(1)-C-4%-edge-30"),
    pytest.param(30, 1000, 1000, 20, id="第七条(二)(1)-D-3%-edge-20"),
    pytest.param(20, 1000, 1000, 10, id="第七条(二)(1)-E-2%-edge-10"),
    pytest.param(19, 1000, 1000, 0, id="第七条(二)(1)-F-1.9%-0"),
    # (2) 研发费用 ÷ 成本费用总额; sales made large so (1) scores nothing
    pytest.param(30, 10000, 100, 50, id="第七条(二)(2)-A-30%-edge-50"),
    pytest.param(25, 10000, 100, 40, id="第七条(二)(2)-B-25%-edge-40"),
    pytest.param(20, 10000, 100, 30, id="第七条(二)(2)-C-20%-edge-30"),
    pytest.param(15, 10000, 100, 20, id="第七条(二)(2)-D-15%-edge-20"),
    pytest.param(10, 10000, 100, 10, id="第七条(二)(2)-E-10%-edge-10"),
    pytest.param(9, 10000, 100, 0, id="第七条(二)(2)-F-9%-0"),
    # the better of the two
    pytest.param(40, 1000, 150, 40, id="第七条(二)-better-of-4%-sales(30)-and-26.7%-cost(40)"),
]


@pytest.mark.parametrize(("rd", "sales", "cost", "points"), RD_ROWS)
def test_rd_input_takes_the_better_of_the_two_measures(rd, sales, cost, points):
    got = item(run(last(rd_expense=rd, sales_revenue=sales, cost_expense_total=cost)), "rd_input")
    assert (got["min"], got["max"]) == (points, points)


def test_rd_input_with_one_measure_missing_is_a_range_up_to_50():
    got = item(run(last(rd_expense=30, sales_revenue=1000, cost_expense_total=None)), "rd_input")
    assert (got["min"], got["max"]) == (20, 50)


UTILITY = {"kind": "utility_model", "status": "valid", "acquisition": "self"}
IP_ROWS = [
    pytest.param([{"kind": "invention_patent", "status": "valid"}], 30, id="第七条(三)-A-class1-30"),
    pytest.param([UTILITY] * 4, 24, id="第七条(三)-B-four-class2-24"),
    pytest.param([UTILITY] * 3, 18, id="第七条(三)-C-three-class2-18"),
    pytest.param([UTILITY] * 2, 12, id="第七条(三)-D-two-class2-12"),
    pytest.param(
        [{**UTILITY, "used_for_gaoxin": True}], 6, id="第七条(三)-E-one-class2-6-used-for-gaoxin-counts"
    ),
    pytest.param([{**UTILITY, "status": "pending"}], 0, id="第七条(三)-F-pending-0"),
    pytest.param([], 0, id="第七条(三)-F-none-0"),
]


@pytest.mark.parametrize(("ip", "points"), IP_ROWS)
def test_ip_item_bands(ip, points):
    profile = base()
    profile["ip"] = ip
    got = item(run(profile), "ip")
    assert (got["min"], got["max"]) == (points, points)


def scored(tech: int, rd: float, ip: list[dict[str, Any]]) -> dict[str, Any]:
    profile = last(tech_staff=tech, employees=100, rd_expense=rd, sales_revenue=1000, cost_expense_total=1000)
    profile["ip"] = ip
    return profile


@pytest.mark.parametrize(
    ("profile", "status", "points"),
    [
        pytest.param(scored(10, 50, [UTILITY] * 4), "pass", 68, id="第六条(五)-4+40+24=68-pass"),
        pytest.param(scored(20, 20, [UTILITY] * 4), "fail", 46, id="第六条(五)-12+10+24=46-fail"),
        pytest.param(scored(10, 40, [UTILITY] * 4), "fail", 58, id="第六条(五)-4+30+24=58-fail"),
        pytest.param(scored(20, 40, [UTILITY] * 3), "pass", 60, id="第六条(五)-12+30+18=60-edge-pass"),
        pytest.param(
            scored(9, 60, [{"kind": "invention_patent", "status": "valid"}]),
            "fail",
            80,
            id="第六条(五)-80分-but-tech-staff-0-fail",
        ),
    ],
)
def test_the_score_must_reach_60_with_a_non_zero_tech_staff_item(profile, status, points):
    out = run(profile)
    result = criterion(out, "score")
    assert out["score"]["min"] == out["score"]["max"] == points
    assert result["status"] == status, result["message"]


def test_a_score_below_60_reports_the_missing_points():
    result = criterion(run(scored(10, 40, [UTILITY] * 4)), "score")
    assert (result["value"], result["threshold"], result["gap"]) == ([58, 58], 60, 2)


def issued(days_before: int, years: int = 0) -> dict[str, Any]:
    day = D.replace(year=D.year - years) - dt.timedelta(days=days_before)
    return {"code": "gaoxin", "issued": day.isoformat()}


ROUTE_ROWS = [
    pytest.param(
        {"holdings": [issued(0, 3)]}, "fail", id="第八条(一)-国高-issued-exactly-3-years-ago-expired"
    ),
    pytest.param({"holdings": [issued(-1, 3)]}, "pass", id="第八条(一)-国高-3-years-minus-a-day-valid"),
    pytest.param(
        {"holdings": [{"code": "kexiao", "issued": "2025-07-01"}]}, "fail", id="第八条-other-holding-fail"
    ),
    pytest.param(
        {"holdings": [{"code": "gaoxin", "issued": "2025-01-01", "expires": "2026-05-31"}]},
        "fail",
        id="第八条(一)-explicit-expiry-respected",
    ),
    pytest.param({"drop": True}, "needs_data", id="第八条-no-holdings-record-needs_data"),
    pytest.param(
        {"awards": [{"level": "national", "rank": 3, "date": "2022-01-01"}]},
        "pass",
        id="第八条(二)-national-award-rank3-within-5-years",
    ),
    pytest.param(
        {"awards": [{"level": "national", "rank": 4, "date": "2022-01-01"}]},
        "fail",
        id="第八条(二)-rank4-fail",
    ),
    pytest.param(
        {"rd_institutions": [{"level": "provincial", "name": "省工程中心"}]},
        "pass",
        id="第八条(三)-provincial-rd-institution",
    ),
    pytest.param(
        {"standards": [{"role": "lead", "level": "industry", "date": "2024-03-01"}]},
        "pass",
        id="第八条(四)-led-industry-standard-within-5-years",
    ),
    pytest.param(
        {"standards": [{"role": "participant", "level": "national", "date": "2024-03-01"}]},
        "fail",
        id="第八条(四)-participant-only-fail",
    ),
]


@pytest.mark.parametrize(("edit", "status"), ROUTE_ROWS)
def test_the_direct_routes_of_article_8(edit, status):
    profile = base()
    if edit.get("drop"):
        del profile["holdings"]
    else:
        profile.update(edit)
    assert criterion(run(profile), "direct_route")["status"] == status


LOW = {"tech": 10, "rd": 20, "ip": [UTILITY]}  # 4 + 10 + 6 = 20 points


def low(**extra: Any) -> dict[str, Any]:
    profile = scored(LOW["tech"], LOW["rd"], LOW["ip"])
    profile.update(extra)
    return profile


VERDICT_ROWS = [
    pytest.param(base(), "eligible", id="verdict-eligible-by-score"),
    pytest.param(
        low(holdings=[{"code": "gaoxin", "issued": "2025-01-01"}]),
        "eligible",
        id="verdict-第八条-score-20-but-valid-国高-eligible",
    ),
    pytest.param(low(), "ineligible", id="verdict-score-fails-and-no-route-ineligible"),
    pytest.param(
        low(holdings=None), "insufficient_data", id="verdict-score-fails-routes-unknown-insufficient"
    ),
    pytest.param(
        dict(low(holdings=[{"code": "gaoxin", "issued": "2025-01-01"}]), incidents=[{"date": "2026-01-05"}]),
        "ineligible",
        id="verdict-第六条(四)-incident-beats-direct-route",
    ),
    pytest.param(last(employees=800), "ineligible", id="verdict-第六条(二)-size-fails"),
    pytest.param(last(total_assets=None), "insufficient_data", id="verdict-size-unknown-insufficient"),
    pytest.param(dict(base(), holdings=None), "eligible", id="verdict-score-passes-route-unknown-eligible"),
]


@pytest.mark.parametrize(("profile", "verdict"), VERDICT_ROWS)
def test_the_kexiao_verdict(profile, verdict):
    profile = {k: v for k, v in profile.items() if v is not None}
    assert run(profile)["verdict"] == verdict
