"""Reads of the registry: the list queryset, the enterprise file's figures and charts, dashboard cards."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wutong.core import access
from wutong.core.choices import IndustryLevel
from wutong.core.models import Industry
from wutong.enterprises.choices import EnterpriseStatus, QualificationKind
from wutong.enterprises.models import AnnualReport, Enterprise, QualificationHolding

WAN = Decimal(10000)
STALE_AFTER_MONTHS = 18
EXPIRING_WITHIN_DAYS = 90


def to_wanyuan(value: Decimal | int | float | None, places: int = 2) -> Decimal | None:
    """Yuan → 万元, rounded half-up to ``places`` decimals (None stays None)."""
    if value is None:
        return None
    quantum = Decimal(1).scaleb(-places)
    return (Decimal(value) / WAN).quantize(quantum, rounding=ROUND_HALF_UP)


# --- Lists ------------------------------------------------------------------------------------


def enterprise_list(user: Any) -> QuerySet[Enterprise]:
    """The registry as ``user`` may see it, with what the list table shows joined in (no N+1)."""
    return (
        Enterprise.objects.visible_to(user)
        .select_related("street", "park", "industry")
        .prefetch_related("tags")
    )


INDUSTRY_CODE_DIGITS = 4  # GB/T 4754-2017 小类


def code_prefix_filter(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, written so a B-tree serves it.

    Industry codes (a field whose path names the industry) with a digit prefix become the range of
    the 2–4-digit codes under it, ``39`` ≤ code ≤ ``3999``: the registry's (industry, name) index
    serves that under any collation, as it serves the 门类 ranges. Other codes: a code-point range on
    SQLite (binary collation), ``LIKE 'x%'`` on PostgreSQL (``varchar_pattern_ops`` indexes)."""
    if "industry" in field and prefix.isdigit() and len(prefix) <= INDUSTRY_CODE_DIGITS:
        return Q(**{f"{field}__gte": prefix, f"{field}__lte": prefix.ljust(INDUSTRY_CODE_DIGITS, "9")})
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})
    return Q(**{f"{field}__startswith": prefix})


def industry_filter(value: str, field: str = "industry__code") -> Q | None:
    """Enterprises in the industry ``value`` at any level: a 门类 letter (A–T) or a 2/3/4-digit code.

    A letter becomes the range of its 大类 codes (门类 C = 13…43), since a section's divisions are
    contiguous; digit codes are prefixes. None when ``value`` is not a valid industry."""
    text = (value or "").strip().upper().split(" ")[0]
    if not text:
        return None
    if len(text) == 1 and text.isalpha():
        bounds = section_division_range(text)
        if bounds is None:
            return Q(pk__in=[])
        return Q(**{f"{field}__gte": bounds[0], f"{field}__lte": bounds[1] + "99"})
    if text.isdigit() and 2 <= len(text) <= 4:
        return code_prefix_filter(field, text)
    return Q(pk__in=[])


def section_division_range(section: str) -> tuple[str, str] | None:
    """The first and last 大类 code of a 门类, read from the Industry table and cached for an hour
    (reference data: a page of the list should not pay a query for it)."""
    key = f"wutong:industry-section-range:{section}"
    cached = cache.get(key)
    if cached is None:
        codes = list(
            Industry.objects.filter(section=section, level=IndustryLevel.DIVISION).values_list(
                "code", flat=True
            )
        )
        cached = [min(codes), max(codes)] if codes else []
        cache.set(key, cached, 3600)
    return (cached[0], cached[1]) if cached else None


def holding_valid_on(day: dt.date, prefix: str = "") -> Q:
    """A qualification holding in force on ``day`` (open-ended dates count as in force)."""
    return (Q(**{f"{prefix}issued_on__isnull": True}) | Q(**{f"{prefix}issued_on__lte": day})) & (
        Q(**{f"{prefix}expires_on__isnull": True}) | Q(**{f"{prefix}expires_on__gte": day})
    )


