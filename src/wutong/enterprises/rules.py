"""Pure decisions about an enterprise's figures: 中小企业划型 and staleness. No writes.

中小企业划型 follows 工信部联企业〔2011〕300号《中小企业划型标准规定》. The thresholds are data
(:data:`SECTORS`) so that ``services.refresh_derived_figures`` can translate the same table into one SQL
``CASE`` and give the same answer as :func:`size_class_for` (a test holds them together).

How the standard reads (第四条 and the tables):

* an enterprise is 中小微型 when it is below the upper bound of ANY listed indicator; so it is
  **large** only when it reaches the upper bound of EVERY indicator;
* **medium** and **small** need the lower bounds of ALL listed indicators ("且");
* **micro** is everything else that is an SME (below any small bound is enough, "或").

Sources: 工业 and 软件和信息技术服务业 are verified in ``reference/qualifications.md`` §6 [V]. The other
sectors are written from memory of the 2011 standard's tables and are marked **[M]**: they should be
checked against the published text before being relied on in a decision:

(S = 从业人员 persons, R = 营业收入, A = 资产总额; money in 万元)

====================  =========================  =====================  ========================
sector                large (all of)             medium (all of)        small (all of)
====================  =========================  =====================  ========================
农、林、牧、渔业 [M]      R≥ 20000万           R≥ 500万         R≥ 50万
工业 [V]                S≥ 1000, R≥ 40000万  S≥ 300, R≥ 2000万  S≥ 20, R≥ 300万
建筑业 [M]              R≥ 80000万, A≥ 80000万  R≥ 6000万, A≥ 5000万  R≥ 300万, A≥ 300万
批发业 [M]              S≥ 200, R≥ 40000万   S≥ 20, R≥ 5000万   S≥ 5, R≥ 1000万
零售业 [M]              S≥ 300, R≥ 20000万   S≥ 50, R≥ 500万    S≥ 10, R≥ 100万
交通运输业 [M]          S≥ 1000, R≥ 30000万  S≥ 300, R≥ 3000万  S≥ 20, R≥ 200万
仓储业 [M]              S≥ 200, R≥ 30000万   S≥ 100, R≥ 1000万  S≥ 20, R≥ 100万
邮政业 [M]              S≥ 1000, R≥ 30000万  S≥ 300, R≥ 2000万  S≥ 20, R≥ 100万
住宿业 [M]              S≥ 300, R≥ 10000万   S≥ 100, R≥ 2000万  S≥ 10, R≥ 100万
餐饮业 [M]              S≥ 300, R≥ 10000万   S≥ 100, R≥ 2000万  S≥ 10, R≥ 100万
信息传输业 [M]          S≥ 2000, R≥ 100000万  S≥ 100, R≥ 1000万  S≥ 10, R≥ 100万
软件和信息技术服务业 [V]  S≥ 300, R≥ 10000万   S≥ 100, R≥ 1000万  S≥ 10, R≥ 50万
房地产开发经营 [M]      R≥ 200000万, A≥ 10000万  R≥ 1000万, A≥ 5000万  R≥ 100万, A≥ 2000万
物业管理 [M]            S≥ 1000, R≥ 5000万   S≥ 300, R≥ 1000万  S≥ 100, R≥ 500万
租赁和商务服务业 [M]    S≥ 300, A≥ 120000万  S≥ 100, A≥ 8000万  S≥ 10, A≥ 100万
其他未列明行业 [M]      S≥ 300                 S≥ 100             S≥ 10
====================  =========================  =====================  ========================

Mapping GB/T 4754-2017 codes to the sectors (also [M] where the standard's wording is 2011-era):
交通运输业 excludes 铁路运输业 (53), which therefore falls to 其他未列明行业; 装卸搬运 (591) counts as
交通运输 and the rest of 59 as 仓储; 金融业 (J) has its own standard (银发〔2015〕309号) and is not
classed here (未划型). A code too coarse to pick a sector (e.g. 门类 F = 批发和零售) is 未划型, and so
is any case where an indicator the sector needs is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from wutong.enterprises.choices import SizeClass

WAN = Decimal(10_000)

EMPLOYEES = "employees"
REVENUE = "revenue"
ASSETS = "assets"
INDICATORS = (EMPLOYEES, REVENUE, ASSETS)


@dataclass(frozen=True)
class Sector:
    """One table of the 2011 standard: the lower bounds (persons / yuan) each size needs."""

    key: str
    label: str
    large: dict[str, Decimal]
    medium: dict[str, Decimal]
    small: dict[str, Decimal]
    verified: bool = False

    @property
    def indicators(self) -> tuple[str, ...]:
        return tuple(name for name in INDICATORS if name in self.large)


def _s(key: str, label: str, large: dict, medium: dict, small: dict, verified: bool = False) -> Sector:
    def conv(bounds: dict) -> dict[str, Decimal]:
        return {
            name: Decimal(value) if name == EMPLOYEES else Decimal(value) * WAN
            for name, value in bounds.items()
        }

    return Sector(key, label, conv(large), conv(medium), conv(small), verified)


E, R, A = EMPLOYEES, REVENUE, ASSETS
SECTORS: dict[str, Sector] = {
    s.key: s
    for s in (
        _s("agriculture", "农、林、牧、渔业", {R: 20000}, {R: 500}, {R: 50}),
        _s("industry", "工业", {E: 1000, R: 40000}, {E: 300, R: 2000}, {E: 20, R: 300}, verified=True),
        _s("construction", "建筑业", {R: 80000, A: 80000}, {R: 6000, A: 5000}, {R: 300, A: 300}),
        _s("wholesale", "批发业", {E: 200, R: 40000}, {E: 20, R: 5000}, {E: 5, R: 1000}),
        _s("retail", "零售业", {E: 300, R: 20000}, {E: 50, R: 500}, {E: 10, R: 100}),
        _s("transport", "交通运输业", {E: 1000, R: 30000}, {E: 300, R: 3000}, {E: 20, R: 200}),
        _s("warehousing", "仓储业", {E: 200, R: 30000}, {E: 100, R: 1000}, {E: 20, R: 100}),
        _s("postal", "邮政业", {E: 1000, R: 30000}, {E: 300, R: 2000}, {E: 20, R: 100}),
        _s("lodging", "住宿业", {E: 300, R: 10000}, {E: 100, R: 2000}, {E: 10, R: 100}),
        _s("catering", "餐饮业", {E: 300, R: 10000}, {E: 100, R: 2000}, {E: 10, R: 100}),
        _s("telecom", "信息传输业", {E: 2000, R: 100000}, {E: 100, R: 1000}, {E: 10, R: 100}),
        _s(
            "software",
            "软件和信息技术服务业",
            {E: 300, R: 10000},
            {E: 100, R: 1000},
            {E: 10, R: 50},
            verified=True,
        ),
        _s("real_estate", "房地产开发经营", {R: 200000, A: 10000}, {R: 1000, A: 5000}, {R: 100, A: 2000}),
        _s("property", "物业管理", {E: 1000, R: 5000}, {E: 300, R: 1000}, {E: 100, R: 500}),
        _s("leasing", "租赁和商务服务业", {E: 300, A: 120000}, {E: 100, A: 8000}, {E: 10, A: 100}),
        _s("other", "其他未列明行业", {E: 300}, {E: 100}, {E: 10}),
    )
}
del E, R, A

# Industry code prefix → sector key (None: not classed). The longest matching prefix wins; a code no
# prefix matches is 其他未列明行业. Codes are GB/T 4754-2017: 门类 letter, or 2–4 digits.
_PREFIX_SECTOR: dict[str, str | None] = {
    "A": "agriculture",
    **{f"{n:02d}": "agriculture" for n in range(1, 6)},
    "B": "industry",
    "C": "industry",
    "D": "industry",
    **{f"{n:02d}": "industry" for n in range(6, 47)},
    "E": "construction",
    **{f"{n:02d}": "construction" for n in range(47, 51)},
    "F": None,
    "51": "wholesale",
    "52": "retail",
    "G": None,
    "53": "other",
    "54": "transport",
    "55": "transport",
    "56": "transport",
    "57": "transport",
    "58": "transport",
    "59": "warehousing",
    "591": "transport",
    "60": "postal",
    "H": None,
    "61": "lodging",
    "62": "catering",
    "I": None,
    "63": "telecom",
    "64": "telecom",
    "65": "software",
    "J": None,
    "66": None,
    "67": None,
    "68": None,
    "69": None,
    "K": None,
    "70": None,
    "701": "real_estate",
    "702": "property",
    "703": "other",
    "704": "other",
    "709": "other",
    "L": "leasing",
    "71": "leasing",
    "72": "leasing",
}
# Longest first: the SQL translation relies on this order too.
PREFIXES: tuple[tuple[str, str | None], ...] = tuple(
    sorted(_PREFIX_SECTOR.items(), key=lambda item: (-len(item[0]), item[0]))
)
FALLBACK_SECTOR = "other"


def sector_for(industry_code: str | None) -> Sector | None:
    """The 划型 table an industry code falls under, or None when it cannot be decided."""
    code = (industry_code or "").strip().upper()
    if not code:
        return None
    for prefix, key in PREFIXES:
        if code.startswith(prefix):
            return SECTORS[key] if key else None
    return SECTORS[FALLBACK_SECTOR]


def _meets(bounds: dict[str, Decimal], values: dict[str, Decimal | None]) -> bool:
    return all(values[name] is not None and values[name] >= bound for name, bound in bounds.items())  # type: ignore[operator]


def size_class_for(
    industry_code: str | None,
    employees: int | None,
    revenue_yuan: Decimal | int | None,
    total_assets_yuan: Decimal | int | None = None,
) -> SizeClass:
    """大型/中型/小型/微型 per 工信部联企业〔2011〕300号, or 未划型 when the sector or a needed figure is
    unknown. ``revenue_yuan`` is 营业收入 in yuan; ``total_assets_yuan`` is needed only by 建筑业,
    房地产开发经营 and 租赁和商务服务业."""
    sector = sector_for(industry_code)
    if sector is None:
        return SizeClass.UNKNOWN
    values: dict[str, Decimal | None] = {
        EMPLOYEES: None if employees is None else Decimal(employees),
        REVENUE: None if revenue_yuan is None else Decimal(revenue_yuan),
        ASSETS: None if total_assets_yuan is None else Decimal(total_assets_yuan),
    }
    if any(values[name] is None for name in sector.indicators):
        return SizeClass.UNKNOWN
    if _meets(sector.large, values):
        return SizeClass.LARGE
    if _meets(sector.medium, values):
        return SizeClass.MEDIUM
    if _meets(sector.small, values):
        return SizeClass.SMALL
    return SizeClass.MICRO


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def stale_figures(as_of: dt.date | None, today: dt.date, months: int = 18) -> bool:
    """Whether figures dated ``as_of`` are too old to decide on: more than ``months`` months before
    ``today`` (a missing date is stale: nobody can say how old the figure is)."""
    if as_of is None:
        return True
    return add_months(as_of, months) < today
