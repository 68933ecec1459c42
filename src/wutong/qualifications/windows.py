"""Application windows per rule set, as data (the calendar's 申报窗口 table).

Dates are the district's working assumptions from the published notices of past years; a notice that
moves a window is a one-line change here. ``confidence`` follows reference/qualifications.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class ApplicationWindow:
    rule_code: str
    name: str
    opens: dt.date
    closes: dt.date
    note: str = ""
    confidence: str = "S"


APPLICATION_WINDOWS: tuple[ApplicationWindow, ...] = (
    ApplicationWindow(
        "kexiao",
        "2026 年科技型中小企业评价",
        dt.date(2026, 6, 1),
        dt.date(2026, 8, 31),
        "全年滚动评价，本区集中受理期",
        "S",
    ),
    ApplicationWindow(
        "gaoxin",
        "2026 年高新技术企业认定 第一批",
        dt.date(2026, 4, 1),
        dt.date(2026, 5, 31),
        "深圳市通常分两批受理",
        "M",
    ),
    ApplicationWindow(
        "gaoxin", "2026 年高新技术企业认定 第二批", dt.date(2026, 7, 1), dt.date(2026, 8, 31), "", "M"
    ),
    ApplicationWindow(
        "chuangxin",
        "2026 年创新型中小企业评价",
        dt.date(2026, 3, 1),
        dt.date(2026, 11, 30),
        "按季度分批公告",
        "M",
    ),
    ApplicationWindow(
        "zhuanjingtexin",
        "2026 年广东省专精特新中小企业认定",
        dt.date(2026, 5, 1),
        dt.date(2026, 6, 30),
        "",
        "M",
    ),
    ApplicationWindow(
        "xiaojuren", "第八批专精特新“小巨人”企业培育", dt.date(2026, 5, 15), dt.date(2026, 6, 30), "", "M"
    ),
    ApplicationWindow(
        "gaoxin", "2027 年高新技术企业认定 第一批", dt.date(2027, 4, 1), dt.date(2027, 5, 31), "", "M"
    ),
)
