"""Provincial innovation platforms: 广东省工程技术研究中心 (粤科规范字〔2022〕12号, all numbers [C])."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from wutong.qualifications.criteria import AnyOf, Compare, ExpertReview, NoEvents
from wutong.qualifications.profiles import add_years, base_inputs, incidents_between
from wutong.qualifications.rules import RuleSet, Thresholds, register


def derive(profile: Mapping[str, Any], on_date: dt.date, t: Thresholds) -> dict[str, Any]:
    inputs = base_inputs(profile, on_date, 3)
    main = inputs["last_main_business_revenue"]
    inputs["last_rd_main_ratio"] = (
        inputs["last_rd_expense"] / main if main and inputs["last_rd_expense"] is not None else None
    )
    inputs["rd_equipment_value"] = profile.get("rd_equipment_value")
    inputs["incidents_3y"] = incidents_between(profile, add_years(on_date, -t["incident_years"]), on_date)
    return inputs


def _cmp(cid: str, label: str, value: str, key: str, unit: str) -> Compare:
    return Compare(
        cid, label, "第八、九条", (value,), value_input=value, threshold_key=key, unit=unit, what=label
    )


GD_ENGINEERING_CENTER = register(
    RuleSet(
        code="gd_engineering_center",
        name="广东省工程技术研究中心",
        derive=derive,
        criteria=(
            ExpertReview(
                "registered_in_guangdong",
                "广东省内注册且主要研发场地在省内",
                "第八条",
                question="并应已有市（区）级以上研发平台，需人工核实",
            ),
            _cmp(
                "main_revenue", "上年度主营业务收入", "last_main_business_revenue", "min_main_revenue", "万元"
            ),
            AnyOf(
                "rd",
                "上年度研发经费",
                "第九条",
                options=(
                    _cmp("rd_ratio", "研发经费占主营业务收入", "last_rd_main_ratio", "min_rd_ratio", "比例"),
                    _cmp(
                        "rd_amount",
                        "研发经费（超过即免比例要求）",
                        "last_rd_expense",
                        "rd_exempt_amount",
                        "万元",
                    ),
                ),
            ),
            _cmp("ip", "领域内有效自主知识产权", "ip_valid_count", "min_ip", "项"),
            _cmp("equipment", "研发设备原值", "rd_equipment_value", "min_equipment", "万元"),
            _cmp("researchers", "专职研究人员（珠三角）", "last_rd_staff", "min_researchers", "人"),
            NoEvents(
                "no_incident",
                "近三年无重大安全、环境、科研诚信事件",
                "第九条",
                ("incidents_3y",),
                count_input="incidents_3y",
                window_text="近三年内",
            ),
        ),
    )
)
