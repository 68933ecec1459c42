"""The qualification engine: versioned rule sets, declarative criteria and score items, and one assessment.

Shape (DESIGN "Qualification rules"): a rule set (``gaoxin``) has versions; a version is *data*
(``data/<code>-<version>.json``: dates, source documents, thresholds, confidence flags) and the criteria
are *code* (objects in ``rulesets/``) that read their numbers from the version's thresholds.

Every criterion and score item is pure and works on one flat mapping of plain values (floats, ints,
booleans, None for "no data"), never on ORM objects::

    inputs = ruleset.derive(profile, on_date)           # profile dict → {"last_employees": 120.0, …}
    result = criterion.evaluate(inputs, thresholds)     # → CriterionResult

so a later screening job can compute the same input columns with one SQL query per chunk and feed each
row to the same objects. ``Criterion.inputs`` / ``ScoreItem.inputs`` name the columns each one reads.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from wutong.qualifications.choices import CriterionStatus, Verdict
from wutong.qualifications.vector import Codes, Columns, Floats

Inputs = Mapping[str, Any]
Thresholds = Mapping[str, Any]

# Ratios are compared after rounding, so 135/100 − 1 counts as exactly 35 % (binary floats would make
# it 0.35000000000000009 or 0.34999999999999998 depending on the operands).
PRECISION = 9


def rnd(value: float) -> float:
    return round(value, PRECISION)


def wan(value: float | None) -> str:
    """A 万元 amount as officials write it: up to two decimals, trailing zeros dropped."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text


def pct(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """A caveat attached to a criterion or score item: an unverified rule ([C]/[M]), an interpretation,
    or a fact of this case that a person must look at. Shown next to the criterion in the output and UI."""

    code: str
    message: str
    confidence: str = ""  # a Confidence value for rule-text caveats; empty for case facts

    def as_json(self) -> dict[str, str]:
        data = {"code": self.code, "message": self.message}
        if self.confidence:
            data["confidence"] = self.confidence
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Flag:
        return cls(code=data["code"], message=data["message"], confidence=data.get("confidence", ""))


@dataclass
class CriterionResult:
    id: str
    status: str
    value: Any = None
    threshold: Any = None
    gap: Any = None
    unit: Any = ""
    message: str = ""
    flags: list[Flag] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "value": self.value,
            "threshold": self.threshold,
            "gap": self.gap,
            "unit": self.unit,
            "message": self.message,
            "flags": [f.as_json() for f in self.flags],
        }


@dataclass
class ItemResult:
    """One score item as a range [min, max]: equal bounds when the figures decide it, wider when an
    expert judges it or data are missing."""

    id: str
    min: float
    max: float
    value: Any = None
    message: str = ""
    expert: bool = False
    flags: list[Flag] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "min": _num(self.min),
            "max": _num(self.max),
            "value": self.value,
            "expert": self.expert,
            "message": self.message,
            "flags": [f.as_json() for f in self.flags],
        }


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


