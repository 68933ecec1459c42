"""Reusable declarative criteria and score items. A rule set is mostly a list of these, configured
with input names and threshold keys; the few one-off rules live beside their rule set."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from wutong.qualifications import vector as v
from wutong.qualifications.choices import CriterionStatus
from wutong.qualifications.rules import (
    INPUT_LABELS,
    Criterion,
    CriterionResult,
    Inputs,
    ItemResult,
    ScoreItem,
    Thresholds,
    band_points,
    ceil_persons,
    pct,
    rnd,
    wan,
)

PASS, FAIL = CriterionStatus.PASS, CriterionStatus.FAIL
NEEDS_DATA, NEEDS_REVIEW = CriterionStatus.NEEDS_DATA, CriterionStatus.NEEDS_REVIEW
STATUS_CODES = v.STATUS_CODE


def money_up(amount: float) -> float:
    """A money shortfall in 万元 rounded *up* to the cent, so a tiny gap never shows as 0."""
    return max(0.0, math.ceil(round(amount * 100, 6)) / 100)


def tiered(value: float, tiers: Sequence[Mapping[str, Any]]) -> Any:
    """The threshold of the first tier whose ``up_to`` (inclusive) holds ``value``; ``up_to`` null = no
    upper bound. 国高 R&D: ``[{"up_to": 5000, "ratio": 0.05}, {"up_to": 20000, …}, {"up_to": null, …}]``."""
    for tier in tiers:
        if tier.get("up_to") is None or rnd(value) <= tier["up_to"]:
            return tier
    raise ValueError("tiers must end with an open tier (up_to: null)")


@dataclass(frozen=True)
class MinimumDays(Criterion):
    """At least N days from a date to the assessment date (注册成立一年以上)."""

    days_input: str = "established_days"
    threshold_key: str = ""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        need = t[self.threshold_key]
        if inputs.get(self.days_input) is None:
            return self.needs_data([self.days_input], threshold=need, unit="天")
        days = inputs[self.days_input]
        if days >= need:
            return CriterionResult(
                self.id, PASS, days, need, 0, "天", f"{self.label}：已成立 {days} 天，满足不少于 {need} 天"
            )
        return CriterionResult(
            self.id,
            FAIL,
            days,
            need,
            need - days,
            "天",
            f"{self.label}：成立 {days} 天，不足 {need} 天；还需 {need - days} 天",
        )

    def check_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Codes, v.Floats]:
        need = t[self.threshold_key]
        days = cols.col(self.days_input)
        with np.errstate(invalid="ignore"):
            passed = days >= need
        status = np.where(np.isnan(days), v.NEEDS_DATA, np.where(passed, v.PASS, v.FAIL)).astype(np.int8)
        gap = np.where(status == v.FAIL, need - days, np.where(status == v.PASS, 0.0, np.nan))
        return status, gap


@dataclass(frozen=True)
class RatioAtLeast(Criterion):
    """numerator ÷ denominator ≥ threshold. Value and threshold are fractions; the gap (and ``unit``)
    is in the numerator's unit: persons (rounded up) or 万元 (rounded up to the cent).
    ``tiers_key``/``tier_by`` choose the threshold by another input."""

    numerator: str = ""
    denominator: str = ""
    threshold_key: str = ""
    tiers_key: str = ""
    tier_by: str = ""
    gap_unit: str = "万元"
    what: str = ""  # "研发费用占同期销售收入"
    gap_phrase: str = ""  # "需再投入研发费用"

    def threshold(self, inputs: Inputs, t: Thresholds) -> float | None:
        if self.tiers_key:
            if inputs.get(self.tier_by) is None:
                return None
            return float(tiered(inputs[self.tier_by], t[self.tiers_key])["ratio"])
        return float(t[self.threshold_key])

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        needed = [self.numerator, self.denominator] + ([self.tier_by] if self.tier_by else [])
        missing = self.missing(inputs, needed)
        threshold = None if self.tier_by in missing else self.threshold(inputs, t)
        if missing:
            return self.needs_data(missing, threshold=threshold, unit=self.gap_unit)
        assert threshold is not None
        num, den = float(inputs[self.numerator]), float(inputs[self.denominator])
        if den <= 0:
            return CriterionResult(
                self.id,
                NEEDS_REVIEW,
                None,
                threshold,
                None,
                self.gap_unit,
                f"{self.label}：{INPUT_LABELS.get(self.denominator, self.denominator)}为 {wan(den)}，"
                "无法计算比例，需人工核实",
            )
        ratio = num / den
        if rnd(ratio) >= threshold:
            return CriterionResult(
                self.id,
                PASS,
                round(ratio, 6),
                threshold,
                0,
                self.gap_unit,
                f"{self.what} {pct(ratio)}，达到 {pct(threshold)} 的要求",
            )
        shortfall = threshold * den - num
        if self.gap_unit == "人":
            gap: float = ceil_persons(shortfall)
            gap_text = f"{gap} 人"
        else:
            gap = money_up(shortfall)
            gap_text = f"{wan(gap)} 万元"
        return CriterionResult(
            self.id,
            FAIL,
            round(ratio, 6),
            threshold,
            gap,
            self.gap_unit,
            f"{self.what} {pct(ratio)}，低于 {pct(threshold)} 的要求；{self.gap_phrase} {gap_text}",
        )

    def check_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Codes, v.Floats]:
        num, den = cols.col(self.numerator), cols.col(self.denominator)
        missing = np.isnan(num) | np.isnan(den)
        if self.tiers_key:
            by = cols.col(self.tier_by)
            missing |= np.isnan(by)
            threshold = v.tier_columns(by, t[self.tiers_key], "ratio")
        else:
            threshold = np.full(cols.n, float(t[self.threshold_key]))
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            review = ~missing & (den <= 0)
            counted = ~missing & ~review
            ratio = np.where(counted, num / np.where(counted, den, 1.0), np.nan)
            passed = counted & (v.rnd_columns(ratio) >= threshold)
            shortfall = np.where(counted & ~passed, threshold * den - num, np.nan)
        gap = v.ceil_persons_columns(shortfall) if self.gap_unit == "人" else v.money_up_columns(shortfall)
        status = np.select([missing, review, passed], [v.NEEDS_DATA, v.NEEDS_REVIEW, v.PASS], v.FAIL).astype(
            np.int8
        )
        gap = np.where(passed, 0.0, gap)
        return status, gap


@dataclass(frozen=True)
class NoEvents(Criterion):
    """No recorded event (重大安全、质量事故，严重环境违法…) in the window the rule set derives."""

    count_input: str = ""
    window_text: str = ""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        if inputs.get(self.count_input) is None:
            return self.needs_data(["incidents_known"], threshold=0, unit="起")
        count = inputs[self.count_input]
        if count == 0:
            return CriterionResult(
                self.id, PASS, 0, 0, 0, "起", f"{self.label}：{self.window_text}未记录重大事故或违法行为"
            )
        return CriterionResult(
            self.id,
            FAIL,
            count,
            0,
            count,
            "起",
            f"{self.label}：{self.window_text}记录有 {count} 起重大事故或违法行为",
        )

    def check_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Codes, v.Floats]:
        count = cols.col(self.count_input)
        status = np.select([np.isnan(count), count == 0], [v.NEEDS_DATA, v.PASS], v.FAIL).astype(np.int8)
        return status, np.where(status == v.NEEDS_DATA, np.nan, count)


@dataclass(frozen=True)
class ExpertReview(Criterion):
    """A condition only a person can decide (技术领域的归属): always needs_review, with what to check."""

    question: str = ""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        return CriterionResult(self.id, NEEDS_REVIEW, None, None, None, "", f"{self.label}：{self.question}")

    def check_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Codes, v.Floats]:
        return v.statuses(cols.n, v.NEEDS_REVIEW), cols.nan()


@dataclass(frozen=True)
class ScoreReaches(Criterion):
    """The score range against the pass mark: pass if even the minimum reaches it, fail if even the
    maximum misses it, otherwise an expert decides (or data are missing). Gap: on fail, the points the
    maximum lacks (the least that must change); otherwise the points the minimum lacks."""

    pass_mark_key: str = ""
    open_status: str = NEEDS_REVIEW

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        mark = t[self.pass_mark_key]
        low, high = inputs["score_min"], inputs["score_max"]
        value = [_n(low), _n(high)]
        if low >= mark:
            return CriterionResult(
                self.id,
                PASS,
                value,
                mark,
                0,
                "分",
                f"{self.label}：得分 {_range([low, high])} 分，最低也达到 {mark} 分",
            )
        if high < mark:
            return CriterionResult(
                self.id,
                FAIL,
                value,
                mark,
                _n(mark - high),
                "分",
                f"{self.label}：得分 {_range([low, high])} 分，最高也不足 {mark} 分；"
                f"至少还差 {_n(mark - high)} 分",
            )
        return CriterionResult(
            self.id,
            self.open_status,
            value,
            mark,
            _n(mark - low),
            "分",
            f"{self.label}：得分 {_range([low, high])} 分，{mark} 分线在区间内；"
            f"按下限还差 {_n(mark - low)} 分",
        )

    def check_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Codes, v.Floats]:
        mark = t[self.pass_mark_key]
        low, high = cols.col("score_min"), cols.col("score_max")
        passed, failed = low >= mark, ~(low >= mark) & (high < mark)
        status = np.select([passed, failed], [v.PASS, v.FAIL], STATUS_CODES[self.open_status]).astype(np.int8)
        gap = np.where(passed, 0.0, v.n_columns(np.where(failed, mark - high, mark - low)))
        return status, gap


def _n(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


# --- Score items ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertRange(ScoreItem):
    """Scored by experts: [0, max], or [0, 0] when the thing judged does not exist (no valid IP)."""

    requires: str = ""  # an input that must be > 0, e.g. ip_valid_count
    requires_text: str = ""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        if self.requires:
            if inputs.get(self.requires) is None:
                return self.unknown(["ip_known"])
            if not inputs[self.requires]:
                return ItemResult(self.id, 0, 0, message=f"{self.label}：{self.requires_text}，0 分")
        return ItemResult(
            self.id, 0, self.max_points, message=f"{self.label}：由专家评分，0–{_n(self.max_points)} 分"
        )

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        high = np.full(cols.n, float(self.max_points))
        if self.requires:
            high = np.where(cols.col(self.requires) == 0, 0.0, high)
        return np.zeros(cols.n), high


@dataclass(frozen=True)
class BandedRatio(ScoreItem):
    """numerator ÷ denominator placed in a band table (``bands_key``); points are [lo, hi] per band."""

    numerator: str = ""
    denominator: str = ""
    bands_key: str = ""
    what: str = ""

    def ratio(self, inputs: Inputs) -> float | None:
        num, den = inputs.get(self.numerator), inputs.get(self.denominator)
        if num is None or den is None or den <= 0:
            return None
        return num / den

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        ratio = self.ratio(inputs)
        if ratio is None:
            missing = self.missing_names(inputs)
            return self.unknown(missing or [self.denominator])
        points, label = band_points(ratio, t[self.bands_key])
        return ItemResult(
            self.id,
            points[0],
            points[1],
            round(ratio, 6),
            f"{self.what} {pct(ratio)}{f'（{label}档）' if label else ''}，{_range(points)} 分",
        )

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        num, den = cols.col(self.numerator), cols.col(self.denominator)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            known = ~np.isnan(num) & ~np.isnan(den) & (den > 0)
            ratio = np.where(known, num / np.where(known, den, 1.0), np.nan)
        low, high = v.band_columns(ratio, t[self.bands_key])
        return np.where(known, low, 0.0), np.where(known, high, float(self.max_points))

    def missing_names(self, inputs: Inputs) -> list[str]:
        return [n for n in (self.numerator, self.denominator) if inputs.get(n) is None]


def _range(points: Sequence[float]) -> str:
    return f"{_n(points[0])}" if points[0] == points[1] else f"{_n(points[0])}–{_n(points[1])}"


@dataclass(frozen=True)
class BandedValue(ScoreItem):
    """One input value placed in a band table."""

    value_input: str = ""
    bands_key: str = ""
    what: str = ""
    unit: str = ""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        value = inputs.get(self.value_input)
        if value is None:
            return self.unknown([self.value_input])
        points, _label = band_points(value, t[self.bands_key])
        shown = pct(value) if self.unit == "比例" else f"{_n(value)}{self.unit}"
        return ItemResult(self.id, points[0], points[1], value, f"{self.what} {shown}，{_range(points)} 分")


UNIT_WORDS = {"万元": "万元", "人": "人", "年": "年", "项": "项", "比例": ""}


def _show(value: float, unit: str) -> str:
    if unit == "比例":
        return pct(value)
    if unit == "万元":
        return f"{wan(value)} 万元"
    return f"{_n(round(value, 2))} {unit}".rstrip()


@dataclass(frozen=True)
class Compare(Criterion):
    """One input against one threshold: ``op`` ">=" (at least) or "<=" (at most). The gap is the
    distance to the threshold in the input's unit (persons rounded up)."""

    value_input: str = ""
    threshold_key: str = ""
    op: str = ">="
    unit: str = ""
    what: str = ""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        need = t[self.threshold_key]
        value = inputs.get(self.value_input)
        if value is None:
            return self.needs_data([self.value_input], threshold=need, unit=self.unit)
        ok = rnd(value) >= need if self.op == ">=" else rnd(value) <= need
        shown = round(value, 6) if self.unit == "比例" else _n(round(value, 2))
        if ok:
            word = "达到" if self.op == ">=" else "未超过"
            return CriterionResult(
                self.id,
                PASS,
                shown,
                need,
                0,
                self.unit,
                f"{self.what} {_show(value, self.unit)}，{word} {_show(need, self.unit)} 的要求",
            )
        distance = need - value if self.op == ">=" else value - need
        if self.unit == "人":
            gap: float = ceil_persons(distance)
        elif self.unit == "万元":
            gap = money_up(distance)
        else:
            gap = round(distance, 6)
        word = "低于" if self.op == ">=" else "超过"
        return CriterionResult(
            self.id,
            FAIL,
            shown,
            need,
            gap,
            self.unit,
            f"{self.what} {_show(value, self.unit)}，{word} {_show(need, self.unit)} 的要求；"
            f"差 {_show(gap, self.unit)}",
        )


