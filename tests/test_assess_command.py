"""The ``wutong assess`` contract, the registry adapter, the services and the published rule versions."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry
from wutong.enterprises.models import AnnualReport, Enterprise, IPAsset, QualificationHolding
from wutong.qualifications.models import Assessment, ExpertEstimate, RuleSetVersion
from wutong.qualifications.profiles import base_inputs, normalize_profile, profile_from_enterprise
from wutong.qualifications.rules import all_versions, assess, get_ruleset, rulesets, version_in_force
from wutong.qualifications.services import assess_enterprise, record_expert_estimate

PROFILES = Path(__file__).parent / "fixtures" / "profiles"
WUTONG = Path(sys.executable).parent / "wutong"


def run_command(*args: str) -> dict:
    out = io.StringIO()
    call_command("assess", *args, stdout=out)
    return json.loads(out.getvalue())


# --- The CLI contract ------------------------------------------------------------------------


def test_assess_prints_one_json_object_with_the_contract_keys():
    out = run_command(
        str(PROFILES / "gaoxin_possible.json"), "--qualification", "gaoxin", "--date", "2026-06-01"
    )
    assert {"qualification", "rule_version", "assessed_on", "verdict", "criteria", "score"} <= set(out)
    assert (out["qualification"], out["rule_version"], out["assessed_on"]) == ("gaoxin", "2016", "2026-06-01")
    assert out["verdict"] == "possible"
    for row in out["criteria"]:
        assert {"id", "status", "value", "threshold", "gap", "unit", "message"} <= set(row)
    assert {"min", "max", "pass_mark", "items"} <= set(out["score"])
    assert (out["score"]["min"], out["score"]["max"], out["score"]["pass_mark"]) == (39, 86, 71)
    assert all({"id", "min", "max"} <= set(i) for i in out["score"]["items"])


def test_assess_reports_gaps_in_units_for_a_firm_that_falls_short():
    out = run_command(str(PROFILES / "gaoxin_rd_short.json"), "-q", "gaoxin", "--date", "2026-06-01")
    by_id = {c["id"]: c for c in out["criteria"]}
    assert out["verdict"] == "ineligible"
    assert (by_id["rd_expense_ratio"]["value"], by_id["rd_expense_ratio"]["gap"]) == (0.0362, 82.8)
    assert by_id["rd_expense_ratio"]["message"] == (
        "近三年研发费用占同期销售收入 3.62%，低于 5% 的要求；需再投入研发费用 82.8 万元"
    )
    assert (
        by_id["tech_staff_ratio"]["value"],
        by_id["tech_staff_ratio"]["gap"],
        by_id["tech_staff_ratio"]["unit"],
    ) == (0.096, 1, "人")
    assert (by_id["high_tech_revenue_share"]["value"], by_id["high_tech_revenue_share"]["gap"]) == (
        0.55,
        100.0,
    )
    items = {i["id"]: i for i in out["score"]["items"]}
    assert (items["standards_bonus"]["min"], items["standards_bonus"]["max"]) == (0, 2)  # key absent
    assert (items["transformation"]["min"], items["transformation"]["max"]) == (1, 6)  # 4 ÷ 3 years


def test_assess_kexiao_confirms_directly_through_a_valid_gaoxin_certificate():
    out = run_command(
        str(PROFILES / "kexiao_direct_route.json"), "--qualification", "kexiao", "--date", "2026-06-01"
    )
    by_id = {c["id"]: c["status"] for c in out["criteria"]}
    assert by_id == {"size_limits": "pass", "no_incident": "pass", "score": "fail", "direct_route": "pass"}
    assert (out["score"]["min"], out["score"]["max"], out["score"]["pass_mark"]) == (20, 20, 60)  # 4 + 10 + 6
    assert out["verdict"] == "eligible"


def test_assess_a_profile_with_no_figures_gives_needs_data_not_a_crash():
    out = run_command(str(PROFILES / "young_firm.json"), "-q", "gaoxin", "--date", "2026-06-01")
    by_id = {c["id"]: c for c in out["criteria"]}
    assert by_id["registered_one_year"]["status"] == "fail"
    assert by_id["registered_one_year"]["gap"] == 92
    assert by_id["tech_staff_ratio"]["status"] == "needs_data"
    assert out["verdict"] == "ineligible"


def test_the_date_defaults_to_today(time_machine):
    time_machine.move_to(dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC))
    out = run_command(str(PROFILES / "gaoxin_possible.json"), "-q", "gaoxin")
    assert out["assessed_on"] == "2026-07-01"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            [str(PROFILES / "gaoxin_possible.json"), "-q", "guoqi"],
            "未知的资质规则",
            id="unknown-qualification",
        ),
        pytest.param(
            [str(PROFILES / "missing.json"), "-q", "gaoxin"], "找不到企业画像文件", id="missing-file"
        ),
        pytest.param(
            [str(PROFILES / "invalid_figure.json"), "-q", "gaoxin"], "应为数字", id="invalid-figure"
        ),
        pytest.param(
            [str(PROFILES / "gaoxin_possible.json"), "-q", "gaoxin", "--date", "2026-13-01"],
            "评估日期",
            id="invalid-date",
        ),
        pytest.param(
            [str(PROFILES / "gaoxin_possible.json"), "-q", "kexiao", "--date", "2010-01-01"],
            "没有生效的规则版本",
            id="date-before-any-version",
        ),
    ],
)
def test_invalid_input_raises_a_chinese_error_with_exit_code_2(args, message):
    with pytest.raises(CommandError) as excinfo:
        run_command(*args)
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "WUTONG_DATA_DIR": str(tmp_path / "data")}


def test_the_console_script_assesses_a_json_file(tmp_path):
    profile = json.loads((PROFILES / "gaoxin_possible.json").read_text(encoding="utf-8"))
    path = tmp_path / "企业画像.json"
    path.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run(
        [str(WUTONG), "assess", str(path), "--qualification", "gaoxin", "--date", "2026-06-01"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["verdict"], out["score"]["min"], out["score"]["max"]) == ("possible", 39, 86)


@pytest.mark.parametrize(
    ("content", "qualification", "message"),
    [
        pytest.param("{not json", "gaoxin", "不是有效的 JSON", id="unreadable-json"),
        pytest.param("[1, 2]", "gaoxin", "应为一个 JSON 对象", id="not-an-object"),
        pytest.param('{"ip": [{"kind": "trade_secret"}]}', "kexiao", "ip[0].kind 未知", id="unknown-ip-kind"),
        pytest.param("{}", "nope", "未知的资质规则", id="unknown-qualification"),
    ],
)
def test_the_console_script_exits_2_with_a_chinese_message(tmp_path, content, qualification, message):
    path = tmp_path / "profile.json"
    path.write_text(content, encoding="utf-8")
    done = subprocess.run(
        [str(WUTONG), "assess", str(path), "--qualification", qualification],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert done.stdout == ""


# --- Rule versions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "day", "version"),
    [
        pytest.param("xiaojuren", dt.date(2026, 3, 31), "2022", id="小巨人-2022-until-2026-03-31"),
        pytest.param("xiaojuren", dt.date(2026, 4, 1), "2026", id="小巨人-2026〔2〕号-from-2026-04-01"),
        pytest.param("zhuanjingtexin", dt.date(2025, 12, 1), "2022", id="专精特新-2022"),
        pytest.param("zhuanjingtexin", dt.date(2026, 6, 1), "2026", id="专精特新-2026"),
        pytest.param("gaoxin", dt.date(2016, 1, 1), "2016", id="国高-2016-from-2016-01-01"),
    ],
)
def test_the_engine_selects_the_version_in_force_on_the_date(code, day, version):
    assert version_in_force(code, day).version == version


def test_the_2026_tiering_versions_are_flagged_as_unverified():
    for code in ("xiaojuren", "zhuanjingtexin"):
        version = version_in_force(code, dt.date(2026, 6, 1))
        assert any(f["confidence"] == "C" for f in version.flags["_rule_set"])
        assert version.source_documents[0].startswith("工信部企业〔2026〕2号")


def test_the_2026_xiaojuren_rules_use_the_new_numbers():
    profile = normalize_profile(
        {
            "years": {
                "2024": {"operating_revenue": 6000, "main_business_revenue": 5000, "rd_expense": 600},
                "2025": {"operating_revenue": 6000, "main_business_revenue": 5000, "rd_expense": 600},
            },
            "ip": [{"kind": "invention_patent", "status": "valid"}] * 4,
        }
    )
    out = assess(profile, "xiaojuren", dt.date(2026, 6, 1)).as_json()
    by_id = {c["id"]: c for c in out["criteria"]}
    assert "market_years" not in by_id  # not in the 2026 summary
    assert (by_id["revenue"]["status"], by_id["rd_two_year_total"]["status"]) == ("pass", "pass")
    assert (by_id["main_share"]["status"], by_id["main_share"]["gap"]) == (
        "fail",
        pytest.approx(0.9 - 5000 / 6000, abs=1e-6),
    )
    assert by_id["class1_ip"]["status"] == "pass"


def test_every_criterion_reads_only_inputs_its_rule_set_derives():
    """The screening contract: the columns a criterion declares are all produced by ``derive``, so a
    set-based job can compute exactly these columns in SQL and feed them to the same objects."""
    profile = normalize_profile(json.loads((PROFILES / "gaoxin_possible.json").read_text(encoding="utf-8")))
    for code, ruleset in rulesets().items():
        version = version_in_force(code, dt.date(2026, 6, 1))
        inputs = ruleset.derive(profile, dt.date(2026, 6, 1), version.thresholds)
        inputs.update(
            score_min=0, score_max=0, **{f"item_{i.id}_{b}": 0 for i in ruleset.items for b in ("min", "max")}
        )
        for part in (*ruleset.criteria, *ruleset.items):
            missing = set(part.inputs) - set(inputs)
            assert not missing, f"{code}.{part.id} reads {missing}"


def test_a_rule_set_lists_the_columns_a_screening_query_must_produce():
    assert get_ruleset("kexiao").input_columns() == [
        "last_employees",
        "last_sales_revenue",
        "last_total_assets",
        "incidents_in_window",
        "route_gaoxin",
        "route_award",
        "route_institution",
        "route_standard",
        "last_tech_staff",
        "last_rd_expense",
        "last_cost_expense_total",
        "ip_valid_class1",
        "ip_valid_class2",
    ]
    assert "sum_rd_expense" in get_ruleset("gaoxin").input_columns()


def test_base_inputs_are_plain_values():
    profile = normalize_profile(json.loads((PROFILES / "gaoxin_possible.json").read_text(encoding="utf-8")))
    inputs = base_inputs(profile, dt.date(2026, 6, 1))
    assert (inputs["sum_sales_revenue"], inputs["last_tech_staff"], inputs["ip_valid_class1"]) == (
        12000,
        20,
        1,
    )
    assert all(isinstance(v, int | float | bool | list | type(None)) for v in inputs.values())


@pytest.mark.django_db
def test_the_migration_publishes_every_rule_version_for_admins():
    assert RuleSetVersion.objects.count() == len(all_versions())
    row = RuleSetVersion.objects.get(code="gaoxin", version="2016")
    assert row.thresholds["rd_ratio_tiers"][0] == {
        "up_to": 5000,
        "ratio": 0.05,
        "label": "最近一年销售收入 ≤ 5000 万元",
    }
    assert row.effective_to is None
    assert set(RuleSetVersion.objects.values_list("code", flat=True)) == {
        "gaoxin",
        "kexiao",
        "chuangxin",
        "zhuanjingtexin",
        "xiaojuren",
        "guishang",
        "size_class",
        "gd_engineering_center",
    }


# --- The registry adapter and the services -----------------------------------------------------


@pytest.fixture
def firm(db):
    enterprise = Enterprise.objects.create(
        uscc="91440300MA5F000009", name="深圳市档案科技有限公司", established=dt.date(2018, 3, 1)
    )
    for year, net in ((2023, 10_000_000), (2024, 12_000_000), (2025, 15_000_000)):
        AnnualReport.objects.create(
            enterprise=enterprise,
            year=year,
            sales_revenue=Decimal("40000000"),
            total_income=Decimal("42000000"),
            high_tech_revenue=Decimal("30000000"),
            rd_expense=Decimal("3000000"),
            rd_expense_domestic=Decimal("3000000"),
            net_assets=Decimal(net),
            total_assets=Decimal("50000000"),
            employees=100,
            tech_staff=20,
        )
    AnnualReport.objects.create(enterprise=enterprise, year=2026, sales_revenue=Decimal("1"), employees=1)
    IPAsset.objects.create(
        enterprise=enterprise,
        kind="invention_patent",
        number="ZL202310000001.0",
        status="valid",
        acquisition="self",
        granted_on=dt.date(2024, 5, 1),
    )
    IPAsset.objects.create(
        enterprise=enterprise,
        kind="utility_model",
        number="ZL202620000001.0",
        status="valid",
        granted_on=dt.date(2026, 9, 1),
    )
    IPAsset.objects.create(
        enterprise=enterprise,
        kind="utility_model",
        number="ZL201920000001.0",
        status="invalid",
        granted_on=dt.date(2019, 9, 1),
    )
    QualificationHolding.objects.create(
        enterprise=enterprise, kind="gaoxin", issued_on=dt.date(2023, 12, 1), expires_on=dt.date(2026, 11, 30)
    )
    return enterprise


def test_profile_from_enterprise_converts_yuan_to_wan_and_keeps_the_years_before_the_date(firm):
    profile = profile_from_enterprise(firm, dt.date(2026, 6, 1))
    assert sorted(profile["years"]) == ["2023", "2024", "2025"]
    assert profile["years"]["2025"]["sales_revenue"] == 4000.0
    assert profile["years"]["2023"]["net_assets"] == 1000.0
    assert profile["years"]["2025"]["rd_expense"] == 300.0
    assert profile["years"]["2025"]["employees"] == 100
    assert profile["established"] == "2018-03-01"
    assert [(i["kind"], i["status"]) for i in profile["ip"]] == [
        ("invention_patent", "valid"),
        ("utility_model", "expired"),
    ]  # the 2026-09 grant is after the date; 'invalid' reads as not valid
    assert profile["holdings"] == [
        {"code": "gaoxin", "level": "national", "issued": "2023-12-01", "expires": "2026-11-30"}
    ]
    assert "incidents" not in profile and "transformations" not in profile  # not in the registry: no data


def test_a_registry_profile_assesses_like_the_same_file(firm):
    profile = normalize_profile(profile_from_enterprise(firm, dt.date(2026, 6, 1)))
    out = assess(profile, "gaoxin", dt.date(2026, 6, 1)).as_json()
    by_id = {c["id"]: c for c in out["criteria"]}
    assert by_id["rd_expense_ratio"]["value"] == 0.075
    assert by_id["no_major_incident"]["status"] == "needs_data"
    assert out["verdict"] == "insufficient_data"


def test_assess_enterprise_stores_the_assessment_and_audits_it(firm, alice):
    assessment = assess_enterprise(firm, rule_code="gaoxin", on_date=dt.date(2026, 6, 1), actor=alice)
    assessment.refresh_from_db()
    assert (assessment.rule_version.code, assessment.rule_version.version) == ("gaoxin", "2016")
    assert assessment.verdict == "insufficient_data"
    # IP 8–30 (invention 7–8, self 1–6, experts 0–16, standards unknown 0–2), conversion unknown 0–30,
    # management 0–20, net assets 22.5 % → 5–6, sales flat → 0
    assert (assessment.score_min, assessment.score_max) == (Decimal("13"), Decimal("86"))
    assert assessment.inputs["profile"]["years"]["2025"]["sales_revenue"] == 4000.0
    assert assessment.inputs["derived"]["sum_sales_revenue"] == 12000.0
    assert assessment.results["criteria"][0]["id"] == "registered_one_year"
    assert assessment.created_by == alice
    entry = AuditEntry.objects.get(action="qualifications.assessment.created")
    assert (entry.target_id, entry.actor, entry.data["verdict"]) == (
        str(assessment.pk),
        alice,
        "insufficient_data",
    )


def test_kexiao_direct_route_reads_the_registrys_gaoxin_certificate(firm, alice):
    assessment = assess_enterprise(firm, rule_code="kexiao", on_date=dt.date(2026, 6, 1), actor=alice)
    route = next(c for c in assessment.results["criteria"] if c["id"] == "direct_route")
    assert route["status"] == "pass"


def test_an_expert_estimate_narrows_the_item_in_later_assessments(firm, bob):
    first = assess_enterprise(firm, rule_code="gaoxin", on_date=dt.date(2026, 6, 1), actor=bob)
    estimate = record_expert_estimate(
        rule_code="gaoxin",
        item_id="rd_management",
        min_points=15,
        max_points=18,
        actor=bob,
        assessment=first,
        note="研发辅助账健全，设有研发中心",
    )
    assert (estimate.enterprise, estimate.min_points, estimate.max_points) == (
        firm,
        Decimal("15"),
        Decimal("18"),
    )
    entry = AuditEntry.objects.get(action="qualifications.expertestimate.recorded")
    assert entry.data["item_id"] == "rd_management"
    second = assess_enterprise(firm, rule_code="gaoxin", on_date=dt.date(2026, 6, 1), actor=bob)
    assert (second.score_min, second.score_max) == (first.score_min + 15, first.score_max - 2)
    item = next(i for i in second.results["score"]["items"] if i["id"] == "rd_management")
    assert (item["min"], item["max"]) == (15, 18)


@pytest.mark.parametrize(
    ("item_id", "low", "high", "message"),
    [
        pytest.param("ip_quantity", 7, 8, "不是需要专家判断的评分项", id="computed-item-refused"),
        pytest.param("rd_management", 10, 21, "估计区间应满足", id="above-the-item-maximum"),
        pytest.param("rd_management", 12, 10, "估计区间应满足", id="min-above-max"),
        pytest.param("nonexistent", 1, 2, "不是需要专家判断的评分项", id="unknown-item"),
    ],
)
def test_an_invalid_expert_estimate_is_refused(firm, alice, item_id, low, high, message):
    with pytest.raises(DomainError) as excinfo:
        record_expert_estimate(
            rule_code="gaoxin", item_id=item_id, min_points=low, max_points=high, actor=alice, enterprise=firm
        )
    assert message in excinfo.value.message
    assert not ExpertEstimate.objects.exists()
    assert not AuditEntry.objects.filter(action="qualifications.expertestimate.recorded").exists()


def test_an_estimate_must_lie_inside_the_range_its_assessment_computed(firm, alice):
    IPAsset.objects.filter(enterprise=firm).update(acquisition="transfer")  # 获得方式 B: 1–3 points
    assessment = assess_enterprise(firm, rule_code="gaoxin", on_date=dt.date(2026, 6, 1), actor=alice)
    with pytest.raises(DomainError, match="计算区间"):
        record_expert_estimate(
            rule_code="gaoxin",
            item_id="ip_acquisition",
            min_points=4,
            max_points=5,
            actor=alice,
            assessment=assessment,
        )
    record_expert_estimate(
        rule_code="gaoxin",
        item_id="ip_acquisition",
        min_points=2,
        max_points=3,
        actor=alice,
        assessment=assessment,
    )
    assert Assessment.objects.count() == 1
    assert ExpertEstimate.objects.get().enterprise == firm
    assert get_ruleset("gaoxin").item("ip_acquisition").expert


# --- Headline rule sets (创新型, 专精特新, 小巨人, 四上, 划型, 广东工程中心) --------------------------------


def tiering_profile(**extra: object) -> dict:
    year = {
        "operating_revenue": 3000,
        "main_business_revenue": 2400,
        "rd_expense": 150,
        "total_assets": 4000,
        "total_liabilities": 2000,
        "employees": 80,
        "rd_staff": 20,
    }
    profile = {
        "industry": "C3911",
        "market_years": 5,
        "emerging_industry": True,
        "years": {
            "2023": dict(year, main_business_revenue=2000),
            "2024": dict(year, main_business_revenue=2200),
            "2025": dict(year),
        },
        "ip": [{"kind": "invention_patent", "status": "valid", "acquisition": "self"}],
        "incidents": [],
        "holdings": [{"code": "chuangxin", "issued": "2025-03-01"}],
        "equity_financing": {},
    }
    profile.update(extra)
    return profile


def assess_json(profile: dict, code: str, day: dt.date = dt.date(2026, 6, 1)) -> dict:
    return assess(normalize_profile(profile), code, day).as_json()


@pytest.mark.parametrize(
    ("iid", "edit", "points"),
    [
        pytest.param("ip_quality", {}, 15, id="创新型-指标1-B-自主研发Ⅰ类-15"),
        pytest.param(
            "ip_quality",
            {"ip": [{"kind": "invention_patent", "status": "valid", "high_value": True}]},
            20,
            id="创新型-指标1-A-高价值Ⅰ类-20",
        ),
        pytest.param(
            "ip_quality", {"ip": [{"kind": "utility_model", "status": "valid"}]}, 5, id="创新型-指标1-D-Ⅱ类-5"
        ),
        pytest.param("rd_ratio", {}, 20, id="创新型-指标2-A-5%-edge-20"),
        pytest.param("revenue_growth", {}, 10, id="创新型-指标3-C-2400/2200−1=9.1%-10"),
        pytest.param("debt_ratio", {}, 10, id="创新型-指标4-A-50%≤55%-10"),
        pytest.param("field", {"emerging_industry": False}, 5, id="创新型-指标5-B-其他领域-5"),
        pytest.param("main_share", {}, 20, id="创新型-指标6-A-80%-20"),
    ],
)
def test_chuangxin_indicator_bands(iid, edit, points):
    out = assess_json(tiering_profile(**edit), "chuangxin")
    got = next(i for i in out["score"]["items"] if i["id"] == iid)
    assert (got["min"], got["max"]) == (points, points)


def test_chuangxin_requires_each_class_minimum_not_only_60_points():
    # 创新能力 = IP 5 (Ⅱ类) + R&D 0.3 % → 0 = 5 < 20, though the total reaches 60+
    weak = tiering_profile(ip=[{"kind": "utility_model", "status": "valid"}])
    for year in weak["years"].values():
        year["rd_expense"] = 9
    out = assess_json(weak, "chuangxin")
    route = next(c for c in out["criteria"] if c["id"] == "evaluation_or_route")
    assert out["score"]["min"] == 5 + 0 + 10 + 10 + 10 + 20
    assert route["status"] == "needs_data"  # the score route fails; the direct routes have no data
    assert out["verdict"] == "insufficient_data"
    weak["holdings"] = [{"code": "gaoxin", "issued": "2025-01-01"}]
    assert (
        assess_json(weak, "chuangxin")["verdict"] == "possible"
    )  # direct route; 中小企业 still a person's call


@pytest.mark.parametrize(
    ("edit", "cid", "status"),
    [
        pytest.param({"market_years": 2}, "market_years", "pass", id="专精特新2022-细分市场2年-edge-pass"),
        pytest.param({"market_years": 1.5}, "market_years", "fail", id="专精特新2022-细分市场不足2年-fail"),
        pytest.param({}, "rd_last_year", "pass", id="专精特新2022-研发150万且5%-pass"),
        pytest.param(
            {"years": {"2024": {"operating_revenue": 3000, "rd_expense": 99}}},
            "rd_last_year",
            "fail",
            id="专精特新2022-研发不足100万-fail",
        ),
        pytest.param(
            {"years": {"2024": {"operating_revenue": 900, "rd_expense": 150}}},
            "revenue_or_financing",
            "fail",
            id="专精特新2022-营收不足1000万且无融资-fail",
        ),
        pytest.param(
            {
                "years": {"2024": {"operating_revenue": 900, "rd_expense": 150}},
                "equity_financing": {"2023": 1500, "2024": 500},
            },
            "revenue_or_financing",
            "pass",
            id="专精特新2022-近两年融资2000万-edge-pass",
        ),
    ],
)
def test_zhuanjingtexin_2022_conditions(edit, cid, status):
    # assessed 2025-06-01 under the 2022 rules: "上年度" is 2024, "近两年" 2023–2024
    out = assess_json(tiering_profile(**edit), "zhuanjingtexin", dt.date(2025, 6, 1))
    assert out["rule_version"] == "2022"
    assert next(c for c in out["criteria"] if c["id"] == cid)["status"] == status


@pytest.mark.parametrize(
    ("revenue", "rd_prev", "rd_last", "status"),
    [
        pytest.param(10000, 300, 300, "pass", id="小巨人2022-营收1亿-每年3%-edge-pass"),
        pytest.param(10000, 290, 400, "fail", id="小巨人2022-营收1亿-较低一年2.9%-fail"),
        pytest.param(6000, 360, 360, "pass", id="小巨人2022-营收5000万-1亿-6%-edge-pass"),
        pytest.param(6000, 350, 400, "fail", id="小巨人2022-营收5000万-1亿-5.8%-fail"),
        pytest.param(4000, 1500, 1500, "fail", id="小巨人2022-营收不足5000万-融资不足-fail"),
    ],
)
def test_xiaojuren_2022_rd_intensity_by_revenue_tier(revenue, rd_prev, rd_last, status):
    profile = tiering_profile()
    profile["years"]["2024"].update(operating_revenue=revenue, rd_expense=rd_prev)
    profile["years"]["2025"].update(operating_revenue=revenue, rd_expense=rd_last)
    out = assess_json(profile, "xiaojuren", dt.date(2026, 3, 1))
    assert out["rule_version"] == "2022"
    assert next(c for c in out["criteria"] if c["id"] == "rd_intensity")["status"] == status


@pytest.mark.parametrize(
    ("industry", "figures", "status", "threshold"),
    [
        pytest.param("C3911", {"main_business_revenue": 2000}, "pass", 2000, id="规上工业-主营2000万-edge"),
        pytest.param("C3911", {"main_business_revenue": 1999}, "fail", 2000, id="规上工业-1999万-fail"),
        pytest.param("F5211", {"main_business_revenue": 500}, "pass", 500, id="限上零售-500万-edge"),
        pytest.param("5121", {"main_business_revenue": 1999}, "fail", 2000, id="限上批发-无门类字母-2000万"),
        pytest.param("H6210", {"main_business_revenue": 200}, "pass", 200, id="限上餐饮-200万-edge"),
        pytest.param("I6513", {"operating_revenue": 2000}, "pass", 2000, id="规上服务业-I-2000万"),
        pytest.param("M7320", {"operating_revenue": 999}, "fail", 1000, id="规上服务业-M-1000万档-fail"),
        pytest.param(
            "K7030", {"operating_revenue": 1000}, "pass", 1000, id="规上服务业-物业管理-小类-1000万"
        ),
        pytest.param("R8710", {"operating_revenue": 500}, "pass", 500, id="规上服务业-R-500万"),
        pytest.param("E4710", {"operating_revenue": 10}, "needs_review", None, id="建筑业-看资质"),
        pytest.param("K7010", {"operating_revenue": 10}, "needs_review", None, id="房地产开发-全部纳入"),
        pytest.param("J6621", {"operating_revenue": 99999}, "fail", None, id="金融业-不在四上范围"),
    ],
)
def test_guishang_thresholds_by_industry(industry, figures, status, threshold):
    out = assess_json({"industry": industry, "years": {"2025": figures}}, "guishang")
    result = out["criteria"][0]
    assert (result["status"], result["threshold"]) == (status, threshold)


@pytest.mark.parametrize(
    ("industry", "staff", "revenue", "size", "status"),
    [
        pytest.param("C3911", 1000, 40000, "large", "fail", id="划型-工业-大型-下限-edge"),
        pytest.param("C3911", 999, 40000, "medium", "pass", id="划型-工业-人数不足降为中型"),
        pytest.param("C3911", 300, 2000, "medium", "pass", id="划型-工业-中型-edge"),
        pytest.param("C3911", 20, 300, "small", "pass", id="划型-工业-小型-edge"),
        pytest.param("C3911", 19, 5000, "micro", "pass", id="划型-工业-19人-微型"),
        pytest.param("I6513", 100, 1000, "medium", "pass", id="划型-软件-中型-edge"),
        pytest.param("I6513", 10, 49, "micro", "pass", id="划型-软件-营收不足50万-微型"),
        pytest.param("F5211", 10, 49, None, "needs_review", id="划型-零售-未录入标准"),
    ],
)
def test_size_class_needs_all_lower_bounds(industry, staff, revenue, size, status):
    out = assess_json(
        {"industry": industry, "years": {"2025": {"employees": staff, "operating_revenue": revenue}}},
        "size_class",
    )
    result = out["criteria"][0]
    assert (result["value"], result["status"]) == (size, status)


def test_gd_engineering_center_conditions_and_flags():
    profile = tiering_profile(rd_equipment_value=300)
    profile["years"]["2025"].update(main_business_revenue=5000, rd_expense=150, rd_staff=20)
    profile["ip"] = [{"kind": "invention_patent", "status": "valid"}] * 5
    out = assess_json(profile, "gd_engineering_center")
    by_id = {c["id"]: c for c in out["criteria"]}
    assert {k: v["status"] for k, v in by_id.items()} == {
        "registered_in_guangdong": "needs_review",
        "main_revenue": "pass",
        "rd": "pass",
        "ip": "pass",
        "equipment": "pass",
        "researchers": "pass",
        "no_incident": "pass",
    }
    assert out["verdict"] == "possible"
    assert any(f["confidence"] == "C" for f in out["flags"])
    profile["years"]["2025"].update(rd_expense=149.99)
    assert {c["id"]: c["status"] for c in assess_json(profile, "gd_engineering_center")["criteria"]}[
        "rd"
    ] == "fail"


def test_every_flag_in_a_version_file_reaches_the_criterion_or_item_it_names():
    """A [C]/[M] caveat must never be lost to a typo in the version file: each flag key names a criterion or
    score item that the output carries, and the flag appears on it."""
    profile = normalize_profile(tiering_profile())
    for version in all_versions():
        out = assess(
            profile,
            version.code,
            max(version.effective_from, dt.date(2026, 6, 1))
            if version.effective_to is None
            else version.effective_to,
        ).as_json()
        assert out["rule_version"] == version.version
        parts = {c["id"]: c for c in out["criteria"]}
        parts.update({i["id"]: i for i in (out["score"] or {}).get("items", [])})
        for key, flags in version.flags.items():
            if key == "_rule_set":
                assert {f["code"] for f in flags} <= {f["code"] for f in out["flags"]}
                continue
            assert key in parts, f"{version.code} {version.version}: flag key {key!r} names nothing"
            assert {f["code"] for f in flags} <= {f["code"] for f in parts[key]["flags"]}


def test_profile_from_enterprise_keeps_cents_and_leaves_missing_figures_empty(db):
    enterprise = Enterprise.objects.create(uscc="91440300MA5F00000X", name="深圳市零头科技有限公司")
    AnnualReport.objects.create(enterprise=enterprise, year=2025, sales_revenue=Decimal("12345678.90"))
    profile = profile_from_enterprise(enterprise, dt.date(2026, 6, 1))
    assert profile["years"]["2025"]["sales_revenue"] == pytest.approx(1234.56789)
    assert profile["years"]["2025"]["rd_expense"] is None
    assert profile["established"] is None
    out = assess(normalize_profile(profile), "kexiao", dt.date(2026, 6, 1)).as_json()
    assert {c["id"]: c["status"] for c in out["criteria"]}["size_limits"] == "needs_data"
