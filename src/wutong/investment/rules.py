"""Pure decisions of 招商: stage transitions and gates, lead scores, space matching, promise vs actual.

Nothing here reads or writes the database: each function takes plain data and returns a result that
explains itself (what was compared, the threshold, the gap). Every "no" says why, in Chinese.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from wutong.investment.choices import PIPELINE, Stage

# --- Stage transitions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def stage_index(stage: str) -> int:
    """Position on the pipeline (``lost`` is -1)."""
    return PIPELINE.index(stage) if stage in PIPELINE else -1


def next_stage(stage: str) -> str | None:
    index = stage_index(stage)
    if index < 0 or index + 1 >= len(PIPELINE):
        return None
    return PIPELINE[index + 1]


def decide_transition(current: str, to: str, *, lost_from: str = "") -> Decision:
    """Whether a project in ``current`` may move to ``to``.

    A project moves one stage forward at a time (a gate cannot be skipped), may be marked 流失 from
    any stage before 落地, and a lost project may be reopened only at the stage it was lost from.
    """
    label = dict(Stage.choices)
    if current == to:
        return Decision(False, _("项目已处于“%(s)s”阶段") % {"s": label[to]})
    if to == Stage.LOST:
        if current in (Stage.LANDED, Stage.OPERATING):
            return Decision(False, _("已落地的项目不能标记为流失"))
        return Decision(True)
    if current == Stage.LOST:
        if to != lost_from:
            return Decision(
                False,
                _("流失项目只能恢复到流失前的“%(s)s”阶段") % {"s": label.get(lost_from, lost_from or "—")},
            )
        return Decision(True)
    if to not in PIPELINE:
        return Decision(False, _("未知阶段"))
    if stage_index(to) < stage_index(current):
        return Decision(
            False, _("阶段不能回退（从“%(a)s”到“%(b)s”）") % {"a": label[current], "b": label[to]}
        )
    if stage_index(to) > stage_index(current) + 1:
        return Decision(
            False,
            _("不能跳过阶段：“%(a)s”之后是“%(n)s”")
            % {"a": label[current], "n": label[next_stage(current) or to]},
        )
    return Decision(True)


# --- Stage gates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    field: str
    label: str
    reason: str


@dataclass
class GateResult:
    stage: str
    missing: list[Requirement] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.missing

    def explain(self) -> str:
        return "；".join(f"{m.label}：{m.reason}" for m in self.missing)


def _req(field_name: str, label: str, reason: str) -> tuple[str, str, str]:
    return field_name, label, reason


def gate_requirements() -> dict[str, list[tuple[str, str, str]]]:
    """The fields each stage needs, and why (Data Hub's stage gates, in the bureau's words).

    A stage needs its own fields *and* those of every stage before it.
    """
    return {
        Stage.LEAD: [
            _req("name", _("项目名称"), _("线索需要一个名称")),
            _req("channel", _("来源渠道"), _("渠道归因需要知道项目来源")),
        ],
        Stage.CONTACT: [
            _req("owner", _("项目负责人"), _("接洽后须有专人跟进")),
            _req("target", _("招商目标"), _("接洽对象须登记为招商目标")),
        ],
        Stage.NEGOTIATION: [
            _req("industry", _("国民经济行业"), _("洽谈前须明确行业，用于产业链匹配")),
            _req("investment_amount", _("投资额"), _("洽谈须有投资规模")),
            _req("space_need", _("空间或用地需求"), _("洽谈须明确面积或用地，用于匹配空间")),
        ],
        Stage.SIGNED: [
            _req("signed_on", _("签约日期"), _("签约须记录日期")),
            _req("registered_capital", _("注册资本"), _("签约承诺须含注册资本")),
            _req("expected_revenue", _("预计年营业收入"), _("签约承诺须含营收，落地后与年报比对")),
            _req("expected_tax", _("预计年纳税"), _("签约承诺须含纳税，落地后与年报比对")),
            _req("expected_headcount", _("预计用工人数"), _("签约承诺须含用工，落地后与年报比对")),
            _req("move_in_on", _("承诺入驻日期"), _("签约承诺须含入驻时间")),
        ],
        Stage.LANDED: [
            _req("uscc", _("落地企业信用代码"), _("落地(注册)须有有效的统一社会信用代码，用于关联一企一档")),
            _req("landed_on", _("落地(注册)日期"), _("落地须记录注册日期")),
        ],
        Stage.OPERATING: [
            _req("operating_on", _("投产/纳统日期"), _("投产/纳统须记录日期")),
        ],
    }


def _present(facts: Mapping[str, Any], name: str) -> bool:
    if name == "space_need":
        return bool(facts.get("space_area")) or bool(facts.get("land_area"))
    value = facts.get(name)
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def check_gate(facts: Mapping[str, Any], to: str, *, uscc_valid: bool | None = None) -> GateResult:
    """What ``facts`` (a project's fields by name) lack for stage ``to``. ``uscc_valid`` is the
    registry validator's verdict on ``facts['uscc']`` (the caller runs it: rules stay pure)."""
    result = GateResult(stage=to)
    if to == Stage.LOST:
        if not _present(facts, "lost_reason"):
            result.missing.append(Requirement("lost_reason", _("流失原因"), _("流失须说明原因，用于复盘")))
        return result
    requirements = gate_requirements()
    for stage in PIPELINE[: stage_index(to) + 1]:
        for name, label, reason in requirements[stage]:
            if not _present(facts, name):
                result.missing.append(Requirement(name, label, reason))
            elif name == "uscc" and uscc_valid is False:
                result.missing.append(Requirement(name, label, _("统一社会信用代码校验不通过")))
    return result


# --- Industrial-chain and space matching ------------------------------------------------------------


@dataclass(frozen=True)
class SegmentFacts:
    id: int
    label: str
    codes: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class SegmentMatch:
    segment_id: int
    label: str
    by_code: str = ""
    by_keyword: str = ""


def code_matches(code: str | None, prefixes: Iterable[str]) -> str:
    """The segment code that ``code`` falls under (a 2-digit 大类 covers its 中类 and 小类), or ''."""
    if not code:
        return ""
    return next((p for p in prefixes if p and code.startswith(p)), "")


def match_segments(
    industry_code: str | None, text: str, segments: Sequence[SegmentFacts]
) -> list[SegmentMatch]:
    """The chain segments an announcement (or target) falls in, by industry code or keyword."""
    found: list[SegmentMatch] = []
    for segment in segments:
        by_code = code_matches(industry_code, segment.codes)
        by_keyword = next((k for k in segment.keywords if k and k in (text or "")), "")
        if by_code or by_keyword:
            found.append(SegmentMatch(segment.id, segment.label, by_code, by_keyword))
    return found


@dataclass(frozen=True)
class SpaceFacts:
    id: int
    label: str
    area: Decimal
    use: str
    rent: Decimal | None = None
    focus_industry: str = ""


@dataclass(frozen=True)
class SpaceMatch:
    space_id: int
    label: str
    area: Decimal
    deviation: Decimal  # |area - need| / need, as a fraction
    reason: str


AREA_TOLERANCE = Decimal("0.30")


def match_spaces(
    need_area: Decimal | None,
    need_use: str,
    spaces: Iterable[SpaceFacts],
    *,
    tolerance: Decimal = AREA_TOLERANCE,
) -> list[SpaceMatch]:
    """Spaces whose area is within ±``tolerance`` of the need and whose use matches (any use when the
    need names none), closest area first, then cheaper rent."""
    if not need_area or need_area <= 0:
        return []
    low, high = need_area * (1 - tolerance), need_area * (1 + tolerance)
    matches: list[tuple[Decimal, Decimal, SpaceMatch]] = []
    for space in spaces:
        if need_use and space.use != need_use:
            continue
        if not (low <= space.area <= high):
            continue
        deviation = (abs(space.area - need_area) / need_area).quantize(Decimal("0.001"))
        reason = _("面积 %(a)s㎡，需求 %(n)s㎡，相差 %(d)s%%") % {
            "a": _fmt(space.area),
            "n": _fmt(need_area),
            "d": _fmt(deviation * 100),
        }
        matches.append(
            (
                deviation,
                space.rent if space.rent is not None else Decimal("1e9"),
                SpaceMatch(space.id, space.label, space.area, deviation, reason),
            )
        )
    matches.sort(key=lambda item: (item[0], item[1], item[2].space_id))
    return [m for _d, _r, m in matches]


def _pct(value: Decimal) -> str:
    """A percentage to at most two decimals (79.98, 80, 61.5): a shortfall never rounds up to the bar."""
    text = format(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _fmt(value: Decimal) -> str:
    text = format(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "f")
    return text[:-2] if text.endswith(".0") else text


# --- Lead scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    points: int
    text: str


@dataclass
class LeadScore:
    score: int
    reasons: list[Reason]

    def as_json(self) -> list[dict[str, Any]]:
        return [{"points": r.points, "text": r.text} for r in self.reasons]


LOCAL_PLACES = ("深圳", "罗湖")


def score_lead(
    *,
    amount: Decimal | None,
    location: str,
    announced_on: dt.date | None,
    today: dt.date,
    segments: Sequence[SegmentMatch],
    spaces: Sequence[SpaceMatch],
    local_places: Sequence[str] = LOCAL_PLACES,
) -> LeadScore:
    """A 0–100 score of a fundraising announcement as a lead, with the reason for every point.

    * chain fit: 35 when a segment matches by industry code, 25 by keyword only;
    * space fit: 20 when an available space fits the stated need;
    * amount: 20 for ≥ 5 亿元, 15 for ≥ 1 亿元, 5 for less, 0 when unknown;
    * location still open: 15 when the place is 待定 or in 深圳/罗湖 (未拿地), 0 when elsewhere;
    * freshness: 10 when announced within 180 days.
    """
    reasons: list[Reason] = []
    by_code = [s for s in segments if s.by_code]
    if by_code:
        reasons.append(
            Reason(
                35,
                _("行业代码 %(c)s 属于产业链环节“%(s)s”") % {"c": by_code[0].by_code, "s": by_code[0].label},
            )
        )
    elif segments:
        reasons.append(
            Reason(
                25,
                _("关键词“%(k)s”命中产业链环节“%(s)s”")
                % {"k": segments[0].by_keyword, "s": segments[0].label},
            )
        )
    else:
        reasons.append(Reason(0, _("未匹配到辖区产业链环节")))
    if spaces:
        reasons.append(
            Reason(20, _("有可用空间：%(s)s（%(r)s）") % {"s": spaces[0].label, "r": spaces[0].reason})
        )
    else:
        reasons.append(Reason(0, _("没有面积与用途相符的可用空间")))
    if amount is None:
        reasons.append(Reason(0, _("投资金额未知")))
    else:
        yi = amount / Decimal(100_000_000)
        points = 20 if yi >= 5 else 15 if yi >= 1 else 5
        reasons.append(Reason(points, _("拟投资 %(y)s 亿元") % {"y": _fmt(yi)}))
    place = (location or "").strip()
    if not place or "待定" in place or any(p in place for p in local_places):
        reasons.append(
            Reason(15, _("建设地点未定或在本市（%(p)s），可争取落户") % {"p": place or _("未披露")})
        )
    else:
        reasons.append(Reason(0, _("建设地点已定在%(p)s") % {"p": place}))
    if announced_on is not None and (today - announced_on).days <= 180:
        reasons.append(Reason(10, _("公告于 %(d)s，半年内") % {"d": announced_on.isoformat()}))
    else:
        reasons.append(Reason(0, _("公告已超过半年或日期未知")))
    return LeadScore(min(100, sum(r.points for r in reasons)), reasons)


# --- Promise vs actual ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    metric: str
    label: str
    unit: str
    promised: Decimal | None
    actual: Decimal | None
    ratio: Decimal | None
    gap: Decimal | None  # promised - actual in ``unit`` (positive = short)
    flagged: bool
    explanation: str


PROMISE_THRESHOLD = Decimal("0.80")
_WAN = Decimal(10_000)

#: metric, label, unit; money is compared in 万元.
PROMISE_METRICS: tuple[tuple[str, str, str], ...] = (
    ("registered_capital", "注册资本", "万元"),
    ("paid_in_capital", "实缴资本", "万元"),
    ("investment_amount", "投资额", "万元"),
    ("revenue", "营业收入", "万元"),
    ("tax", "纳税", "万元"),
    ("headcount", "用工人数", "人"),
)


def compare_promises(
    promised: Mapping[str, Any],
    actual: Mapping[str, Any],
    *,
    threshold: Decimal = PROMISE_THRESHOLD,
    move_in_promised: dt.date | None = None,
    move_in_actual: dt.date | None = None,
) -> list[Deviation]:
    """Each signed promise against the registry's figure: flagged when actual < ``threshold`` × promise,
    with the gap in 万元 or persons. Money arrives in yuan; a missing actual is "no data", not a flag."""
    rows: list[Deviation] = []
    for metric, label, unit in PROMISE_METRICS:
        p, a = promised.get(metric), actual.get(metric)
        if p is None:
            continue
        p_val = Decimal(p) / _WAN if unit == "万元" else Decimal(p)
        if a is None:
            rows.append(Deviation(metric, label, unit, p_val, None, None, None, False, _("暂无实际数据")))
            continue
        a_val = Decimal(a) / _WAN if unit == "万元" else Decimal(a)
        exact = a_val / p_val if p_val else None
        ratio = exact.quantize(Decimal("0.001")) if exact is not None else None
        gap = p_val - a_val
        flagged = p_val > 0 and a_val < threshold * p_val
        if flagged:
            explanation = _(
                "实际 %(a)s%(u)s，仅为承诺 %(p)s%(u)s 的 %(r)s%%，低于 %(t)s%%，差 %(g)s%(u)s"
            ) % {
                "a": _fmt(a_val),
                "p": _fmt(p_val),
                "u": _(unit),  # 万元 / 人 read as units in English too
                "r": _pct((exact or Decimal(0)) * 100),
                "t": _fmt(threshold * 100),
                "g": _fmt(gap),
            }
        else:
            explanation = _("实际 %(a)s%(u)s，达到承诺 %(p)s%(u)s 的 %(r)s%%") % {
                "a": _fmt(a_val),
                "p": _fmt(p_val),
                "u": _(unit),  # 万元 / 人 read as units in English too
                "r": _pct((exact or Decimal(0)) * 100),
            }
        rows.append(Deviation(metric, label, unit, p_val, a_val, ratio, gap, flagged, explanation))
    if move_in_promised is not None:
        if move_in_actual is None:
            rows.append(
                Deviation(
                    "move_in", _("入驻日期"), "天", None, None, None, None, False, _("暂无实际入驻日期")
                )
            )
        else:
            late = (move_in_actual - move_in_promised).days
            flagged = late > 0
            text = _("晚于承诺 %(d)d 天入驻") % {"d": late} if flagged else _("按承诺日期入驻")
            rows.append(
                Deviation("move_in", _("入驻日期"), "天", None, None, None, Decimal(late), flagged, text)
            )
    return rows