def holds_qualification(kind: str, valid_on: dt.date | None = None) -> Exists:
    holdings = QualificationHolding.objects.filter(enterprise=OuterRef("pk"), kind=kind)
    if valid_on is not None:
        holdings = holdings.filter(holding_valid_on(valid_on))
    return Exists(holdings)


# --- The enterprise file ----------------------------------------------------------------------


def industry_path(industry: Industry | None) -> list[Industry]:
    """门类 › 大类 › 中类 › 小类 down to ``industry``, in one query."""
    if industry is None:
        return []
    code = industry.code
    wanted = {industry.section, *(code[:n] for n in (2, 3, 4) if n <= len(code) and code.isdigit())}
    nodes = {node.code: node for node in Industry.objects.filter(code__in=wanted)}
    order = [industry.section] + [code[:n] for n in (2, 3, 4) if n <= len(code) and code.isdigit()]
    return [nodes[c] for c in dict.fromkeys(order) if c in nodes]


def qualification_state(holding: QualificationHolding, today: dt.date | None = None) -> str:
    """``expired`` / ``expiring`` (within 90 days) / ``valid`` / ``open`` (no expiry on record)."""
    today = today or timezone.localdate()
    if holding.expires_on is None:
        return "open"
    if holding.expires_on < today:
        return "expired"
    if holding.expires_on <= today + dt.timedelta(days=EXPIRING_WITHIN_DAYS):
        return "expiring"
    return "valid"


def figure_as_of(report: AnnualReport) -> dt.date:
    """The date an annual figure speaks for: its recorded as-of date, else the fiscal year's end."""
    return report.as_of or dt.date(report.year, 12, 31)


def is_stale(report: AnnualReport, today: dt.date | None = None) -> bool:
    """An annual figure is stale when its as-of date is more than 18 months ago (``rules.stale_figures``)."""
    from wutong.enterprises.rules import stale_figures

    return stale_figures(figure_as_of(report), today or timezone.localdate(), STALE_AFTER_MONTHS)


@dataclass
class Provenance:
    label: str
    source: str
    as_of: dt.date | None
    batch: str
    stale: bool


def provenance(
    enterprise: Enterprise, reports: list[AnnualReport], today: dt.date | None = None
) -> list[Provenance]:
    """Where each figure on the file came from and how old it is (the profile, then each year)."""
    rows = [
        Provenance(
            _("企业基本信息"),
            enterprise.get_source_display(),
            enterprise.as_of,
            str(enterprise.source_batch) if enterprise.source_batch_id else "",
            False,
        )
    ]
    for report in reports:
        rows.append(
            Provenance(
                _("%(year)s 年度经营数据") % {"year": report.year},
                report.get_source_display(),
                figure_as_of(report),
                str(report.source_batch) if report.source_batch_id else "",
                is_stale(report, today),
            )
        )
    return rows


def report_revenue(report: AnnualReport) -> Decimal | None:
    """营业收入, falling back to 销售收入 then 主营业务收入 (as ``services.revenue_expression``)."""
    for field in ("operating_revenue", "sales_revenue", "main_business_revenue"):
        value = getattr(report, field)
        if value is not None:
            return value
    return None


SERIES = (
    ("revenue", _("营业收入"), "revenue", "wan"),
    ("rd", _("研发费用"), "rd_expense", "wan"),
    ("tax", _("纳税总额"), "tax_paid", "wan"),
    ("employees", _("从业人员"), "employees", "count"),
)