# --- Criteria and score items -------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One legal condition. Subclasses implement :meth:`check`; ``flags`` are the rule-text caveats
    that travel with every result of this criterion."""

    id: str
    label: str
    clause: str
    inputs: tuple[str, ...] = ()
    flags: tuple[Flag, ...] = ()

    def evaluate(self, inputs: Inputs, thresholds: Thresholds) -> CriterionResult:
        result = self.check(inputs, thresholds)
        result.flags = [*self.flags, *result.flags]
        return result

    def check(self, inputs: Inputs, thresholds: Thresholds) -> CriterionResult:  # pragma: no cover
        raise NotImplementedError

    def check_columns(self, cols: Columns, thresholds: Thresholds) -> tuple[Codes, Floats]:
        """The column form of :meth:`check` (see :mod:`wutong.qualifications.vector`): status codes and
        gaps (NaN where the scalar gap is None or not a number) for every row of ``cols``."""
        raise NotImplementedError(f"{type(self).__name__} has no column form")

    def has_columns(self) -> bool:
        return _has_column_form(self, "check", "check_columns")

    def missing(self, inputs: Inputs, names: Iterable[str] | None = None) -> list[str]:
        return [name for name in (names or self.inputs) if inputs.get(name) is None]

    def needs_data(self, missing: Sequence[str], *, threshold: Any = None, unit: Any = "") -> CriterionResult:
        labels = "、".join(INPUT_LABELS.get(name, name) for name in missing)
        return CriterionResult(
            self.id,
            CriterionStatus.NEEDS_DATA,
            threshold=threshold,
            unit=unit,
            message=f"{self.label}：缺少{labels}，无法判断",
        )


@dataclass(frozen=True)
class ScoreItem:
    """One scored indicator with its maximum; ``group`` ties items that share a cap (国高 知识产权 ≤ 30)."""

    id: str
    label: str
    clause: str
    max_points: float
    inputs: tuple[str, ...] = ()
    group: str = ""
    expert: bool = False
    flags: tuple[Flag, ...] = ()

    def evaluate(self, inputs: Inputs, thresholds: Thresholds) -> ItemResult:
        result = self.score(inputs, thresholds)
        result.expert = self.expert
        result.flags = [*self.flags, *result.flags]
        return result

    def score(self, inputs: Inputs, thresholds: Thresholds) -> ItemResult:  # pragma: no cover
        raise NotImplementedError

    def score_columns(self, cols: Columns, thresholds: Thresholds) -> tuple[Floats, Floats]:
        """The column form of :meth:`score`: (min, max) points for every row of ``cols``."""
        raise NotImplementedError(f"{type(self).__name__} has no column form")

    def has_columns(self) -> bool:
        return _has_column_form(self, "score", "score_columns")

    def unknown(self, missing: Sequence[str]) -> ItemResult:
        labels = "、".join(INPUT_LABELS.get(name, name) for name in missing)
        return ItemResult(
            self.id,
            0,
            self.max_points,
            message=f"{self.label}：缺少{labels}，按 0–{_num(self.max_points)} 分估计",
            flags=[Flag("missing_data", f"缺少{labels}")],
        )


def _has_column_form(part: object, scalar: str, column: str) -> bool:
    """A part has a column form when the class that defines its column method is the class that
    defines its scalar method or a subclass of it: a subclass that changes the scalar rule without
    restating the column rule falls back to the row engine instead of inheriting a stale twin."""
    mro = type(part).__mro__
    scalar_owner = next(c for c in mro if scalar in c.__dict__)
    column_owner = next(c for c in mro if column in c.__dict__)
    return column_owner not in (Criterion, ScoreItem) and issubclass(column_owner, scalar_owner)


def band_points(value: float, bands: Sequence[Mapping[str, Any]]) -> tuple[list[float], str]:
    """The points of the first band ``value`` reaches. A band is ``{"min": x, "points": [lo, hi],
    "label": "A"}`` (value ≥ min), ``"above": x`` (value > x), or for lower-is-better indicators
    ``"max": x`` (value ≤ x) / ``"below": x`` (value < x); bands run from best to worst and anything
    outside every band scores ``[0, 0]``."""
    value = rnd(value)
    for band in bands:
        if "min" in band and value >= band["min"]:
            return list(band["points"]), band.get("label", "")
        if "above" in band and value > band["above"]:
            return list(band["points"]), band.get("label", "")
        if "max" in band and value <= band["max"]:
            return list(band["points"]), band.get("label", "")
        if "below" in band and value < band["below"]:
            return list(band["points"]), band.get("label", "")
    return [0, 0], ""


# --- Rule sets and versions -----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleVersion:
    """One version of a rule set as published: the data half of the rules."""

    code: str
    version: str
    name: str
    effective_from: dt.date
    effective_to: dt.date | None
    source_documents: tuple[str, ...]
    thresholds: Mapping[str, Any]
    flags: Mapping[str, Any]
    notes: str = ""
    #: Flags parsed once per key (a screening asks for them millions of times); Flag is immutable.
    _flag_cache: dict[str, tuple[Flag, ...]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def flags_for(self, key: str) -> list[Flag]:
        cached = self._flag_cache.get(key)
        if cached is None:
            cached = self._flag_cache[key] = tuple(Flag.from_json(item) for item in self.flags.get(key, []))
        return list(cached)

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "source_documents": list(self.source_documents),
            "thresholds": dict(self.thresholds),
            "flags": dict(self.flags),
            "notes": self.notes,
        }


Deriver = Callable[[Mapping[str, Any], dt.date, Thresholds], dict[str, Any]]
ColumnDeriver = Callable[[Columns, dt.date, Thresholds], Columns]
VerdictFn = Callable[[dict[str, CriterionResult], "ScoreSummary | None"], str]


@dataclass(frozen=True)
class ScoreGroup:
    """Items that share a cap (国高 知识产权: the five items together ≤ ``thresholds[cap_key]``)."""

    id: str
    label: str
    cap_key: str


@dataclass
class ScoreSummary:
    min: float
    max: float
    pass_mark: float | None
    items: list[ItemResult]
    groups: list[dict[str, Any]]

    def item(self, item_id: str) -> ItemResult:
        return next(item for item in self.items if item.id == item_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "min": _num(self.min),
            "max": _num(self.max),
            "pass_mark": self.pass_mark,
            "items": [item.as_json() for item in self.items],
            "groups": self.groups,
        }


@dataclass(frozen=True)
class RuleSet:
    """The code half of a qualification: how to read a profile, the criteria, the score items and how
    they combine into a verdict. ``score_criteria`` are evaluated after the score (they read it)."""

    code: str
    name: str
    derive: Deriver
    criteria: tuple[Criterion, ...]
    items: tuple[ScoreItem, ...] = ()
    groups: tuple[ScoreGroup, ...] = ()
    pass_mark_key: str = ""
    verdict: VerdictFn | None = None
    assessable: bool = True
    #: The column form of ``derive`` for screening: registry frame columns → input columns (see
    #: ``vector.base_columns``); the annual-report figures it reads (field → how many of the latest
    #: fiscal years) and the IP counts (``profiles.ip_inputs`` names). A frame carries nothing else.
    derive_columns: ColumnDeriver | None = None
    frame_fields: Mapping[str, int] = field(default_factory=dict)
    frame_ip: tuple[str, ...] = ()
    #: Holding kinds whose validity a direct route reads: the frame carries ``<kind>_dated_valid`` (a
    #: holding issued by the date whose expiry is after it) and ``<kind>_open_issued`` (the latest issue
    #: date, in days since 2000-01-01, of holdings without an expiry).
    frame_routes: tuple[str, ...] = ()

    def criterion(self, criterion_id: str) -> Criterion:
        return next(c for c in self.criteria if c.id == criterion_id)

    def item(self, item_id: str) -> ScoreItem:
        return next(i for i in self.items if i.id == item_id)

    def expert_item_ids(self) -> set[str]:
        return {item.id for item in self.items if item.expert}

    def input_columns(self) -> list[str]:
        """The flat input columns the criteria and items read (what a set-based screening query must
        produce per enterprise), excluding the score columns the engine adds itself."""
        names: dict[str, None] = {}
        parts: list[Criterion | ScoreItem] = [*self.criteria, *self.items]
        for part in parts:
            for name in part.inputs:
                if not (name.startswith("score_") or name.startswith("item_")):
                    names[name] = None
        return list(names)


class RuleNotFound(LookupError):
    """No rule set with that code, or no version of it in force on the date."""


_RULESETS: dict[str, RuleSet] = {}


def register(ruleset: RuleSet) -> RuleSet:
    _RULESETS[ruleset.code] = ruleset
    return ruleset


def rulesets() -> dict[str, RuleSet]:
    from wutong.qualifications import rulesets as _definitions  # noqa: F401  (registers on import)

    return dict(_RULESETS)


def get_ruleset(code: str) -> RuleSet:
    known = rulesets()
    if code not in known:
        raise RuleNotFound(f"未知的资质规则：{code}（可选：{'、'.join(sorted(known))}）")
    return known[code]


@cache
def all_versions() -> tuple[RuleVersion, ...]:
    """Every rule-set version published in ``qualifications/data/*.json``, oldest first per code."""
    versions = []
    for entry in sorted(
        resources.files("wutong.qualifications").joinpath("data").iterdir(), key=lambda p: p.name
    ):
        if entry.name.endswith(".json"):
            versions.append(version_from_json(json.loads(entry.read_text(encoding="utf-8"))))
    return tuple(sorted(versions, key=lambda v: (v.code, v.effective_from)))


def version_from_json(data: Mapping[str, Any]) -> RuleVersion:
    return RuleVersion(
        code=data["code"],
        version=data["version"],
        name=data["name"],
        effective_from=dt.date.fromisoformat(data["effective_from"]),
        effective_to=dt.date.fromisoformat(data["effective_to"]) if data.get("effective_to") else None,
        source_documents=tuple(data.get("source_documents", ())),
        thresholds=data.get("thresholds", {}),
        flags=data.get("flags", {}),
        notes=data.get("notes", ""),
    )


def versions_of(code: str) -> list[RuleVersion]:
    return [v for v in all_versions() if v.code == code]


def version_in_force(code: str, on_date: dt.date) -> RuleVersion:
    """The version of ``code`` in force on ``on_date``: the latest one whose window holds the date."""
    candidates = [v for v in versions_of(code) if v.in_force_on(on_date)]
    if not candidates:
        raise RuleNotFound(f"{code} 在 {on_date.isoformat()} 没有生效的规则版本")
    return max(candidates, key=lambda v: v.effective_from)


# --- One assessment -------------------------------------------------------------------------------


@dataclass
class Outcome:
    """The result of assessing one profile: what ``wutong assess`` prints and an Assessment stores."""

    ruleset: RuleSet
    version: RuleVersion
    assessed_on: dt.date
    inputs: dict[str, Any]
    criteria: list[CriterionResult]
    score: ScoreSummary | None
    verdict: str
    flags: list[Flag]

    def as_json(self) -> dict[str, Any]:
        return {
            "qualification": self.ruleset.code,
            "rule_version": self.version.version,
            "rule_name": self.version.name,
            "source_documents": list(self.version.source_documents),
            "assessed_on": self.assessed_on.isoformat(),
            "verdict": self.verdict,
            "criteria": [c.as_json() for c in self.criteria],
            "score": self.score.as_json() if self.score else None,
            "flags": [f.as_json() for f in self.flags],
        }


def assess(
    profile: Mapping[str, Any],
    code: str,
    on_date: dt.date,
    *,
    estimates: Mapping[str, tuple[float, float]] | None = None,
) -> Outcome:
    """Assess a normalised profile (see :mod:`wutong.qualifications.profiles`) for one rule set on a date.

    ``estimates`` narrow expert-judged items: ``{"rd_management": (12, 15)}``. An estimate is intersected
    with the computed range; one that does not overlap it is ignored and flagged.
    """
    ruleset = get_ruleset(code)
    version = version_in_force(code, on_date)
    thresholds = version.thresholds
    inputs = ruleset.derive(profile, on_date, thresholds)

    score = _score(ruleset, version, inputs, estimates or {}) if ruleset.items else None
    if score is not None:
        inputs["score_min"] = score.min
        inputs["score_max"] = score.max
        for item in score.items:
            inputs[f"item_{item.id}_min"] = item.min
            inputs[f"item_{item.id}_max"] = item.max

    # A version may switch off criteria of the rule set that its document does not have ("skip": [ids]).
    skip = set(thresholds.get("skip", ()))
    results = []
    for criterion in ruleset.criteria:
        if criterion.id in skip:
            continue
        result = criterion.evaluate(inputs, thresholds)
        result.flags = [*version.flags_for(criterion.id), *result.flags]
        results.append(result)
    by_id = {r.id: r for r in results}
    verdict = ruleset.verdict(by_id, score) if ruleset.verdict else default_verdict(by_id, score)
    flags = version.flags_for("_rule_set") + [Flag(**f) for f in inputs.get("_flags", [])]
    public_inputs = {k: v for k, v in inputs.items() if not k.startswith("_")}
    return Outcome(ruleset, version, on_date, public_inputs, results, score, verdict, flags)


def _score(
    ruleset: RuleSet, version: RuleVersion, inputs: Inputs, estimates: Mapping[str, tuple[float, float]]
) -> ScoreSummary:
    items = []
    for item in ruleset.items:
        result = item.evaluate(inputs, version.thresholds)
        result.flags = [*version.flags_for(item.id), *result.flags]
        if item.id in estimates:
            low, high = estimates[item.id]
            new_low, new_high = max(result.min, low), min(result.max, high)
            if new_low <= new_high:
                result.min, result.max = new_low, new_high
                result.flags.append(
                    Flag("expert_estimate", f"已按专家估计收窄为 [{_num(low)}, {_num(high)}]")
                )
            else:
                result.flags.append(
                    Flag(
                        "expert_estimate_ignored",
                        f"专家估计 [{_num(low)}, {_num(high)}] 与计算区间不重叠，未采用",
                    )
                )
        items.append(result)

    groups = []
    total_min = total_max = 0.0
    grouped = {g.id: g for g in ruleset.groups}
    for group in ruleset.groups:
        members = [r for r, spec in zip(items, ruleset.items, strict=True) if spec.group == group.id]
        raw_min, raw_max = sum(r.min for r in members), sum(r.max for r in members)
        cap = version.thresholds[group.cap_key]
        g_min, g_max = min(cap, raw_min), min(cap, raw_max)
        groups.append(
            {
                "id": group.id,
                "label": group.label,
                "cap": cap,
                "min": _num(g_min),
                "max": _num(g_max),
                "uncapped_max": _num(raw_max),
            }
        )
        total_min += g_min
        total_max += g_max
    for result, spec in zip(items, ruleset.items, strict=True):
        if spec.group not in grouped:
            total_min += result.min
            total_max += result.max
    pass_mark = version.thresholds.get(ruleset.pass_mark_key) if ruleset.pass_mark_key else None
    return ScoreSummary(total_min, total_max, pass_mark, items, groups)


def default_verdict(criteria: Mapping[str, CriterionResult], score: ScoreSummary | None) -> str:
    """All criteria must pass: any fail → ineligible; else missing data → insufficient_data; else a
    question only a person can answer → possible; else eligible."""
    statuses = {c.status for c in criteria.values()}
    if CriterionStatus.FAIL in statuses:
        return Verdict.INELIGIBLE
    if CriterionStatus.NEEDS_DATA in statuses:
        return Verdict.INSUFFICIENT_DATA
    if CriterionStatus.NEEDS_REVIEW in statuses:
        return Verdict.POSSIBLE
    return Verdict.ELIGIBLE


# --- Input names (the columns a screening query must produce) ---------------------------------------

INPUT_LABELS: dict[str, str] = {
    "established_days": "成立日期",
    "years_count": "年度经营数据",
    "ip_known": "知识产权清单",
    "incidents_known": "重大事故/违法记录",
    "standards_known": "参与标准制定情况",
    "transformations_known": "科技成果转化数",
    "holdings_known": "已获资质记录",
}

FIELD_LABELS = {
    "sales_revenue": "销售收入",
    "total_income": "总收入",
    "high_tech_revenue": "高新技术产品（服务）收入",
    "rd_expense": "研发费用",
    "rd_expense_domestic": "境内研发费用",
    "cost_expense_total": "成本费用总额",
    "net_assets": "净资产",
    "total_assets": "资产总额",
    "total_liabilities": "负债总额",
    "main_business_revenue": "主营业务收入",
    "operating_revenue": "营业收入",
    "employees": "职工总数",
    "tech_staff": "科技人员数",
    "rd_staff": "研发人员数",
}

# Derived inputs of the other rule sets, named as the messages show them (never the raw key).
INPUT_LABELS.update(
    {
        "award_3y": "近三年国家级或省级科技奖励",
        "emerging_industry": "战略性新兴产业领域",
        "equity_2y": "近两年新增股权融资",
        "equity_3y": "近三年新增股权融资",
        "has_provincial_rd_institution": "省级以上研发机构",
        "holds_chuangxin": "创新型中小企业称号",
        "holds_gaoxin": "高新技术企业资格",
        "incidents_3y": "近三年重大事故/违法记录",
        "incidents_in_window": "重大事故/违法记录",
        "industry": "所属行业",
        "ip_valid_acquired": "有效知识产权的取得方式",
        "ip_valid_class1": "有效Ⅰ类知识产权数",
        "ip_valid_class2": "有效Ⅱ类知识产权数",
        "ip_valid_class2_unused": "未用于高企申报的有效Ⅱ类知识产权数",
        "ip_valid_count": "有效知识产权数",
        "ip_valid_self": "自主研发的有效知识产权数",
        "last_debt_ratio": "上一年度资产负债率",
        "last_main_share": "上一年度主营业务收入占营业收入比重",
        "last_operating": "上一年度营业收入",
        "last_rd_main_ratio": "上一年度研发经费占主营业务收入比例",
        "last_rd_ratio": "上一年度研发费用占营业收入比例",
        "main_growth_avg2": "近两年主营业务收入平均增长率",
        "main_growth_last": "上一年度主营业务收入增长率",
        "market_years": "从事特定细分市场年限",
        "rd_equipment_value": "研发仪器设备原值",
        "rd_ratio_two_year_min": "近两年研发费用占营业收入比例",
        "rd_two_year_avg": "近两年研发费用平均值",
        "rd_two_year_each_min": "近两年每年研发费用",
        "rd_two_year_total": "近两年研发费用合计",
        "route_award": "近五年国家级科技奖励",
        "route_gaoxin": "有效期内的高新技术企业证书",
        "route_institution": "省部级以上研发机构",
        "route_standard": "主导制定的标准",
        "standards_count": "参与制定的标准数",
        "transformation_years": "科技成果转化的年度数",
        "transformations_total": "科技成果转化数合计",
    }
)

for _field, _label in FIELD_LABELS.items():
    INPUT_LABELS[f"last_{_field}"] = f"上一年度{_label}"
    INPUT_LABELS[f"prev_{_field}"] = f"前二年度{_label}"
    INPUT_LABELS[f"first_{_field}"] = f"前三年度{_label}"
    INPUT_LABELS[f"sum_{_field}"] = f"近三年{_label}合计"


def ceil_persons(value: float) -> int:
    """A headcount shortfall rounded up to whole persons (0.10 × 125 − 12 = 0.5 → 1 person)."""
    return max(0, math.ceil(rnd(value)))


# --- Cultivation pools: stage transitions ---------------------------------------------------------


@dataclass(frozen=True)
class StageDecision:
    """Whether a pool member may move from one stage to another, and why not."""

    allowed: bool
    reason: str = ""


#: 潜力 → 辅导 → 预审 → 申报 → 认定 / 未通过. A member may step back one stage before applying (辅导
#: found it not ready), be dropped back to 潜力 at any time before applying, and a rejected member may
#: start again the next round (未通过 → 辅导). 认定 is final.
STAGE_MOVES: dict[str, frozenset[str]] = {
    "potential": frozenset({"coaching"}),
    "coaching": frozenset({"prereview", "potential"}),
    "prereview": frozenset({"applied", "coaching", "potential"}),
    "applied": frozenset({"certified", "rejected"}),
    "certified": frozenset(),
    "rejected": frozenset({"coaching"}),
}
STAGE_LABELS = {
    "potential": "潜力",
    "coaching": "辅导",
    "prereview": "预审",
    "applied": "申报",
    "certified": "认定",
    "rejected": "未通过",
}


def stage_move(current: str, target: str, *, has_batch: bool = False) -> StageDecision:
    """Decide one stage transition; every refusal says why. Moving to 申报 needs an application batch."""
    if current == target:
        return StageDecision(False, f"已处于“{STAGE_LABELS.get(target, target)}”阶段")
    if target not in STAGE_MOVES:
        return StageDecision(False, f"未知阶段：{target}")
    if target not in STAGE_MOVES.get(current, frozenset()):
        if current == "certified":
            return StageDecision(False, "已认定的企业不再变更阶段")
        allowed = "、".join(
            STAGE_LABELS[s] for s in sorted(STAGE_MOVES[current], key=list(STAGE_LABELS).index)
        )
        return StageDecision(
            False,
            f"不能从“{STAGE_LABELS[current]}”直接转为“{STAGE_LABELS[target]}”（可转为：{allowed or '无'}）",
        )
    if target == "applied" and not has_batch:
        return StageDecision(False, "转为“申报”须指定申报批次")
    return StageDecision(True)
