"""国家高新技术企业 (国科发火〔2016〕32号 第十一条; 工作指引 国科发火〔2016〕195号 第十条 创新能力评价).

Years: assessed on D (Y = D's year), the fiscal years Y−3, Y−2, Y−1 on record; "last year" = Y−1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from wutong.qualifications import vector as v
from wutong.qualifications.choices import CriterionStatus, Verdict
from wutong.qualifications.criteria import (
    ExpertRange,
    ExpertReview,
    MinimumDays,
    NoEvents,
    RatioAtLeast,
    ScoreReaches,
    _n,
    _range,
)
from wutong.qualifications.profiles import base_inputs, incidents_between
from wutong.qualifications.rules import (
    Criterion,
    CriterionResult,
    Flag,
    Inputs,
    ItemResult,
    RuleSet,
    ScoreGroup,
    ScoreItem,
    ScoreSummary,
    Thresholds,
    band_points,
    pct,
    register,
    rnd,
)

FAIL, PASS = CriterionStatus.FAIL, CriterionStatus.PASS


def derive(profile: Mapping[str, Any], on_date: dt.date, t: Thresholds) -> dict[str, Any]:
    inputs = base_inputs(profile, on_date, t["fiscal_years"])
    window_start = on_date - dt.timedelta(days=t["incident_window_days"])
    inputs["incidents_in_window"] = incidents_between(profile, window_start, on_date)
    standards = profile.get("standards")
    inputs["standards_count"] = None if standards is None else len(standards)
    transformations = profile.get("transformations")
    if transformations is None:
        inputs["transformations_total"] = None
        inputs["transformation_years"] = None
    else:
        years = inputs["window_years"] or [
            y for y in range(on_date.year - t["fiscal_years"], on_date.year) if y in transformations
        ]
        inputs["transformations_total"] = sum(transformations.get(y) or 0 for y in years)
        inputs["transformation_years"] = len(years)
    return inputs


#: What the 国高 criteria and items read from the registry: figures (→ how many of the latest fiscal
#: years) and IP counts.
FRAME_FIELDS = {
    "sales_revenue": 3,
    "rd_expense": 3,
    "rd_expense_domestic": 3,
    "net_assets": 3,
    "high_tech_revenue": 1,
    "total_income": 1,
    "employees": 1,
    "tech_staff": 1,
}
FRAME_IP = (
    "ip_valid_count",
    "ip_valid_class1",
    "ip_valid_class2_unused",
    "ip_valid_self",
    "ip_valid_acquired",
    "ip_valid_acquisition_unknown",
)


def derive_columns(frame: v.Columns, on_date: dt.date, t: Thresholds) -> v.Columns:
    """:func:`derive` on a registry frame. The registry holds no incident record, standards or
    成果转化 counts, so those inputs are None (NaN) for every row, as for a registry profile."""
    cols = v.base_columns(frame, on_date, t["fiscal_years"], FRAME_FIELDS, FRAME_IP)
    for name in ("incidents_in_window", "standards_count", "transformations_total", "transformation_years"):
        cols[name] = cols.nan()
    return cols


@dataclass(frozen=True)
class HasValidIP(Criterion):
    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        if inputs.get("ip_known") is None:
            return self.needs_data(["ip_known"], threshold=1, unit="项")
        count = inputs["ip_valid_count"]
        flags = []
        if inputs.get("ip_status_unknown"):
            flags.append(
                Flag("ip_status_unknown", f"{inputs['ip_status_unknown']} 项知识产权缺少法律状态，未计入")
            )
        if count >= 1:
            return CriterionResult(
                self.id, PASS, count, 1, 0, "项", f"{self.label}：拥有有效知识产权 {count} 项", flags
            )
        return CriterionResult(
            self.id,
            FAIL,
            0,
            1,
            1,
            "项",
            f"{self.label}：没有有效的知识产权；需至少获得 1 项（如发明专利、软件著作权）",
            flags,
        )

    def check_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Codes, v.Floats]:
        known, count = cols.known("ip_known"), cols.col("ip_valid_count")
        status = np.select([~known, count >= 1], [v.NEEDS_DATA, v.PASS], v.FAIL).astype(np.int8)
        gap = np.select([status == v.PASS, status == v.FAIL], [0.0, 1.0], np.nan)
        return status, gap


@dataclass(frozen=True)
class IPQuantity(ScoreItem):
    """知识产权数量: Ⅰ类 ≥ 1 → A; else Ⅱ类 not yet used for a 高企 application by count (Ⅱ类 usable once)."""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        if inputs.get("ip_known") is None:
            return self.unknown(["ip_known"])
        bands = t["ip_quantity"]
        class1, class2 = inputs["ip_valid_class1"], inputs["ip_valid_class2_unused"]
        value = {"class1": class1, "class2_unused": class2}
        if class1 >= bands["class1"]["min_count"]:
            points = bands["class1"]["points"]
            return ItemResult(
                self.id,
                points[0],
                points[1],
                value,
                f"有效Ⅰ类知识产权 {class1} 项（A档），{_range(points)} 分",
            )
        points, label = band_points(class2, bands["class2"])
        used = inputs["ip_valid_class2"] - class2
        note = f"（另有 {used} 项已用于高企申报，不再计）" if used else ""
        return ItemResult(
            self.id,
            points[0],
            points[1],
            value,
            f"无有效Ⅰ类知识产权，可用Ⅱ类 {class2} 项{note}"
            f"{f'（{label}档）' if label else '（E档）'}，{_range(points)} 分",
        )

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        bands = t["ip_quantity"]
        known = cols.known("ip_known")
        class1 = cols.col("ip_valid_class1") >= bands["class1"]["min_count"]
        low, high = v.band_columns(cols.col("ip_valid_class2_unused"), bands["class2"])
        first, top = bands["class1"]["points"]
        low, high = np.where(class1, first, low), np.where(class1, top, high)
        return np.where(known, low, 0.0), np.where(known, high, float(self.max_points))


@dataclass(frozen=True)
class IPAcquisitionItem(ScoreItem):
    """知识产权获得方式: any self-developed → A [1,6]; only 受让/受赠/并购 → B [1,3]; none → 0."""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        if inputs.get("ip_known") is None:
            return self.unknown(["ip_known"])
        bands = t["ip_acquisition"]
        if inputs["ip_valid_self"] or inputs["ip_valid_acquisition_unknown"]:
            flags = []
            if not inputs["ip_valid_self"]:
                flags.append(Flag("acquisition_unknown", "知识产权获得方式未填写，按可能有自主研发估计上限"))
            points = bands["self"]
            return ItemResult(
                self.id,
                points[0],
                points[1],
                "self",
                f"有自主研发的知识产权，{_range(points)} 分",
                flags=flags,
            )
        if inputs["ip_valid_acquired"]:
            points = bands["acquired_only"]
            return ItemResult(
                self.id,
                points[0],
                points[1],
                "acquired",
                f"仅有受让、受赠或并购的知识产权，{_range(points)} 分",
            )
        return ItemResult(self.id, 0, 0, None, "没有有效知识产权，0 分")

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        bands = t["ip_acquisition"]
        known = cols.known("ip_known")
        own = (cols.col("ip_valid_self") != 0) | (cols.col("ip_valid_acquisition_unknown") != 0)
        acquired = ~own & (cols.col("ip_valid_acquired") != 0)
        low = np.select([~known, own, acquired], [0.0, bands["self"][0], bands["acquired_only"][0]], 0.0)
        high = np.select(
            [~known, own, acquired], [self.max_points, bands["self"][1], bands["acquired_only"][1]], 0.0
        )
        return low.astype(np.float64), high.astype(np.float64)


@dataclass(frozen=True)
class StandardsBonus(ScoreItem):
    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        count = inputs.get("standards_count")
        if count is None:
            return self.unknown(["standards_known"])
        if count:
            points = t["standards_bonus"]
            return ItemResult(
                self.id, points[0], points[1], count, f"参与编制标准 {count} 项，加 {_range(points)} 分"
            )
        return ItemResult(self.id, 0, 0, 0, "未参与编制国家或行业标准，0 分")

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        count = cols.col("standards_count")
        low, high = t["standards_bonus"]
        missing, some = np.isnan(count), ~np.isnan(count) & (count != 0)
        return (
            np.select([missing, some], [0.0, low], 0.0).astype(np.float64),
            np.select([missing, some], [self.max_points, high], 0.0).astype(np.float64),
        )


@dataclass(frozen=True)
class Transformation(ScoreItem):
    """科技成果转化能力: the yearly average over the fiscal years used, placed in the A–F bands."""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        total, years = inputs.get("transformations_total"), inputs.get("transformation_years")
        if total is None:
            return self.unknown(["transformations_known"])
        if not years:
            return ItemResult(self.id, 0, 0, 0, "近三年没有可计的年度，0 分")
        average = total / years
        points, label = band_points(average, t["transformation_bands"])
        flags = []
        if years < t["fiscal_years"]:
            flags.append(Flag("fewer_years", f"按实际经营的 {years} 个年度求平均"))
        return ItemResult(
            self.id,
            points[0],
            points[1],
            round(average, 4),
            f"近 {years} 年成果转化 {_n(total)} 项，年均 {_n(round(average, 2))} 项"
            f"{f'（{label}档）' if label else '（F档）'}，{_range(points)} 分",
            flags=flags,
        )

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        total, years = cols.col("transformations_total"), cols.col("transformation_years")
        counted = ~np.isnan(total) & ~np.isnan(years) & (years != 0)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            average = np.where(counted, total / np.where(counted, years, 1.0), np.nan)
        low, high = v.band_columns(average, t["transformation_bands"])
        unknown = np.isnan(total)
        return (
            np.where(counted, low, 0.0),
            np.where(unknown, float(self.max_points), np.where(counted, high, 0.0)),
        )


def growth_rate(
    a: float | None, b: float | None, c: float | None, has_first: bool
) -> tuple[str, float | None]:
    """企业成长性 rate from year-end figures a (Y−3), b (Y−2), c (Y−1), as the 工作指引 defines it:

    * three years: g = ½ (b/a + c/b) − 1; a = 0 → "按后两年计算" g = c/b − 1;
    * two years (no Y−3): g = c/b − 1 (practice, flagged);
    * b = 0 → zero points; a negative base (a or b < 0) → zero points and a review flag.

    Returns (case, g); case is one of "three", "two", "a_zero", "b_zero", "negative_base", "too_few".
    """
    if b is None or c is None:
        return "too_few", None
    if has_first and a is not None:
        if a < 0 or b < 0:
            return "negative_base", None
        if b == 0:
            return "b_zero", None
        if a == 0:
            return "a_zero", c / b - 1
        return "three", 0.5 * (b / a + c / b) - 1
    if b < 0:
        return "negative_base", None
    if b == 0:
        return "b_zero", None
    return "two", c / b - 1


@dataclass(frozen=True)
class Growth(ScoreItem):
    """净资产增长率 / 销售收入增长率, each scored 0–10 on the A–F band table."""

    field_name: str = ""
    what: str = ""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        present = [inputs["has_first"], inputs["has_prev"], inputs["has_last"]]
        if sum(present) < 2 or not inputs["has_last"] or not inputs["has_prev"]:
            if sum(present) >= 2:  # Y−3 and Y−1 on record but Y−2 missing: cannot chain the rates
                return self.unknown([f"prev_{self.field_name}"])
            return ItemResult(
                self.id,
                0,
                0,
                None,
                f"{self.what}：经营不足两个会计年度，无法计算成长性，0 分",
                flags=[Flag("too_few_years", "不足两个年度，按 0 分计（实践口径）", "C")],
            )
        a = inputs[f"first_{self.field_name}"] if inputs["has_first"] else None
        b, c = inputs[f"prev_{self.field_name}"], inputs[f"last_{self.field_name}"]
        missing = [
            name
            for name, present_, value in (
                (f"first_{self.field_name}", inputs["has_first"], a),
                (f"prev_{self.field_name}", True, b),
                (f"last_{self.field_name}", True, c),
            )
            if present_ and value is None
        ]
        if missing:
            return self.unknown(missing)
        case, g = growth_rate(a, b, c, inputs["has_first"])
        if case == "negative_base":
            return ItemResult(
                self.id,
                0,
                0,
                None,
                f"{self.what}：基期数值为负，无法计算，按 0 分",
                flags=[
                    Flag("negative_base", "基期净资产或销售收入为负，按 0 分并需人工复核（本系统解释）", "I")
                ],
            )
        if case == "b_zero":
            return ItemResult(self.id, 0, 0, None, f"{self.what}：第二年数值为 0，按 0 分")
        assert g is not None
        points, label = band_points(g, t["growth_bands"])
        flags = []
        if case == "two":
            flags.append(
                Flag("two_year_formula", "只有两个年度，按 第二年÷第一年−1 计算（实践口径，待确认）", "C")
            )
        if case == "a_zero":
            flags.append(Flag("first_year_zero", "第一年数值为 0，按后两年计算"))
        return ItemResult(
            self.id,
            points[0],
            points[1],
            round(g, 6),
            f"{self.what} {pct(g)}{f'（{label}档）' if label else '（F档）'}，{_range(points)} 分",
            flags=flags,
        )

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        has_first, has_prev, has_last = (
            cols.col(name) == 1 for name in ("has_first", "has_prev", "has_last")
        )
        a = cols.col(f"first_{self.field_name}")
        b, c = cols.col(f"prev_{self.field_name}"), cols.col(f"last_{self.field_name}")
        present = has_first.astype(int) + has_prev + has_last
        too_few = (present < 2) | ~has_last | ~has_prev
        chain_gap = too_few & (present >= 2)  # Y−3 and Y−1 without Y−2: unknown
        missing = ~too_few & ((has_first & np.isnan(a)) | np.isnan(b) | np.isnan(c))
        live = ~too_few & ~missing
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            three = live & has_first
            zero = (three & ((a < 0) | (b < 0) | (b == 0))) | (live & ~has_first & (b <= 0))
            rated = live & ~zero
            safe_a, safe_b = np.where(rated & (a != 0), a, 1.0), np.where(rated, b, 1.0)
            g = np.where(three & (a != 0), 0.5 * (safe_b / safe_a + c / safe_b) - 1, c / safe_b - 1)
        low, high = v.band_columns(np.where(rated, g, np.nan), t["growth_bands"])
        unknown = chain_gap | missing
        return (
            np.where(rated, low, 0.0),
            np.where(unknown, float(self.max_points), np.where(rated, high, 0.0)),
        )


def verdict(criteria: Mapping[str, CriterionResult], score: ScoreSummary | None) -> str:
    """ineligible if a condition other than the innovation score fails; else insufficient_data if any
    needs data; else by the score range against 71: likely (min ≥ 71), possible (max ≥ 71), unlikely."""
    others = [c for cid, c in criteria.items() if cid != "innovation_score"]
    if any(c.status == CriterionStatus.FAIL for c in others):
        return Verdict.INELIGIBLE
    if any(c.status == CriterionStatus.NEEDS_DATA for c in criteria.values()):
        return Verdict.INSUFFICIENT_DATA
    assert score is not None and score.pass_mark is not None
    if score.min >= score.pass_mark:
        return Verdict.LIKELY
    if score.max >= score.pass_mark:
        return Verdict.POSSIBLE
    return Verdict.UNLIKELY


GAOXIN = register(
    RuleSet(
        code="gaoxin",
        name="国家高新技术企业",
        derive=derive,
        criteria=(
            MinimumDays(
                "registered_one_year",
                "注册成立一年以上",
                "第十一条(一)",
                ("established_days",),
                threshold_key="registered_days",
            ),
            HasValidIP(
                "core_ip", "拥有核心支持作用的知识产权", "第十一条(二)", ("ip_known", "ip_valid_count")
            ),
            ExpertReview(
                "key_field",
                "核心技术属于《国家重点支持的高新技术领域》",
                "第十一条(三)",
                question="需对照八大领域逐级确定主要产品（服务）的技术所属领域，由专家判断",
            ),
            RatioAtLeast(
                "tech_staff_ratio",
                "科技人员占比",
                "第十一条(四)",
                ("last_tech_staff", "last_employees"),
                numerator="last_tech_staff",
                denominator="last_employees",
                threshold_key="tech_staff_ratio",
                gap_unit="人",
                what="上一年度科技人员占职工总数",
                gap_phrase="需再增加科技人员",
            ),
            RatioAtLeast(
                "rd_expense_ratio",
                "研发费用占比",
                "第十一条(五)",
                ("sum_rd_expense", "sum_sales_revenue", "last_sales_revenue"),
                numerator="sum_rd_expense",
                denominator="sum_sales_revenue",
                tiers_key="rd_ratio_tiers",
                tier_by="last_sales_revenue",
                what="近三年研发费用占同期销售收入",
                gap_phrase="需再投入研发费用",
            ),
            RatioAtLeast(
                "rd_domestic_share",
                "境内研发费用占比",
                "第十一条(五)",
                ("sum_rd_expense_domestic", "sum_rd_expense"),
                numerator="sum_rd_expense_domestic",
                denominator="sum_rd_expense",
                threshold_key="rd_domestic_share",
                what="境内研发费用占全部研发费用",
                gap_phrase="境内研发费用需再增加",
            ),
            RatioAtLeast(
                "high_tech_revenue_share",
                "高新技术产品（服务）收入占比",
                "第十一条(六)",
                ("last_high_tech_revenue", "last_total_income"),
                numerator="last_high_tech_revenue",
                denominator="last_total_income",
                threshold_key="high_tech_revenue_share",
                what="上一年度高新技术产品（服务）收入占总收入",
                gap_phrase="高新技术产品（服务）收入需再增加",
            ),
            ScoreReaches(
                "innovation_score",
                "企业创新能力评价",
                "第十一条(七)",
                ("score_min", "score_max"),
                pass_mark_key="innovation_pass_mark",
            ),
            NoEvents(
                "no_major_incident",
                "申请前一年内无重大事故或严重环境违法",
                "第十一条(八)",
                ("incidents_in_window",),
                count_input="incidents_in_window",
                window_text="评估日前 365 天内",
            ),
        ),
        items=(
            ExpertRange(
                "tech_advancement",
                "技术的先进程度",
                "工作指引 十(一)1",
                8,
                ("ip_valid_count",),
                group="ip",
                expert=True,
                requires="ip_valid_count",
                requires_text="没有有效知识产权",
            ),
            ExpertRange(
                "core_support",
                "对主要产品（服务）的核心支持作用",
                "工作指引 十(一)2",
                8,
                ("ip_valid_count",),
                group="ip",
                expert=True,
                requires="ip_valid_count",
                requires_text="没有有效知识产权",
            ),
            IPQuantity(
                "ip_quantity",
                "知识产权数量",
                "工作指引 十(一)3",
                8,
                ("ip_valid_class1", "ip_valid_class2_unused"),
                group="ip",
            ),
            IPAcquisitionItem(
                "ip_acquisition",
                "知识产权获得方式",
                "工作指引 十(一)4",
                6,
                ("ip_valid_self", "ip_valid_acquired"),
                group="ip",
                expert=True,
            ),
            StandardsBonus(
                "standards_bonus",
                "参与编制标准（加分项）",
                "工作指引 十(一)5",
                2,
                ("standards_count",),
                group="ip",
            ),
            Transformation(
                "transformation",
                "科技成果转化能力",
                "工作指引 十(二)",
                30,
                ("transformations_total", "transformation_years"),
                expert=True,
            ),
            ExpertRange("rd_management", "研究开发组织管理水平", "工作指引 十(三)", 20, expert=True),
            Growth(
                "growth_net_assets",
                "净资产增长率",
                "工作指引 十(四)",
                10,
                ("first_net_assets", "prev_net_assets", "last_net_assets"),
                field_name="net_assets",
                what="净资产增长率",
            ),
            Growth(
                "growth_sales",
                "销售收入增长率",
                "工作指引 十(四)",
                10,
                ("first_sales_revenue", "prev_sales_revenue", "last_sales_revenue"),
                field_name="sales_revenue",
                what="销售收入增长率",
            ),
        ),
        groups=(ScoreGroup("ip", "知识产权", "ip_cap"),),
        pass_mark_key="innovation_pass_mark",
        verdict=verdict,
        derive_columns=derive_columns,
        frame_fields=FRAME_FIELDS,
        frame_ip=FRAME_IP,
    )
)

__all__ = ["GAOXIN", "growth_rate", "rnd"]