def annual_series(enterprise: Enterprise, reports: list[AnnualReport] | None = None) -> dict[str, Any]:
    """The trend charts' data: years ascending, money in 万元 (floats, 2 decimals), staff as counts;
    a year without the figure is ``None`` (a gap in the line, not a zero)."""
    if reports is None:
        reports = list(AnnualReport.objects.filter(enterprise=enterprise).order_by("year"))
    reports = sorted(reports, key=lambda r: r.year)
    result: dict[str, Any] = {"years": [r.year for r in reports], "series": []}
    for key, label, field, unit in SERIES:
        values: list[Any] = []
        for report in reports:
            raw = report_revenue(report) if field == "revenue" else getattr(report, field)
            if raw is None:
                values.append(None)
            elif unit == "wan":
                values.append(float(to_wanyuan(raw)))  # type: ignore[arg-type]
            else:
                values.append(int(raw))
        result["series"].append(
            {
                "key": key,
                "label": str(label),
                "unit": str(_("万元")) if unit == "wan" else str(_("人")),
                "values": values,
            }
        )
    return result


MONEY_FIGURES = {f for f in AnnualReport.FIGURE_FIELDS if f not in {"employees", "tech_staff", "rd_staff"}}


def annual_table(reports: list[AnnualReport]) -> dict[str, Any]:
    """One row per figure, one column per year (newest first); money in 万元 as Decimal."""
    reports = sorted(reports, key=lambda r: r.year, reverse=True)
    rows = []
    for field in AnnualReport.FIGURE_FIELDS:
        values = [getattr(r, field) for r in reports]
        if all(v is None for v in values):
            continue
        money = field in MONEY_FIGURES
        rows.append(
            {
                "label": AnnualReport._meta.get_field(field).verbose_name,  # type: ignore[union-attr]
                "money": money,
                "values": [to_wanyuan(v) if money else v for v in values],
            }
        )
    return {"years": [r.year for r in reports], "reports": reports, "rows": rows}


# --- Dashboard --------------------------------------------------------------------------------


def dashboard_counts(user: Any, today: dt.date | None = None) -> dict[str, int]:
    """The registry's headline counts as ``user`` may see them."""
    today = today or timezone.localdate()
    visible = Enterprise.objects.visible_to(user)
    active = visible.filter(status=EnterpriseStatus.ACTIVE)
    holdings = access.scope(QualificationHolding.objects.all(), user)
    # One aggregate over the registry and one over holdings (dashboard query budget).
    counts = active.aggregate(
        registered=Count("pk"),
        gaoxin=Count("pk", filter=Q(holds_qualification(QualificationKind.GAOXIN, today))),
        guishang=Count("pk", filter=Q(holds_qualification(QualificationKind.GUISHANG, today))),
    )
    counts["expiring_this_year"] = holdings.filter(
        expires_on__gte=dt.date(today.year, 1, 1), expires_on__lte=dt.date(today.year, 12, 31)
    ).count()
    return counts


def enterprise_cards(user: Any) -> list[dict[str, Any]]:
    from wutong.accounts.roles import has_capability

    if not has_capability(user, "enterprises.list"):
        return []
    counts = dashboard_counts(user)
    url = reverse("enterprises:enterprise_list")
    today = timezone.localdate().isoformat()
    return [
        {
            "label": _("在册企业"),
            "value": counts["registered"],
            "unit": _("家"),
            "icon": "buildings",
            "url": f"{url}?status={EnterpriseStatus.ACTIVE}",
        },
        {
            "label": _("国高企业"),
            "value": counts["gaoxin"],
            "unit": _("家"),
            "icon": "award",
            "url": f"{url}?status={EnterpriseStatus.ACTIVE}&qualification={QualificationKind.GAOXIN}"
            f"&qualification_valid_on={today}",
        },
        {
            "label": _("本年到期资质"),
            "value": counts["expiring_this_year"],
            "unit": _("项"),
            "icon": "hourglass-split",
            "url": url,
        },
        {
            "label": _("规上企业"),
            "value": counts["guishang"],
            "unit": _("家"),
            "icon": "graph-up-arrow",
            "url": f"{url}?status={EnterpriseStatus.ACTIVE}&qualification={QualificationKind.GUISHANG}"
            f"&qualification_valid_on={today}",
        },
    ]


def register_dashboard_cards() -> None:
    """Called once from ``EnterprisesConfig.ready()``."""
    from wutong.core.dashboard import register_card

    register_card(enterprise_cards)
