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

import numpy as np

from wutong.qualifications import vector as v
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


#: What the 科小 criteria and items read from the registry: last year's figures, the IP counts, and the
#: 国高 holdings behind the first direct route.
FRAME_FIELDS = {
    "employees": 1,
    "sales_revenue": 1,
    "total_assets": 1,
    "tech_staff": 1,
    "rd_expense": 1,
    "cost_expense_total": 1,
}
FRAME_IP = ("ip_valid_class1", "ip_valid_class2")
FRAME_ROUTES = ("gaoxin",)


def derive_columns(frame: v.Columns, on_date: dt.date, t: Thresholds) -> v.Columns:
    """:func:`derive` on a registry frame. The registry holds no incident record, awards, R&D
    institutions or standards (None for every row); its holdings are the record, so the 国高 route is
    known: a 国高 holding issued by the date and valid on it (expiry, or issue + validity years)."""
    cols = v.base_columns(frame, on_date, 1, FRAME_FIELDS, FRAME_IP)
    cols["incidents_in_window"] = cols.nan()
    # D < add_years(issued, n) ⟺ issued > last_issue: add_years is monotone, so the open-ended
    # holdings valid on D are those issued after the last day whose n-th anniversary is ≤ D.
    last_issue = _last_issue_expired_by(on_date, t["gaoxin_valid_years"])
    with np.errstate(invalid="ignore"):
        open_valid = frame["gaoxin_open_issued"] > (last_issue - v.EPOCH).days
    cols["route_gaoxin"] = ((frame["gaoxin_dated_valid"] > 0) | open_valid).astype(np.float64)
    for name in ("route_award", "route_institution", "route_standard"):
        cols[name] = cols.nan()
    return cols


def _last_issue_expired_by(on_date: dt.date, years: int) -> dt.date:
    """The latest issue date whose ``years``-year validity (``add_years``) has ended by ``on_date``."""
    day = add_years(on_date, -years) - dt.timedelta(days=3)
    while add_years(day + dt.timedelta(days=1), years) <= on_date:
        day += dt.timedelta(days=1)
    return day


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

    def check_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Codes, v.Floats]:
        over = np.zeros(cols.n, dtype=bool)
        missing = np.zeros(cols.n, dtype=bool)
        for name, key, _label, _unit in self.LIMITS:
            figure = cols.col(name)
            missing |= np.isnan(figure)
            with np.errstate(invalid="ignore"):
                over |= v.rnd_columns(figure) > t[key]
        status = np.select([over, missing], [v.FAIL, v.NEEDS_DATA], v.PASS).astype(np.int8)
        return status, cols.nan()  # the gap is per limit (a mapping), not one number


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

    def check_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Codes, v.Floats]:
        status, gap = super().check_columns(cols, t)
        tech_min, tech_max = cols.col("item_tech_staff_min"), cols.col("item_tech_staff_max")
        status = np.where(tech_max == 0, v.FAIL, status)
        status = np.where((status == v.PASS) & (tech_min == 0), v.NEEDS_DATA, status).astype(np.int8)
        return status, gap


@dataclass(frozen=True)
class TechStaffItem(BandedRatio):
    def score(self, inputs: Inputs, t: Thresholds) -> ItemResult:
        result = super().score(inputs, t)
        num, den = inputs.get(self.numerator), inputs.get(self.denominator)
        if result.max == 0 and num is not None and den:
            need = ceil_persons(0.10 * den - num)
            result.message += f"；需再增加科技人员 {need} 人才能得分"
        return result

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        return super().score_columns(cols, t)  # the message above adds advice, not points


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

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        rd = cols.col("last_rd_expense")
        usable, points = [], []
        for den_name, bands_key in (
            ("last_sales_revenue", "rd_sales_bands"),
            ("last_cost_expense_total", "rd_cost_bands"),
        ):
            den = cols.col(den_name)
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                ok = ~np.isnan(rd) & ~np.isnan(den) & (den > 0)
                ratio = np.where(ok, rd / np.where(ok, den, 1.0), np.nan)
            usable.append(ok)
            points.append(v.band_columns(ratio, t[bands_key])[0])
        both, only_sales, only_cost = usable[0] & usable[1], usable[0] & ~usable[1], ~usable[0] & usable[1]
        low = np.select(
            [both, only_sales, only_cost], [np.maximum(points[0], points[1]), points[0], points[1]], 0.0
        )
        high = np.where(both, low, float(self.max_points))
        return low.astype(np.float64), high


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

    def score_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Floats, v.Floats]:
        bands = t["ip_bands"]
        known = cols.known("ip_known")
        class1 = cols.col("ip_valid_class1") >= bands["class1"]["min_count"]
        low, high = v.band_columns(cols.col("ip_valid_class2"), bands["class2"])
        top = float(bands["class1"]["points"])
        low, high = np.where(class1, top, low), np.where(class1, top, high)
        return np.where(known, low, 0.0), np.where(known, high, float(self.max_points))


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

    def check_columns(self, cols: v.Columns, t: Thresholds) -> tuple[v.Codes, v.Floats]:
        held = np.zeros(cols.n, dtype=bool)
        for name, _label in self.ROUTES:
            held |= cols.col(name) == 1
        unknown = np.isnan(cols.col("route_gaoxin"))
        status = np.select([held, unknown], [v.PASS, v.NEEDS_DATA], v.FAIL).astype(np.int8)
        return status, np.where(held, 0.0, np.nan)


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
        derive_columns=derive_columns,
        frame_fields=FRAME_FIELDS,
        frame_ip=FRAME_IP,
        frame_routes=FRAME_ROUTES,
    )
)
