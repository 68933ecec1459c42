"""科技型中小企业 (国科发政〔2017〕115号): 第六条 conditions, 第七条 scoring, 第八条 direct confirmation.

Figures are last year's (Y−1 for an assessment in year Y).

How 第八条 combines with the score (decision, see ADR 0003): an enterprise that meets the size limits and
has no incident is *eligible* if its score passes (≥ 60 with the 科技人员 item > 0) **or** a direct route
holds; the direct route replaces the whole of 第六条(五), the tech-staff floor included. It is
*ineligible* if a size limit or the incident rule fails, or if the score fails and no direct route holds;
otherwise (something unknown) *insufficient_data*.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wutong.qualifications.choices import CriterionStatus, Verdict
from wutong.qualifications.criteria import BandedRatio, NoEvents, ScoreReaches, _n, _range
from wutong.qualifications.profiles import add_years, base_inputs, incidents_between
from wutong.qualifications.rules import (
    Criterion,
    CriterionResult,
    Flag,
    Inputs,
    ItemResult,
    RuleSet,
    ScoreItem,
    ScoreSummary,
    Thresholds,
    band_points,
    ceil_persons,
    pct,
    register,
    rnd,
    wan,
)

PASS, FAIL = CriterionStatus.PASS, CriterionStatus.FAIL
NEEDS_DATA, NEEDS_REVIEW = CriterionStatus.NEEDS_DATA, CriterionStatus.NEEDS_REVIEW


def derive(profile: Mapping[str, Any], on_date: dt.date, t: Thresholds) -> dict[str, Any]:
    inputs = base_inputs(profile, on_date, 1)
    inputs["incidents_in_window"] = incidents_between(profile, dt.date(on_date.year - 1, 1, 1), on_date)
    inputs.update(direct_route_inputs(profile, on_date, t))
    return inputs


def direct_route_inputs(profile: Mapping[str, Any], on_date: dt.date, t: Thresholds) -> dict[str, Any]:
    """第八条 routes as flat inputs: each None (no data), True or False."""
    holdings = profile.get("holdings")
    gaoxin_valid = None
    if holdings is not None:
        gaoxin_valid = any(
            h["code"] == "gaoxin"
            and h["issued"] is not None
            and h["issued"] <= on_date
            and on_date < (h.get("expires") or add_years(h["issued"], t["gaoxin_valid_years"]))
            for h in holdings
        )
    awards = profile.get("awards")
    award = None
    if awards is not None:
        since = add_years(on_date, -t["award_years"])
        award = any(
            a.get("level") == "national"
            and (a.get("rank") is not None and int(a["rank"]) <= t["award_max_rank"])
            and _in_window(a.get("date"), since, on_date)
            for a in awards
        )
    institutions = profile.get("rd_institutions")
    institution = None
    if institutions is not None:
        institution = any(i.get("level") in ("national", "provincial", "ministerial") for i in institutions)
    standards = profile.get("standards")
    standard = None
    if standards is not None:
        since = add_years(on_date, -t["standard_years"])
        standard = any(
            isinstance(s, Mapping)
            and s.get("role") in ("lead", "主导")
            and s.get("level") in ("international", "national", "industry")
            and _in_window(s.get("date") or (f"{s['year']}-12-31" if s.get("year") else None), since, on_date)
            for s in standards
        )
    return {
        "route_gaoxin": gaoxin_valid,
        "route_award": award,
        "route_institution": institution,
        "route_standard": standard,
    }


def _in_window(value: Any, since: dt.date, until: dt.date) -> bool:
    if not value:
        return False
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    return since <= day <= until


@dataclass(frozen=True)
class SizeLimits(Criterion):
    """第六条(二): 职工总数 ≤ 500, 年销售收入 ≤ 2 亿元, 资产总额 ≤ 2 亿元 (last year)."""

    LIMITS = (
        ("last_employees", "max_employees", "职工总数", "人"),
        ("last_sales_revenue", "max_sales_revenue", "销售收入", "万元"),
        ("last_total_assets", "max_total_assets", "资产总额", "万元"),
    )

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        value: dict[str, Any] = {}
        threshold: dict[str, Any] = {}
        gap: dict[str, Any] = {}
        unit: dict[str, str] = {}
        over, missing = [], []
        for name, key, label, u in self.LIMITS:
            short = name.removeprefix("last_")
            threshold[short], unit[short] = t[key], u
            figure = inputs.get(name)
            value[short] = None if figure is None else _n(round(figure, 2))
            if figure is None:
                missing.append(name)
                gap[short] = None
                continue
            excess = max(0.0, figure - t[key])
            gap[short] = _n(round(excess, 2))
            if rnd(figure) > t[key]:
                over.append(f"{label} {wan(figure) if u == '万元' else _n(figure)}{u}，超过 {t[key]}{u}")
        if over:
            return CriterionResult(
                self.id, FAIL, value, threshold, gap, unit, f"{self.label}：{'；'.join(over)}"
            )
        if missing:
            result = self.needs_data(missing)
            result.value, result.threshold, result.gap, result.unit = value, threshold, gap, unit
            return result
        return CriterionResult(
            self.id,
            PASS,
            value,
            threshold,
            gap,
            unit,
            f"{self.label}：职工 {_n(value['employees'])} 人、销售收入 {wan(value['sales_revenue'])} 万元、"
            f"资产总额 {wan(value['total_assets'])} 万元，均未超过上限",
        )


@dataclass(frozen=True)
class KexiaoScore(ScoreReaches):
    """第六条(五): score ≥ 60 and the 科技人员 item > 0. Ranges only come from missing data here."""

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        result = super().check(inputs, t)
        tech_min, tech_max = inputs["item_tech_staff_min"], inputs["item_tech_staff_max"]
        if tech_max == 0:
            return CriterionResult(
                self.id,
                FAIL,
                result.value,
                result.threshold,
                result.gap,
                "分",
                f"{self.label}：科技人员指标得 0 分（占比低于 10%），不符合第六条(五)",
            )
        if result.status == PASS and tech_min == 0:
            result.status = NEEDS_DATA
            result.message += "；科技人员指标得分未知"
        return result


@dataclass(frozen=True)
class TechStaffItem(BandedRatio):
    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        result = super().score(inputs, t)
        num, den = inputs.get(self.numerator), inputs.get(self.denominator)
        if result.max == 0 and num is not None and den:
            need = ceil_persons(0.10 * den - num)
            result.message += f"；需再增加科技人员 {need} 人才能得分"
        return result


@dataclass(frozen=True)
class RDInputItem(ScoreItem):
    """研发投入: the better of R&D ÷ 销售收入 and R&D ÷ 成本费用总额 (the enterprise picks one)."""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        rd = inputs.get("last_rd_expense")
        measures = []
        unknown = []
        for den_name, bands_key, what in (
            ("last_sales_revenue", "rd_sales_bands", "研发费用占销售收入"),
            ("last_cost_expense_total", "rd_cost_bands", "研发费用占成本费用总额"),
        ):
            den = inputs.get(den_name)
            if rd is None or den is None or den <= 0:
                unknown.append(den_name if rd is not None else "last_rd_expense")
                continue
            ratio = rd / den
            points, label = band_points(ratio, t[bands_key])
            measures.append((points[0], what, ratio, label))
        if not measures:
            return self.unknown(sorted(set(unknown)))
        best = max(measures, key=lambda m: m[0])
        high = self.max_points if unknown else best[0]
        flags = [Flag("missing_data", "另一种研发投入口径缺少数据，上限按满分估计")] if unknown else []
        return ItemResult(
            self.id,
            best[0],
            high,
            {"measure": best[1], "ratio": round(best[2], 6)},
            f"{best[1]} {pct(best[2])}（{best[3] or 'F'}档，取两种口径中较高者），"
            f"{_range([best[0], high])} 分",
            flags=flags,
        )


@dataclass(frozen=True)
class KexiaoIPItem(ScoreItem):
    """科技成果: Ⅰ类 ≥ 1 → 30; else Ⅱ类 4+ → 24, 3 → 18, 2 → 12, 1 → 6; none → 0."""

    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        if inputs.get("ip_known") is None:
            return self.unknown(["ip_known"])
        bands = t["ip_bands"]
        class1, class2 = inputs["ip_valid_class1"], inputs["ip_valid_class2"]
        value = {"class1": class1, "class2": class2}
        if class1 >= bands["class1"]["min_count"]:
            p = bands["class1"]["points"]
            return ItemResult(self.id, p, p, value, f"有效Ⅰ类知识产权 {class1} 项（A档），{p} 分")
        points, label = band_points(class2, bands["class2"])
        return ItemResult(
            self.id,
            points[0],
            points[1],
            value,
            f"无Ⅰ类知识产权，有效Ⅱ类 {class2} 项（{label or 'F'}档），{_range(points)} 分",
        )


@dataclass(frozen=True)
class DirectRoute(Criterion):
    """第八条 direct confirmation: any one route holds → pass. With no route found: fail if the 资质
    record is on file (routes 2–4 count only when their data are given), needs_data when it is not."""

    ROUTES = (
        ("route_gaoxin", "拥有有效期内的高新技术企业证书"),
        ("route_award", "近五年获国家级科技奖励并排名前三"),
        ("route_institution", "拥有经认定的省部级以上研发机构"),
        ("route_standard", "近五年主导制定国际、国家或行业标准"),
    )

    def check(self, inputs: Inputs, t: Thresholds) -> CriterionResult:
        held = [label for name, label in self.ROUTES if inputs.get(name)]
        value = {name: inputs.get(name) for name, _ in self.ROUTES}
        if held:
            return CriterionResult(self.id, PASS, value, "任一", 0, "", f"{self.label}：{'；'.join(held)}")
        unknown = [label for name, label in self.ROUTES if inputs.get(name) is None]
        if inputs.get("route_gaoxin") is None:
            return CriterionResult(
                self.id,
                NEEDS_DATA,
                value,
                "任一",
                None,
                "",
                f"{self.label}：缺少已获资质记录，无法判断是否可直接确认",
            )
        note = f"（{'、'.join(unknown)} 未提供数据，未核对）" if unknown else ""
        return CriterionResult(
            self.id,
            FAIL,
            value,
            "任一",
            None,
            "",
            f"{self.label}：未发现可直接确认的情形{note}",
            flags=[Flag("routes_unchecked", "部分直接确认情形缺少数据，如有请补充后重新评估")]
            if unknown
            else [],
        )


def verdict(criteria: Mapping[str, CriterionResult], score: ScoreSummary | None) -> str:
    gates = [criteria["size_limits"], criteria["no_incident"]]
    if any(c.status == FAIL for c in gates):
        return Verdict.INELIGIBLE
    score_status, route_status = criteria["score"].status, criteria["direct_route"].status
    if score_status == FAIL and route_status == FAIL:
        return Verdict.INELIGIBLE
    if all(c.status == PASS for c in gates) and PASS in (score_status, route_status):
        return Verdict.ELIGIBLE
    return Verdict.INSUFFICIENT_DATA


KEXIAO = register(
    RuleSet(
        code="kexiao",
        name="科技型中小企业",
        derive=derive,
        criteria=(
            SizeLimits(
                "size_limits",
                "规模上限",
                "第六条(二)",
                ("last_employees", "last_sales_revenue", "last_total_assets"),
            ),
            NoEvents(
                "no_incident",
                "上一年及当年内无重大事故、严重违法失信",
                "第六条(四)",
                ("incidents_in_window",),
                count_input="incidents_in_window",
                window_text="上一年及当年内",
            ),
            KexiaoScore(
                "score",
                "综合评价得分",
                "第六条(五)、第七条",
                ("score_min", "score_max", "item_tech_staff_max"),
                pass_mark_key="pass_mark",
                open_status=NEEDS_DATA,
            ),
            DirectRoute(
                "direct_route",
                "直接确认",
                "第八条",
                ("route_gaoxin", "route_award", "route_institution", "route_standard"),
            ),
        ),
        items=(
            TechStaffItem(
                "tech_staff",
                "科技人员",
                "第七条(一)",
                20,
                ("last_tech_staff", "last_employees"),
                numerator="last_tech_staff",
                denominator="last_employees",
                bands_key="tech_staff_bands",
                what="科技人员占职工总数",
            ),
            RDInputItem(
                "rd_input",
                "研发投入",
                "第七条(二)",
                50,
                ("last_rd_expense", "last_sales_revenue", "last_cost_expense_total"),
            ),
            KexiaoIPItem("ip", "科技成果", "第七条(三)", 30, ("ip_valid_class1", "ip_valid_class2")),
        ),
        pass_mark_key="pass_mark",
        verdict=verdict,
    )
)
