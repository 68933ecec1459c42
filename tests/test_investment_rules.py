"""The pure rules of 招商: stage transitions, stage gates, lead scores, space matching and promise vs
actual. Tables, one row per case; the ids name the clause or the seed sentence the row comes from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wutong.investment import rules
from wutong.investment.choices import Stage

S = Stage

# --- transitions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "to", "lost_from", "allowed", "reason"),
    [
        pytest.param(S.LEAD, S.CONTACT, "", True, "", id="lead-to-contact-one-step"),
        pytest.param(S.CONTACT, S.NEGOTIATION, "", True, "", id="contact-to-negotiation"),
        pytest.param(S.NEGOTIATION, S.SIGNED, "", True, "", id="negotiation-to-signed"),
        pytest.param(S.SIGNED, S.LANDED, "", True, "", id="signed-to-landed"),
        pytest.param(S.LANDED, S.OPERATING, "", True, "", id="landed-to-operating"),
        pytest.param(S.LEAD, S.NEGOTIATION, "", False, "不能跳过阶段：“线索”之后是“接洽”", id="no-skipping"),
        pytest.param(S.SIGNED, S.CONTACT, "", False, "阶段不能回退（从“签约”到“接洽”）", id="no-going-back"),
        pytest.param(S.OPERATING, S.OPERATING, "", False, "项目已处于“投产/纳统”阶段", id="same-stage"),
        pytest.param(S.NEGOTIATION, S.LOST, "", True, "", id="lost-from-negotiation"),
        pytest.param(S.LEAD, S.LOST, "", True, "", id="lost-from-lead"),
        pytest.param(S.LANDED, S.LOST, "", False, "已落地的项目不能标记为流失", id="landed-cannot-be-lost"),
        pytest.param(
            S.OPERATING, S.LOST, "", False, "已落地的项目不能标记为流失", id="operating-cannot-be-lost"
        ),
        pytest.param(S.LOST, S.NEGOTIATION, S.NEGOTIATION, True, "", id="reopen-at-stage-left"),
        pytest.param(
            S.LOST,
            S.SIGNED,
            S.NEGOTIATION,
            False,
            "流失项目只能恢复到流失前的“洽谈”阶段",
            id="reopen-elsewhere",
        ),
    ],
)
def test_transitions_move_one_stage_forward_or_off_the_line(current, to, lost_from, allowed, reason):
    decision = rules.decide_transition(current, to, lost_from=lost_from)
    assert (decision.allowed, decision.reason) == (allowed, reason)


def test_next_stage_walks_the_pipeline_and_stops_after_operating():
    assert [rules.next_stage(s) for s in (S.LEAD, S.SIGNED, S.OPERATING, S.LOST)] == [
        S.CONTACT,
        S.LANDED,
        None,
        None,
    ]


# --- gates -----------------------------------------------------------------------------------------

COMPLETE = {
    "name": "某项目",
    "channel": "investor",
    "owner": 1,
    "target": 2,
    "industry": "6513",
    "investment_amount": Decimal("1e8"),
    "space_area": Decimal(1000),
    "land_area": None,
    "signed_on": dt.date(2026, 3, 1),
    "registered_capital": Decimal("2e7"),
    "expected_revenue": Decimal("5e7"),
    "expected_tax": Decimal("3e6"),
    "expected_headcount": 80,
    "move_in_on": dt.date(2026, 6, 1),
    "uscc": "91440300MA5F000001",
    "landed_on": dt.date(2026, 5, 1),
    "operating_on": dt.date(2026, 9, 1),
}


@pytest.mark.parametrize(
    ("stage", "blank", "missing"),
    [
        pytest.param(S.LEAD, "channel", ["channel"], id="lead-needs-channel-for-attribution"),
        pytest.param(S.CONTACT, "owner", ["owner"], id="contact-needs-an-owner"),
        pytest.param(S.CONTACT, "target", ["target"], id="contact-needs-a-registered-target"),
        pytest.param(
            S.NEGOTIATION, "investment_amount", ["investment_amount"], id="negotiation-needs-amount"
        ),
        pytest.param(S.NEGOTIATION, "space_area", ["space_need"], id="negotiation-needs-space-or-land"),
        pytest.param(S.SIGNED, "expected_tax", ["expected_tax"], id="signing-promises-tax"),
        pytest.param(S.SIGNED, "move_in_on", ["move_in_on"], id="signing-promises-move-in"),
        pytest.param(S.LANDED, "uscc", ["uscc"], id="landing-needs-uscc"),
        pytest.param(S.OPERATING, "operating_on", ["operating_on"], id="operating-needs-date"),
        pytest.param(S.OPERATING, "owner", ["owner"], id="earlier-gates-still-apply"),
        pytest.param(S.NEGOTIATION, "expected_tax", [], id="later-fields-not-needed-earlier"),
    ],
)
def test_each_stage_gate_names_what_is_missing(stage, blank, missing):
    facts = {**COMPLETE, blank: None}
    result = rules.check_gate(facts, stage)
    assert [m.field for m in result.missing] == missing
    assert result.passed is (not missing)


def test_land_area_alone_satisfies_the_space_need():
    facts = {**COMPLETE, "space_area": None, "land_area": Decimal(20000)}
    assert rules.check_gate(facts, S.NEGOTIATION).passed


def test_a_failing_gate_explains_every_missing_field_in_chinese():
    facts = {"name": "x", "channel": "expo"}
    result = rules.check_gate(facts, S.NEGOTIATION)
    assert result.explain() == (
        "项目负责人：接洽后须有专人跟进；招商目标：接洽对象须登记为招商目标；"
        "国民经济行业：洽谈前须明确行业，用于产业链匹配；投资额：洽谈须有投资规模；"
        "空间或用地需求：洽谈须明确面积或用地，用于匹配空间"
    )


def test_an_invalid_uscc_fails_the_landing_gate_with_its_reason():
    result = rules.check_gate(COMPLETE, S.LANDED, uscc_valid=False)
    assert [(m.field, m.reason) for m in result.missing] == [("uscc", "统一社会信用代码校验不通过")]


def test_losing_a_project_needs_a_reason():
    assert [m.field for m in rules.check_gate({}, S.LOST).missing] == ["lost_reason"]
    assert rules.check_gate({"lost_reason": "no_space"}, S.LOST).passed


# --- space matching --------------------------------------------------------------------------------


def space(pk, area, use="rd", rent=None):
    return rules.SpaceFacts(pk, f"空间{pk}", Decimal(area), use, Decimal(rent) if rent is not None else None)


def test_spaces_within_thirty_percent_and_the_same_use_rank_by_closeness_then_rent():
    spaces = [
        space(1, 700, rent=100),  # exactly -30 %: in
        space(2, 1300, rent=80),  # exactly +30 %: in
        space(3, 1000, "office"),  # wrong use
        space(4, 1310),  # +31 %: out
        space(5, 690),  # -31 %: out
        space(6, 1100, rent=150),  # +10 %
        space(7, 900, rent=90),  # -10 %, cheaper than 6
    ]
    matches = rules.match_spaces(Decimal(1000), "rd", spaces)
    assert [m.space_id for m in matches] == [7, 6, 2, 1]
    assert matches[0].reason == "面积 900㎡，需求 1000㎡，相差 10%"
    assert matches[0].deviation == Decimal("0.100")


def test_a_need_without_use_accepts_any_use_and_no_area_matches_nothing():
    spaces = [space(1, 1000, "office"), space(2, 1000, "factory")]
    assert [m.space_id for m in rules.match_spaces(Decimal(1000), "", spaces)] == [1, 2]
    assert rules.match_spaces(None, "rd", spaces) == []


# --- industrial-chain matching ---------------------------------------------------------------------

SEGMENTS = [
    rules.SegmentFacts(1, "软件·应用软件开发", ("6513",), ("SaaS",)),
    rules.SegmentFacts(2, "软件·数据处理", ("65",), ()),
    rules.SegmentFacts(3, "大健康·医疗器械", ("358",), ("医疗器械", "体外诊断")),
]


def test_segments_match_by_industry_code_prefix_or_keyword():
    found = rules.match_segments("6513", "建设 SaaS 平台", SEGMENTS)
    assert [(m.segment_id, m.by_code, m.by_keyword) for m in found] == [(1, "6513", "SaaS"), (2, "65", "")]
    found = rules.match_segments("2720", "体外诊断试剂产线", SEGMENTS)
    assert [(m.segment_id, m.by_code, m.by_keyword) for m in found] == [(3, "", "体外诊断")]
    assert rules.match_segments(None, "", SEGMENTS) == []


# --- lead score ------------------------------------------------------------------------------------

TODAY = dt.date(2026, 11, 20)


def test_a_fresh_large_unplaced_announcement_in_a_chain_with_space_scores_100():
    segments = rules.match_segments("6513", "", SEGMENTS)
    spaces = rules.match_spaces(Decimal(1000), "rd", [space(9, 1000)])
    scored = rules.score_lead(
        amount=Decimal("6e8"),
        location="深圳市（待定）",
        announced_on=dt.date(2026, 10, 1),
        today=TODAY,
        segments=segments,
        spaces=spaces,
    )
    assert scored.score == 100
    assert [r.points for r in scored.reasons] == [35, 20, 20, 15, 10]
    assert scored.reasons[0].text == "行业代码 6513 属于产业链环节“软件·应用软件开发”"


def test_every_missing_point_of_a_lead_says_why():
    scored = rules.score_lead(
        amount=None,
        location="江苏省苏州市",
        announced_on=dt.date(2025, 1, 1),
        today=TODAY,
        segments=[],
        spaces=[],
    )
    assert scored.score == 0
    assert [r.text for r in scored.reasons] == [
        "未匹配到辖区产业链环节",
        "没有面积与用途相符的可用空间",
        "投资金额未知",
        "建设地点已定在江苏省苏州市",
        "公告已超过半年或日期未知",
    ]


@pytest.mark.parametrize(
    ("amount", "points"),
    [("5e8", 20), ("4.99e8", 15), ("1e8", 15), ("9.9e7", 5)],
    ids=["5亿-top", "below-5亿", "1亿", "below-1亿"],
)
def test_the_amount_points_follow_the_thresholds(amount, points):
    scored = rules.score_lead(
        amount=Decimal(amount), location="", announced_on=None, today=TODAY, segments=[], spaces=[]
    )
    assert scored.reasons[2].points == points


def test_a_keyword_only_chain_match_scores_less_than_a_code_match():
    segments = rules.match_segments("2720", "体外诊断", SEGMENTS)
    scored = rules.score_lead(
        amount=None, location="待定", announced_on=None, today=TODAY, segments=segments, spaces=[]
    )
    assert scored.reasons[0].points == 25 and scored.score == 40


# --- promise vs actual -----------------------------------------------------------------------------

PROMISED = {
    "paid_in_capital": Decimal("10000000"),  # 1000 万元
    "investment_amount": Decimal("100000000"),
    "revenue": Decimal("50000000"),  # 5000 万元
    "tax": Decimal("3000000"),  # 300 万元
    "headcount": 100,
}


def test_actual_below_eighty_percent_of_a_promise_is_flagged_with_the_gap():
    actual = {
        "paid_in_capital": Decimal("8000000"),  # exactly 80 %: not flagged
        "investment_amount": None,  # no data
        "revenue": Decimal("39990000"),  # 79.98 %: flagged, gap 1001 万元
        "tax": Decimal("3500000"),  # above promise
        "headcount": 61,  # 61 %: flagged, gap 39 persons
    }
    rows = {r.metric: r for r in rules.compare_promises(PROMISED, actual)}
    assert {m for m, r in rows.items() if r.flagged} == {"revenue", "headcount"}
    assert rows["revenue"].gap == Decimal("1001") and rows["revenue"].unit == "万元"
    assert rows["revenue"].explanation == "实际 3999万元，仅为承诺 5000万元 的 79.98%，低于 80%，差 1001万元"
    assert rows["headcount"].gap == Decimal(39)
    assert rows["headcount"].explanation == "实际 61人，仅为承诺 100人 的 61%，低于 80%，差 39人"
    assert rows["paid_in_capital"].flagged is False and rows["paid_in_capital"].ratio == Decimal("0.800")
    assert rows["investment_amount"].explanation == "暂无实际数据" and not rows["investment_amount"].flagged
    assert rows["tax"].gap == Decimal(-50)


def test_a_late_move_in_is_flagged_in_days_and_an_unset_promise_is_skipped():
    rows = rules.compare_promises(
        {"revenue": None},
        {},
        move_in_promised=dt.date(2026, 3, 1),
        move_in_actual=dt.date(2026, 3, 31),
    )
    assert [(r.metric, r.flagged, r.gap, r.explanation) for r in rows] == [
        ("move_in", True, Decimal(30), "晚于承诺 30 天入驻")
    ]


def test_the_threshold_is_a_parameter():
    rows = rules.compare_promises({"headcount": 100}, {"headcount": 85}, threshold=Decimal("0.9"))
    assert rows[0].flagged
