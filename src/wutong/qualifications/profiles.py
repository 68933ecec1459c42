"""Enterprise profiles: the one shape every rule set reads, from a JSON file or from the registry.

The file format (money in 万元, headcounts in persons; a missing key means "no data", an empty list
means "none")::

    {"name", "uscc", "established": "YYYY-MM-DD",
     "years": {"2025": {"sales_revenue", "total_income", "high_tech_revenue", "rd_expense",
                        "rd_expense_domestic", "cost_expense_total", "net_assets", "total_assets",
                        "employees", "tech_staff", …}, …},
     "ip": [{"kind", "status", "acquisition", "used_for_gaoxin"}],
     "transformations": {"2025": n, …}, "standards": [ … ], "incidents": [{"date", "kind"}],
     "holdings": [{"code": "gaoxin", "issued": "YYYY-MM-DD"}]}

Optional extras read by some rule sets: ``awards`` ([{"level": "national|provincial", "rank", "date"}]),
``rd_institutions`` ([{"level": "national|provincial|municipal", "name"}]), ``market_years`` (years in
the niche market), ``equity_financing`` ({"2025": 万元, qualified investors' paid-in}), ``industry``
(GB/T 4754 code, "I6513" or "6513"), ``emerging_industry`` (bool, 战略性新兴产业), ``rd_equipment_value``
(万元); IP items may carry ``high_value`` (高价值Ⅰ类).

:func:`normalize_profile` checks a file's content and turns it into Python values (dates, ints,
floats); :func:`profile_from_enterprise` builds the same file-format dict from the registry.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from wutong.enterprises.choices import CLASS_ONE_KINDS, CLASS_TWO_KINDS, IPAcquisition, IPKind, IPStatus
from wutong.qualifications.rules import FIELD_LABELS

YEAR_FIELDS = tuple(FIELD_LABELS)
LIST_KEYS = ("ip", "standards", "incidents", "holdings", "awards", "rd_institutions")
WAN = Decimal(10000)


class ProfileError(ValueError):
    """The profile cannot be read: the message (Chinese) says which key is wrong."""


# --- Reading ------------------------------------------------------------------------------------


def load_profile_file(path: str | Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ProfileError(f"找不到企业画像文件 {path}")
    except IsADirectoryError:
        raise ProfileError(f"{path} 是目录，不是企业画像文件")
    except OSError as exc:
        raise ProfileError(f"无法读取企业画像文件 {path}（{exc.__class__.__name__}）")
    except UnicodeDecodeError:
        raise ProfileError(f"企业画像文件 {path} 不是 UTF-8 编码的文本")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(
            f"企业画像文件 {path} 不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列 {exc.msg}"
        )
    return normalize_profile(data)


def _date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise ProfileError(f"{where} 应为 YYYY-MM-DD 格式的日期，实际为 {value!r}")


def _number(value: Any, where: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ProfileError(f"{where} 应为数字，实际为 {value!r}")
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.replace(",", ""))
        except ValueError:
            raise ProfileError(f"{where} 应为数字，实际为 {value!r}")
    else:
        raise ProfileError(f"{where} 应为数字，实际为 {value!r}")
    if number != number or number in (float("inf"), float("-inf")):
        raise ProfileError(f"{where} 不是有限的数字")
    return number


def _year(key: Any, where: str) -> int:
    try:
        year = int(str(key))
    except ValueError:
        raise ProfileError(f"{where} 的年度应为四位数字，实际为 {key!r}")
    if not 1949 <= year <= 2100:
        raise ProfileError(f"{where} 的年度 {year} 超出范围")
    return year


def normalize_profile(data: Any) -> dict[str, Any]:
    """Check a profile in the file format and return it with Python values; raises :class:`ProfileError`."""
    if not isinstance(data, Mapping):
        raise ProfileError("企业画像应为一个 JSON 对象")
    profile: dict[str, Any] = {
        "name": str(data.get("name") or ""),
        "uscc": str(data.get("uscc") or ""),
        "established": _date(data.get("established"), "established"),
    }

    years_raw = data.get("years", {})
    if not isinstance(years_raw, Mapping):
        raise ProfileError("years 应为以年度为键的对象")
    years: dict[int, dict[str, float | None]] = {}
    for key, figures in years_raw.items():
        year = _year(key, "years")
        if not isinstance(figures, Mapping):
            raise ProfileError(f"years.{key} 应为对象")
        years[year] = {name: _number(figures.get(name), f"years.{key}.{name}") for name in YEAR_FIELDS}
    profile["years"] = years

    for key in LIST_KEYS:
        value = data.get(key)
        if value is not None and not isinstance(value, list):
            raise ProfileError(f"{key} 应为数组")
        profile[key] = value

    if profile["ip"] is not None:
        profile["ip"] = [_ip(item, i) for i, item in enumerate(profile["ip"])]
    if profile["incidents"] is not None:
        incidents = []
        for i, item in enumerate(profile["incidents"]):
            if not isinstance(item, Mapping):
                raise ProfileError(f"incidents[{i}] 应为对象")
            incidents.append(
                {"date": _date(item.get("date"), f"incidents[{i}].date"), "kind": str(item.get("kind", ""))}
            )
        profile["incidents"] = incidents
    if profile["holdings"] is not None:
        holdings = []
        for i, item in enumerate(profile["holdings"]):
            if not isinstance(item, Mapping) or not item.get("code"):
                raise ProfileError(f"holdings[{i}] 应为带 code 的对象")
            holdings.append(
                {
                    "code": str(item["code"]),
                    "issued": _date(item.get("issued"), f"holdings[{i}].issued"),
                    "expires": _date(item.get("expires"), f"holdings[{i}].expires"),
                    "level": str(item.get("level", "")),
                }
            )
        profile["holdings"] = holdings
    for key in ("awards", "rd_institutions"):
        if profile[key] is not None and not all(isinstance(x, Mapping) for x in profile[key]):
            raise ProfileError(f"{key} 的每一项应为对象")

    for key in ("transformations", "equity_financing"):
        raw = data.get(key)
        if raw is None:
            profile[key] = None
            continue
        if not isinstance(raw, Mapping):
            raise ProfileError(f"{key} 应为以年度为键的对象")
        profile[key] = {_year(k, key): _number(v, f"{key}.{k}") for k, v in raw.items()}
    profile["market_years"] = _number(data.get("market_years"), "market_years")
    profile["rd_equipment_value"] = _number(data.get("rd_equipment_value"), "rd_equipment_value")
    emerging = data.get("emerging_industry")
    if emerging is not None and not isinstance(emerging, bool):
        raise ProfileError("emerging_industry 应为 true 或 false")
    profile["emerging_industry"] = emerging
    industry = data.get("industry")
    if industry is not None and not isinstance(industry, str):
        raise ProfileError('industry 应为国民经济行业代码字符串，如 "I6513"')
    profile["industry"] = industry.strip().upper() if industry else None
    return profile


def _ip(item: Any, index: int) -> dict[str, Any]:
    where = f"ip[{index}]"
    if not isinstance(item, Mapping):
        raise ProfileError(f"{where} 应为对象")
    kind = item.get("kind")
    if kind is not None and kind not in IPKind.values:
        raise ProfileError(f"{where}.kind 未知：{kind!r}（可选：{'、'.join(IPKind.values)}）")
    status = item.get("status")
    if status is not None and status not in IPStatus.values:
        raise ProfileError(f"{where}.status 未知：{status!r}（可选：{'、'.join(IPStatus.values)}）")
    acquisition = item.get("acquisition")
    if acquisition is not None and acquisition not in IPAcquisition.values:
        raise ProfileError(
            f"{where}.acquisition 未知：{acquisition!r}（可选：{'、'.join(IPAcquisition.values)}）"
        )
    used = item.get("used_for_gaoxin")
    used = False if used is None else used
    if not isinstance(used, bool):
        raise ProfileError(f"{where}.used_for_gaoxin 应为 true 或 false")
    ip_class = "I" if kind in CLASS_ONE_KINDS else "II" if kind in CLASS_TWO_KINDS else ""
    return {
        "kind": kind,
        "status": status,
        "acquisition": acquisition,
        "used_for_gaoxin": used,
        "ip_class": ip_class,
        "high_value": bool(item.get("high_value", False)),
    }


# --- From the registry --------------------------------------------------------------------------


def _wan(value: Decimal | None) -> float | None:
    return None if value is None else float(value / WAN)


def profile_from_enterprise(enterprise: Any, on_date: dt.date) -> dict[str, Any]:
    """The file-format profile of a registry enterprise as known on ``on_date``: annual reports of the
    years before ``on_date``'s year (yuan → 万元), IP granted by then, qualifications issued by then.

    Facts the registry does not hold (成果转化, 标准, 事故) are left out, so they read as "no data".
    Three queries; the screening job computes the same inputs set-based instead.
    """
    years: dict[str, dict[str, float | int | None]] = {}
    for report in enterprise.annual_reports.filter(year__lt=on_date.year).order_by("year"):
        figures: dict[str, float | int | None] = {}
        for name in YEAR_FIELDS:
            value = getattr(report, name, None)
            if name in ("employees", "tech_staff", "rd_staff"):
                figures[name] = value
            else:
                figures[name] = _wan(value)
        years[str(report.year)] = figures

    ip = []
    for asset in enterprise.ip_assets.all():
        if asset.granted_on is not None and asset.granted_on > on_date:
            continue
        status = asset.status if asset.status != IPStatus.INVALID else IPStatus.EXPIRED
        ip.append(
            {
                "kind": asset.kind,
                "status": status,
                "acquisition": asset.acquisition,
                "used_for_gaoxin": asset.used_for_gaoxin,
                "number": asset.number,
            }
        )

    holdings = []
    for holding in enterprise.qualifications.all():
        if holding.issued_on is not None and holding.issued_on > on_date:
            continue
        holdings.append(
            {
                "code": holding.kind,
                "level": holding.level,
                "issued": holding.issued_on.isoformat() if holding.issued_on else None,
                "expires": holding.expires_on.isoformat() if holding.expires_on else None,
            }
        )
    industry = None
    if enterprise.industry_id:
        section = getattr(enterprise.industry, "section", "") or ""
        industry = f"{section}{enterprise.industry_id}"
    return {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "industry": industry,
        "emerging_industry": True if enterprise.emerging_industry else None,
        "established": enterprise.established.isoformat() if enterprise.established else None,
        "years": years,
        "ip": ip,
        "holdings": holdings,
    }


# --- Shared derivations (the flat inputs several rule sets read) -------------------------------------


def window(profile: Mapping[str, Any], on_date: dt.date, fiscal_years: int = 3) -> list[int]:
    """The fiscal years Y−n … Y−1 (Y = the assessment year) that exist on record, oldest first."""
    return [y for y in range(on_date.year - fiscal_years, on_date.year) if y in profile["years"]]


def base_inputs(profile: Mapping[str, Any], on_date: dt.date, fiscal_years: int = 3) -> dict[str, Any]:
    """Established days, the figures of the last three fiscal years (``first_``/``prev_``/``last_`` =
    Y−3/Y−2/Y−1, None when the year or figure is absent), sums over the window (None if any year in it
    lacks the figure) and the IP counts."""
    y = on_date.year
    years = window(profile, on_date, fiscal_years)
    inputs: dict[str, Any] = {
        "established_days": (on_date - profile["established"]).days if profile.get("established") else None,
        "years_count": len(years),
        "window_years": years,
        "has_first": (y - 3) in profile["years"],
        "has_prev": (y - 2) in profile["years"],
        "has_last": (y - 1) in profile["years"],
    }
    for prefix, year in (("first", y - 3), ("prev", y - 2), ("last", y - 1)):
        figures = profile["years"].get(year, {})
        for name in YEAR_FIELDS:
            inputs[f"{prefix}_{name}"] = figures.get(name)
    for name in YEAR_FIELDS:
        values = [profile["years"][year].get(name) for year in years]
        inputs[f"sum_{name}"] = sum(values) if values and all(v is not None for v in values) else None  # type: ignore[arg-type]

    established = profile.get("established")
    if established is not None:
        expected = [
            yr for yr in range(max(y - fiscal_years, established.year), y) if yr not in profile["years"]
        ]
        if expected:
            inputs.setdefault("_flags", []).append(
                {
                    "code": "missing_years",
                    "message": f"企业 {established.year} 年成立，缺少 "
                    f"{'、'.join(str(yr) for yr in expected)} 年度数据；按已有年度计算",
                }
            )
    inputs.update(ip_inputs(profile.get("ip")))
    return inputs


def ip_inputs(ip: list[Mapping[str, Any]] | None) -> dict[str, Any]:
    """IP counts: valid rights only; Ⅱ类 rights already used for a 高企 application are counted apart."""
    if ip is None:
        return {"ip_known": None}
    valid = [item for item in ip if item.get("status") == IPStatus.VALID and item.get("ip_class")]
    class2 = [item for item in valid if item["ip_class"] == "II"]
    return {
        "ip_known": True,
        "ip_valid_count": len(valid),
        "ip_valid_class1": sum(1 for item in valid if item["ip_class"] == "I"),
        "ip_valid_class1_self": sum(
            1 for item in valid if item["ip_class"] == "I" and item.get("acquisition") == IPAcquisition.SELF
        ),
        "ip_valid_class1_high_value": sum(
            1 for item in valid if item["ip_class"] == "I" and item.get("high_value")
        ),
        "ip_valid_class2": len(class2),
        "ip_valid_class2_unused": sum(1 for item in class2 if not item.get("used_for_gaoxin")),
        "ip_valid_self": sum(1 for item in valid if item.get("acquisition") == IPAcquisition.SELF),
        "ip_valid_acquired": sum(
            1
            for item in valid
            if item.get("acquisition") in (IPAcquisition.TRANSFER, IPAcquisition.GIFT, IPAcquisition.MERGER)
        ),
        "ip_valid_acquisition_unknown": sum(1 for item in valid if not item.get("acquisition")),
        "ip_status_unknown": sum(1 for item in ip if not item.get("status")),
    }


def incidents_between(profile: Mapping[str, Any], start: dt.date, end: dt.date) -> int | None:
    """Incidents dated in [start, end]; None when the profile has no incident record. An undated
    incident counts (a person must check it)."""
    incidents = profile.get("incidents")
    if incidents is None:
        return None
    return sum(1 for item in incidents if item["date"] is None or start <= item["date"] <= end)


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