@dataclass(frozen=True)
class AnyOf(Criterion):
    """Alternatives (营收 ≥ 1000 万 *or* 融资 ≥ 2000 万): pass if one passes, fail if all fail."""

    options: tuple[Criterion, ...] = ()

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        results = [option.evaluate(inputs, t) for option in self.options]
        value = {r.id: r.status for r in results}
        messages = "；".join(r.message for r in results)
        flags = [f for r in results for f in r.flags]
        if any(r.status == PASS for r in results):
            return CriterionResult(self.id, PASS, value, "任一", 0, "", f"{self.label}：{messages}", flags)
        if all(r.status == FAIL for r in results):
            return CriterionResult(self.id, FAIL, value, "任一", None, "", f"{self.label}：{messages}", flags)
        status = NEEDS_DATA if any(r.status == NEEDS_DATA for r in results) else NEEDS_REVIEW
        return CriterionResult(self.id, status, value, "任一", None, "", f"{self.label}：{messages}", flags)


@dataclass(frozen=True)
class AllOf(Criterion):
    """Conditions that must all hold (研发费用 ≥ 100 万 *and* ≥ 3 %): fail if one fails."""

    options: tuple[Criterion, ...] = ()

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        results = [option.evaluate(inputs, t) for option in self.options]
        value = {r.id: r.status for r in results}
        messages = "；".join(r.message for r in results)
        flags = [f for r in results for f in r.flags]
        failed = [r for r in results if r.status == FAIL]
        if failed:
            gap = {r.id: r.gap for r in failed}
            return CriterionResult(self.id, FAIL, value, "全部", gap, "", f"{self.label}：{messages}", flags)
        if all(r.status == PASS for r in results):
            return CriterionResult(self.id, PASS, value, "全部", 0, "", f"{self.label}：{messages}", flags)
        status = NEEDS_DATA if any(r.status == NEEDS_DATA for r in results) else NEEDS_REVIEW
        return CriterionResult(self.id, status, value, "全部", None, "", f"{self.label}：{messages}", flags)


@dataclass(frozen=True)
class IsTrue(Criterion):
    """A yes/no fact (holds a valid 创新型 title; has a 省级 R&D institution): None means no data."""

    flag_input: str = ""
    yes: str = ""
    no: str = ""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        value = inputs.get(self.flag_input)
        if value is None:
            return self.needs_data([self.flag_input])
        if value:
            return CriterionResult(self.id, PASS, True, True, 0, "", f"{self.label}：{self.yes}")
        return CriterionResult(self.id, FAIL, False, True, None, "", f"{self.label}：{self.no}")
