"""Statistical classifications the bureau tracks: 规模以上 ("四上") and 中小企业划型
(工信部联企业〔2011〕300号).

Both read the enterprise's GB/T 4754 industry (``industry``: "I6513" or "6513") and last year's figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wutong.qualifications.choices import CriterionStatus
from wutong.qualifications.criteria import _n
from wutong.qualifications.profiles import base_inputs
from wutong.qualifications.rules import (
    Criterion,
    CriterionResult,
    Flag,
    Inputs,
    RuleSet,
    Thresholds,
    register,
    rnd,
    wan,
)

PASS, FAIL = CriterionStatus.PASS, CriterionStatus.FAIL
NEEDS_DATA, NEEDS_REVIEW = CriterionStatus.NEEDS_DATA, CriterionStatus.NEEDS_REVIEW

# GB/T 4754-2017: the 大类 (two digits) ranges of each 门类.
SECTION_RANGES = (
    ("A", 1, 5),
    ("B", 6, 12),
    ("C", 13, 43),
    ("D", 44, 46),
    ("E", 47, 50),
    ("F", 51, 52),
    ("G", 53, 60),
    ("H", 61, 62),
    ("I", 63, 65),
    ("J", 66, 69),
    ("K", 70, 70),
    ("L", 71, 72),
    ("M", 73, 75),
    ("N", 76, 79),
    ("O", 80, 82),
    ("P", 83, 83),
    ("Q", 84, 85),
    ("R", 86, 90),
    ("S", 91, 96),
    ("T", 97, 97),
)


def parse_industry(code: str | None) -> dict[str, str] | None:
    """``"I6513"`` or ``"6513"`` → section I, division 65, class 6513 (section derived from the division)."""
    if not code:
        return None
    digits = code.lstrip("ABCDEFGHIJKLMNOPQRST")
    if not digits.isdigit() or len(digits) < 2:
        return None
    division = int(digits[:2])
    section = next((s for s, lo, hi in SECTION_RANGES if lo <= division <= hi), "")
    return {"section": section, "division": digits[:2], "class": digits[:4] if len(digits) >= 4 else ""}


def match_category(
    industry: Mapping[str, str], categories: list[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The most specific category (小类, then 大类, then 门类) that lists the industry."""
    for level, key in (("classes", "class"), ("divisions", "division"), ("sections", "section")):
        for category in categories:
            if industry[key] and industry[key] in category.get(level, ()):
                return category
    return None


REVENUE_LABELS = {
    "operating_revenue": "营业收入",
    "main_business_revenue": "主营业务收入",
    "sales_revenue": "销售收入",
}


def revenue(inputs: Mapping[str, Any], basis: str) -> tuple[float | None, list[Flag]]:
    value = inputs.get(f"last_{basis}")
    if value is not None:
        return value, []
    for fallback in ("operating_revenue", "main_business_revenue", "sales_revenue"):
        if fallback != basis and inputs.get(f"last_{fallback}") is not None:
            return inputs[f"last_{fallback}"], [
                Flag("revenue_basis", f"缺少{REVENUE_LABELS[basis]}，以{REVENUE_LABELS[fallback]}代替", "I")
            ]
    return None, []


def derive(profile: Mapping[str, Any], on_date: dt.date, t: Thresholds) -> dict[str, Any]:
    inputs = base_inputs(profile, on_date, 1)
    inputs["industry"] = parse_industry(profile.get("industry"))
    return inputs


@dataclass(frozen=True)
class AboveScale(Criterion):
    """规模以上/限额以上: last year's revenue against the threshold of the enterprise's industry category."""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        industry = inputs.get("industry")
        if industry is None:
            return self.needs_data(["industry"])
        category = match_category(industry, t["categories"])
        if category is None:
            return CriterionResult(
                self.id,
                FAIL,
                None,
                None,
                None,
                "",
                f"{self.label}：{industry['section']}{industry['division']} 行业不在“四上”统计范围",
            )
        if category.get("review"):
            return CriterionResult(
                self.id,
                NEEDS_REVIEW,
                None,
                None,
                None,
                "",
                f"{self.label}：{category['label']}——{category['review']}",
            )
        value, flags = revenue(inputs, category["basis"])
        need = category["min"]
        if value is None:
            result = self.needs_data([f"last_{category['basis']}"], threshold=need, unit="万元")
            result.message = f"{self.label}（{category['label']}）：缺少上一年度收入"
            return result
        if rnd(value) >= need:
            return CriterionResult(
                self.id,
                PASS,
                _n(round(value, 2)),
                need,
                0,
                "万元",
                f"{category['label']}：上年度收入 {wan(value)} 万元，达到 {need} 万元",
                flags,
            )
        return CriterionResult(
            self.id,
            FAIL,
            _n(round(value, 2)),
            need,
            round(need - value, 2),
            "万元",
            f"{category['label']}：上年度收入 {wan(value)} 万元，低于 {need} 万元；"
            f"差 {wan(need - value)} 万元",
            flags,
        )


@dataclass(frozen=True)
class SizeClassCriterion(Criterion):
    """中小企业划型: large / medium / small / micro. Large, medium and small need the lower bounds of *all*
    indicators; micro needs only one. Pass = a 中小企业 (not large)."""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        industry = inputs.get("industry")
        if industry is None:
            return self.needs_data(["industry"])
        standard = match_category(industry, t["standards"])
        if standard is None:
            return CriterionResult(
                self.id,
                NEEDS_REVIEW,
                None,
                None,
                None,
                "",
                f"{self.label}：本系统尚未录入 {industry['section']} 门类的划型标准，需人工划型",
            )
        staff = inputs.get("last_employees")
        value, flags = revenue(inputs, "operating_revenue")
        if staff is None or value is None:
            return self.needs_data(
                [n for n, v in (("last_employees", staff), ("last_operating_revenue", value)) if v is None]
            )
        size = "micro"
        for tier in standard["tiers"]:
            if staff >= tier["staff"] and rnd(value) >= tier["revenue"]:
                size = tier["class"]
                break
        label = {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}[size]
        text = f"{standard['label']}：从业人员 {_n(staff)} 人、营业收入 {wan(value)} 万元，划为{label}企业"
        status = FAIL if size == "large" else PASS
        return CriterionResult(self.id, status, size, "中小微", None, "", text, flags)


GUISHANG = register(
    RuleSet(
        code="guishang",
        name="规模以上（四上）企业",
        derive=derive,
        criteria=(
            AboveScale(
                "above_scale",
                "规模以上/限额以上",
                "统计制度",
                ("industry", "last_main_business_revenue", "last_operating_revenue"),
            ),
        ),
    )
)

SIZE_CLASS = register(
    RuleSet(
        code="size_class",
        name="中小企业划型",
        derive=derive,
        criteria=(
            SizeClassCriterion(
                "sme",
                "中小企业划型",
                "工信部联企业〔2011〕300号",
                ("industry", "last_employees", "last_operating_revenue"),
            ),
        ),
    )
)
