"""优质中小企业梯度培育: 创新型中小企业, 专精特新中小企业, 专精特新"小巨人" (工信部企业〔2022〕63号,
and the 2026 revision 工信部企业〔2026〕2号 as far as third parties summarised it — every 2026 number is [C]).

Headline definitions: the conditions with numbers are computed; conditions that need the 梯度培育平台's
scoring or a person's judgement (market share, 链/品, the 13-indicator 专精特新 score) are needs_review.
Which version applies is chosen by date (2022 rules until 2026-03-31, the 2026 rules from 2026-04-01,
the switch date itself being [C]).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wutong.qualifications.choices import CriterionStatus
from wutong.qualifications.criteria import (
    AllOf,
    AnyOf,
    BandedValue,
    Compare,
    ExpertReview,
    IsTrue,
    ScoreReaches,
    _n,
    _range,
)
from wutong.qualifications.profiles import add_years, base_inputs
from wutong.qualifications.rules import (
    Criterion,
    CriterionResult,
    Flag,
    Inputs,
    ItemResult,
    RuleSet,
    ScoreItem,
    Thresholds,
    pct,
    register,
)

PASS, FAIL = CriterionStatus.PASS, CriterionStatus.FAIL
NEEDS_DATA, NEEDS_REVIEW = CriterionStatus.NEEDS_DATA, CriterionStatus.NEEDS_REVIEW


def _ratio(num: float | None, den: float | None) -> float | None:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def _holding_valid(profile: Mapping[str, Any], code: str, on_date: dt.date, years: int = 3) -> bool | None:
    holdings = profile.get("holdings")
    if holdings is None:
        return None
    return any(
        h["code"] == code
        and h["issued"] is not None
        and h["issued"] <= on_date < (h.get("expires") or add_years(h["issued"], years))
        for h in holdings
    )


def tier_inputs(profile: Mapping[str, Any], on_date: dt.date, t: Thresholds) -> dict[str, Any]:
    """Flat inputs the tiering rules read, on top of :func:`base_inputs` (Y−3 … Y−1)."""
    inputs = base_inputs(profile, on_date, 3)
    for prefix in ("first", "prev", "last"):
        operating = inputs[f"{prefix}_operating_revenue"]
        if operating is None and inputs[f"{prefix}_sales_revenue"] is not None:
            operating = inputs[f"{prefix}_sales_revenue"]  # 营业收入 ≈ 主营 + 其他业务收入 = 销售收入
            if prefix == "last":
                inputs.setdefault("_flags", []).append(
                    {
                        "code": "operating_from_sales",
                        "message": "未填营业收入，按销售收入代替",
                        "confidence": "I",
                    }
                )
        inputs[f"{prefix}_operating"] = operating
        inputs[f"{prefix}_rd_ratio"] = _ratio(inputs[f"{prefix}_rd_expense"], operating)
        inputs[f"{prefix}_main_share"] = _ratio(inputs[f"{prefix}_main_business_revenue"], operating)
        liabilities = inputs[f"{prefix}_total_liabilities"]
        assets = inputs[f"{prefix}_total_assets"]
        if liabilities is None and assets is not None and inputs[f"{prefix}_net_assets"] is not None:
            liabilities = assets - inputs[f"{prefix}_net_assets"]
        inputs[f"{prefix}_debt_ratio"] = _ratio(liabilities, assets)

    first, prev, last = (inputs[f"{p}_main_business_revenue"] for p in ("first", "prev", "last"))
    inputs["main_growth_last"] = (last / prev - 1) if last is not None and prev else None
    inputs["main_growth_avg2"] = (
        ((prev / first - 1) + (last / prev - 1)) / 2
        if None not in (first, prev, last) and first and prev
        else None
    )
    prev_rd, last_rd = inputs["prev_rd_expense"], inputs["last_rd_expense"]
    inputs["rd_two_year_total"] = prev_rd + last_rd if prev_rd is not None and last_rd is not None else None
    inputs["rd_two_year_avg"] = (
        inputs["rd_two_year_total"] / 2 if inputs["rd_two_year_total"] is not None else None
    )
    inputs["rd_two_year_each_min"] = (
        min(prev_rd, last_rd) if inputs["rd_two_year_total"] is not None else None
    )
    ratios = (inputs["prev_rd_ratio"], inputs["last_rd_ratio"])
    inputs["rd_ratio_two_year_min"] = min(ratios) if None not in ratios else None  # type: ignore[type-var]
    inputs["last_rd_staff_share"] = _ratio(inputs["last_rd_staff"], inputs["last_employees"])

    equity = profile.get("equity_financing")
    y = on_date.year
    inputs["equity_2y"] = None if equity is None else sum(equity.get(yr) or 0 for yr in (y - 2, y - 1))
    inputs["equity_3y"] = None if equity is None else sum(equity.get(yr) or 0 for yr in (y - 3, y - 2, y - 1))
    inputs["market_years"] = profile.get("market_years")
    inputs["emerging_industry"] = profile.get("emerging_industry")
    inputs["holds_gaoxin"] = _holding_valid(profile, "gaoxin", on_date)
    inputs["holds_chuangxin"] = _holding_valid(profile, "chuangxin", on_date)
    institutions = profile.get("rd_institutions")
    inputs["has_provincial_rd_institution"] = (
        None
        if institutions is None
        else any(i.get("level") in ("national", "provincial", "ministerial") for i in institutions)
    )
    awards = profile.get("awards")
    since = add_years(on_date, -3)
    inputs["award_3y"] = (
        None
        if awards is None
        else any(
            a.get("level") in ("national", "provincial")
            and a.get("date")
            and since.isoformat() <= str(a["date"])[:10]
            for a in awards
        )
    )
    return inputs


def derive(profile: Mapping[str, Any], on_date: dt.date, t: Thresholds) -> dict[str, Any]:
    return tier_inputs(profile, on_date, t)


# --- 创新型中小企业 (2022) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class IPQuality(ScoreItem):
    """与主导产品相关的有效知识产权: A 高价值Ⅰ类 20 · B 自主研发Ⅰ类 15 · C Ⅰ类 10 · D Ⅱ类 5 · E 0."""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        if inputs.get("ip_known") is None:
            return self.unknown(["ip_known"])
        bands = t["ip_quality_points"]
        if inputs["ip_valid_class1_high_value"]:
            band = "A"
        elif inputs["ip_valid_class1_self"]:
            band = "B"
        elif inputs["ip_valid_class1"]:
            band = "C"
        elif inputs["ip_valid_class2"]:
            band = "D"
        else:
            band = "E"
        points = bands[band]
        return ItemResult(self.id, points, points, band, f"{self.label}：{band}档，{points} 分")


@dataclass(frozen=True)
class Field(ScoreItem):
    """主导产品所属领域: 战略性新兴产业 10, 其他 5; unknown → [5, 10]."""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        value = inputs.get("emerging_industry")
        if value is None:
            return ItemResult(
                self.id,
                5,
                10,
                None,
                f"{self.label}：是否属于战略性新兴产业未知，5–10 分",
                flags=[Flag("missing_data", "缺少战略性新兴产业归属")],
            )
        points = 10 if value else 5
        return ItemResult(
            self.id,
            points,
            points,
            value,
            f"{self.label}：{'属于' if value else '不属于'}战略性新兴产业，{points} 分",
        )


@dataclass(frozen=True)
class SubScoreMinimums(Criterion):
    """创新能力 ≥ 20, 成长性 ≥ 15, 专业化 ≥ 15 (each class's sub-score)."""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        value, gap, status, notes = {}, {}, PASS, []
        for cls, spec in t["sub_score_minimums"].items():
            low = sum(inputs[f"item_{i}_min"] for i in spec["items"])
            high = sum(inputs[f"item_{i}_max"] for i in spec["items"])
            value[cls] = [_n(low), _n(high)]
            gap[cls] = _n(max(0, spec["min"] - low))
            if high < spec["min"]:
                status = FAIL
                notes.append(f"{spec['label']} 最高 {_n(high)} 分，低于 {spec['min']} 分")
            elif low < spec["min"] and status != FAIL:
                status = NEEDS_DATA
                notes.append(f"{spec['label']} {_range([low, high])} 分，未必达到 {spec['min']} 分")
        threshold = {cls: spec["min"] for cls, spec in t["sub_score_minimums"].items()}
        message = "；".join(notes) if notes else "各类指标得分均达到最低要求"
        return CriterionResult(self.id, status, value, threshold, gap, "分", f"{self.label}：{message}")


CHUANGXIN = register(
    RuleSet(
        code="chuangxin",
        name="创新型中小企业",
        derive=derive,
        criteria=(
            ExpertReview(
                "sme",
                "符合中小企业划型标准",
                "63号 第五条",
                question="按工信部联企业〔2011〕300号核定（可用 size_class 规则）",
            ),
            AnyOf(
                "evaluation_or_route",
                "评价得分或直接认定",
                "63号 附件1",
                options=(
                    AllOf(
                        "evaluation",
                        "评价得分 ≥ 60 且各类达到最低分",
                        "附件1 一",
                        options=(
                            ScoreReaches(
                                "score",
                                "评价得分",
                                "附件1 一",
                                pass_mark_key="pass_mark",
                                open_status=NEEDS_DATA,
                            ),
                            SubScoreMinimums("sub_scores", "分类最低分", "附件1 一"),
                        ),
                    ),
                    AnyOf(
                        "direct_route",
                        "直接认定",
                        "附件1 二",
                        options=(
                            IsTrue(
                                "route_award",
                                "近三年国家级或省级科技奖励",
                                "附件1 二(一)",
                                flag_input="award_3y",
                                yes="有",
                                no="无",
                            ),
                            IsTrue(
                                "route_gaoxin",
                                "有效期内的高新技术企业等荣誉",
                                "附件1 二(二)",
                                flag_input="holds_gaoxin",
                                yes="有",
                                no="无",
                            ),
                            IsTrue(
                                "route_institution",
                                "省部级以上研发机构",
                                "附件1 二(三)",
                                flag_input="has_provincial_rd_institution",
                                yes="有",
                                no="无",
                            ),
                            Compare(
                                "route_equity",
                                "近三年股权融资",
                                "附件1 二(四)",
                                value_input="equity_3y",
                                threshold_key="route_equity_3y",
                                unit="万元",
                                what="近三年新增股权融资",
                            ),
                        ),
                    ),
                ),
            ),
        ),
        items=(
            IPQuality(
                "ip_quality", "有效知识产权", "附件1 指标1", 20, ("ip_valid_class1", "ip_valid_class2")
            ),
            BandedValue(
                "rd_ratio",
                "研发费用占营业收入比重",
                "附件1 指标2",
                20,
                ("last_rd_ratio",),
                value_input="last_rd_ratio",
                bands_key="rd_ratio_bands",
                what="上年度研发费用占营业收入",
                unit="比例",
            ),
            BandedValue(
                "revenue_growth",
                "主营业务收入增长率",
                "附件1 指标3",
                20,
                ("main_growth_last",),
                value_input="main_growth_last",
                bands_key="revenue_growth_bands",
                what="上年度主营业务收入增长率",
                unit="比例",
            ),
            BandedValue(
                "debt_ratio",
                "资产负债率",
                "附件1 指标4",
                10,
                ("last_debt_ratio",),
                value_input="last_debt_ratio",
                bands_key="debt_ratio_bands",
                what="上年度资产负债率",
                unit="比例",
            ),
            Field("field", "主导产品所属领域", "附件1 指标5", 10, ("emerging_industry",)),
            BandedValue(
                "main_share",
                "主营业务收入占营业收入比重",
                "附件1 指标6",
                20,
                ("last_main_share",),
                value_input="last_main_share",
                bands_key="main_share_bands",
                what="上年度主营业务收入占营业收入",
                unit="比例",
            ),
        ),
        pass_mark_key="pass_mark",
    )
)


# --- 专精特新中小企业 and 小巨人 ---------------------------------------------------------------------


@dataclass(frozen=True)
class XiaojurenRD(Criterion):
    """小巨人 2022 创新能力①: R&D intensity by last year's 营业收入 tier (≥ 1亿: each of two years ≥ 3 %;
    5000万–1亿: ≥ 6 %; < 5000万: financing ≥ 8000万 and R&D ≥ 3000万 and R&D staff ≥ 50 %)."""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        revenue = inputs.get("last_operating")
        if revenue is None:
            return self.needs_data(["last_operating_revenue"])
        tiers = t["rd_tiers"]
        if revenue >= tiers["large"]["min_revenue"]:
            need, what = tiers["large"]["ratio"], "营业收入 ≥ 1 亿元"
        elif revenue >= tiers["medium"]["min_revenue"]:
            need, what = tiers["medium"]["ratio"], "营业收入 5000 万–1 亿元"
        else:
            small = tiers["small"]
            checks = {
                "equity_2y": (inputs.get("equity_2y"), small["equity_2y"]),
                "rd_two_year_total": (inputs.get("rd_two_year_total"), small["rd_total"]),
                "last_rd_staff_share": (inputs.get("last_rd_staff_share"), small["rd_staff_share"]),
            }
            value = {k: v for k, (v, _) in checks.items()}
            threshold = {k: need for k, (_, need) in checks.items()}
            if any(v is not None and v < need for v, need in checks.values()):
                return CriterionResult(
                    self.id,
                    FAIL,
                    value,
                    threshold,
                    None,
                    "",
                    f"{self.label}：营业收入低于 5000 万元，融资、研发费用或研发人员未达标",
                )
            if any(v is None for v, _ in checks.values()):
                return self.needs_data([k for k, (v, _) in checks.items() if v is None])
            return CriterionResult(
                self.id,
                PASS,
                value,
                threshold,
                0,
                "",
                f"{self.label}：营业收入低于 5000 万元，融资与研发条件均达标",
            )
        low = inputs.get("rd_ratio_two_year_min")
        if low is None:
            return self.needs_data(["prev_rd_expense", "last_rd_expense"], threshold=need, unit="比例")
        if low >= need:
            return CriterionResult(
                self.id,
                PASS,
                round(low, 6),
                need,
                0,
                "比例",
                f"{self.label}：{what}，近两年研发费用占比均不低于 {pct(need)}（较低一年 {pct(low)}）",
            )
        return CriterionResult(
            self.id,
            FAIL,
            round(low, 6),
            need,
            round(need - low, 6),
            "比例",
            f"{self.label}：{what}，近两年研发费用占比较低一年 {pct(low)}，低于 {pct(need)}",
        )


def _cmp(cid: str, label: str, clause: str, value: str, key: str, unit: str, op: str = ">=") -> Compare:
    return Compare(
        cid, label, clause, (value,), value_input=value, threshold_key=key, op=op, unit=unit, what=label
    )


ZHUANJINGTEXIN = register(
    RuleSet(
        code="zhuanjingtexin",
        name="专精特新中小企业",
        derive=derive,
        criteria=(
            IsTrue(
                "prerequisite",
                "已是科技和创新型中小企业",
                "2026 办法",
                ("holds_chuangxin",),
                flag_input="holds_chuangxin",
                yes="持有有效的创新型中小企业称号",
                no="未持有创新型中小企业称号",
            ),
            ExpertReview("sme", "符合中小企业划型标准", "第五条", question="按工信部联企业〔2011〕300号核定"),
            _cmp(
                "market_years",
                "从事特定细分市场年限",
                "附件2 一(一)",
                "market_years",
                "min_market_years",
                "年",
            ),
            AnyOf(
                "revenue_or_financing",
                "营业收入或股权融资",
                "附件2 一(三)",
                options=(
                    _cmp(
                        "revenue", "上年度营业收入", "附件2 一(三)", "last_operating", "min_revenue", "万元"
                    ),
                    _cmp(
                        "financing",
                        "近两年新增股权融资",
                        "附件2 一(三)",
                        "equity_2y",
                        "min_equity_2y",
                        "万元",
                    ),
                ),
            ),
            AllOf(
                "rd_last_year",
                "上年度研发投入",
                "2022 附件2 一(二)",
                options=(
                    _cmp(
                        "rd_amount",
                        "上年度研发费用",
                        "附件2 一(二)",
                        "last_rd_expense",
                        "min_rd_amount",
                        "万元",
                    ),
                    _cmp(
                        "rd_ratio",
                        "上年度研发费用占营业收入",
                        "附件2 一(二)",
                        "last_rd_ratio",
                        "min_rd_ratio",
                        "比例",
                    ),
                ),
            ),
            AllOf(
                "rd_two_years",
                "近两年研发投入（每年）",
                "2026 附件1",
                options=(
                    _cmp(
                        "rd_amount",
                        "研发费用（近两年较低一年）",
                        "附件2 一(二)",
                        "rd_two_year_each_min",
                        "min_rd_amount",
                        "万元",
                    ),
                    _cmp(
                        "rd_ratio",
                        "研发费用占营业收入（近两年较低一年）",
                        "附件2 一(二)",
                        "rd_ratio_two_year_min",
                        "min_rd_ratio",
                        "比例",
                    ),
                ),
            ),
            _cmp(
                "main_share",
                "主营业务收入占营业收入",
                "2026 附件1",
                "last_main_share",
                "min_main_share",
                "比例",
            ),
            _cmp("debt_ratio", "资产负债率", "2026 附件1", "last_debt_ratio", "max_debt_ratio", "比例", "<="),
            _cmp("class1_ip", "有效Ⅰ类知识产权", "2026 附件1", "ip_valid_class1", "min_class1_ip", "项"),
            AnyOf(
                "evaluation_or_route",
                "评价得分或直接认定",
                "2022 附件2 一(四)",
                options=(
                    ExpertReview(
                        "evaluation_2022",
                        "评价得分 ≥ 60",
                        "附件2 一(四)",
                        question="四类十三项指标由梯度培育平台评分，需人工核对",
                    ),
                    _cmp(
                        "route_rd",
                        "近两年研发费用均值",
                        "附件2 一(四)②",
                        "rd_two_year_avg",
                        "route_rd_two_year_avg",
                        "万元",
                    ),
                    _cmp(
                        "route_equity",
                        "近两年新增股权融资",
                        "附件2 一(四)③",
                        "equity_2y",
                        "route_equity_2y",
                        "万元",
                    ),
                ),
            ),
            ExpertReview(
                "evaluation",
                "专精特新发展评价得分",
                "2026 附件1",
                question="由梯度培育平台按指标体系评分（≥ 50 分），需人工核对",
            ),
        ),
    )
)

XIAOJUREN = register(
    RuleSet(
        code="xiaojuren",
        name="专精特新“小巨人”企业",
        derive=derive,
        criteria=(
            _cmp("market_years", "从事特定细分市场年限", "专业化", "market_years", "min_market_years", "年"),
            _cmp(
                "main_share", "主营业务收入占营业收入", "专业化", "last_main_share", "min_main_share", "比例"
            ),
            _cmp(
                "main_growth",
                "近两年主营业务收入平均增长率",
                "专业化",
                "main_growth_avg2",
                "min_main_growth_avg2",
                "比例",
            ),
            _cmp("revenue", "上年度营业收入", "2026 附件2", "last_operating", "min_revenue", "万元"),
            _cmp("debt_ratio", "资产负债率", "精细化", "last_debt_ratio", "max_debt_ratio", "比例", "<="),
            XiaojurenRD("rd_intensity", "研发投入强度", "创新能力①"),
            _cmp(
                "rd_two_year_total",
                "近两年研发费用合计",
                "2026 附件2",
                "rd_two_year_total",
                "min_rd_two_year_total",
                "万元",
            ),
            _cmp(
                "rd_ratio_each",
                "近两年研发费用占营业收入（较低一年）",
                "2026 附件2",
                "rd_ratio_two_year_min",
                "min_rd_ratio_each",
                "比例",
            ),
            _cmp(
                "class1_ip",
                "与主导产品相关的Ⅰ类知识产权",
                "创新能力③",
                "ip_valid_class1",
                "min_class1_ip",
                "项",
            ),
            ExpertReview(
                "market_share",
                "细分市场占有率与自主品牌",
                "特色化",
                question="主导产品全国细分市场占有率（2022: ≥ 10%）与自主品牌需人工核实",
            ),
            ExpertReview(
                "chain_and_product",
                "产业链配套与主导产品领域（链、品）",
                "链、品",
                question="是否处于产业链关键环节、主导产品是否属于重点领域，需人工判断",
            ),
            ExpertReview(
                "evaluation",
                "评价得分或直接认定",
                "创新能力",
                question="研发机构、直接认定情形（国家级科技奖励、创客中国 50 强）及 2026 评价得分需人工核对",
            ),
        ),
    )
)
