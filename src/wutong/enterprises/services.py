"""Every change to the registry: guard, change in one transaction, exactly one audit entry.

The importer (another app's code) writes annual figures in bulk and then calls
:func:`refresh_derived_figures`, which recomputes the derived columns of Enterprise set-based.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, CharField, ExpressionWrapper, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from wutong.enterprises import rules
from wutong.enterprises.choices import SizeClass
from wutong.enterprises.models import AnnualReport, Enterprise

# --- Derived figures (set-based) ----------------------------------------------------------------

_REPORT_COLUMN = {
    rules.EMPLOYEES: "employees",
    rules.REVENUE: "revenue_for_size",
    rules.ASSETS: "total_assets",
}


def _bounds_q(bounds: dict[str, Any]) -> Q:
    return Q(**{f"{_REPORT_COLUMN[name]}__gte": value for name, value in bounds.items()})


def _size_case(sector: rules.Sector) -> Case:
    """The 划型 of one sector as SQL over an AnnualReport row (mirrors rules.size_class_for)."""
    missing = Q()
    for name in sector.indicators:
        missing |= Q(**{f"{_REPORT_COLUMN[name]}__isnull": True})
    return Case(
        When(missing, then=Value(SizeClass.UNKNOWN.value)),
        When(_bounds_q(sector.large), then=Value(SizeClass.LARGE.value)),
        When(_bounds_q(sector.medium), then=Value(SizeClass.MEDIUM.value)),
        When(_bounds_q(sector.small), then=Value(SizeClass.SMALL.value)),
        default=Value(SizeClass.MICRO.value),
        output_field=CharField(),
    )


def size_class_expression(industry_path: str = "industry_code") -> Case:
    """rules.size_class_for translated to one SQL CASE over an AnnualReport queryset annotated with
    ``revenue_for_size`` and ``industry_code``."""
    whens = [
        When(
            Q(**{f"{industry_path}__isnull": True}) | Q(**{industry_path: ""}),
            then=Value(SizeClass.UNKNOWN.value),
        )
    ]
    # Group consecutive prefixes of the same length and sector (longest first, as rules.PREFIXES).
    groups: dict[tuple[int, str | None], list[str]] = {}
    for prefix, key in rules.PREFIXES:
        groups.setdefault((len(prefix), key), []).append(prefix)
    for (_length, key), prefixes in groups.items():
        condition = Q()
        for prefix in prefixes:
            condition |= Q(**{f"{industry_path}__startswith": prefix})
        then = _size_case(rules.SECTORS[key]) if key else Value(SizeClass.UNKNOWN.value)
        whens.append(When(condition, then=then))
    return Case(*whens, default=_size_case(rules.SECTORS[rules.FALLBACK_SECTOR]), output_field=CharField())


def revenue_expression() -> Coalesce:
    """营业收入, falling back to 销售收入 and then 主营业务收入 (old ledgers fill only one of them)."""
    return Coalesce("operating_revenue", "sales_revenue", "main_business_revenue")


def refresh_derived_figures(enterprise_ids: Iterable[int] | None = None) -> int:
    """Recompute Enterprise.latest_year, latest_revenue and size_class from each enterprise's latest
    AnnualReport, in one UPDATE per chunk of ids (all enterprises when ``enterprise_ids`` is None).

    Set-based on purpose: the importer calls this after writing figures for up to millions of firms.
    Not audited: these columns are derived, the audit log holds the figures they derive from.
    Returns the number of enterprise rows updated.
    """
    latest = AnnualReport.objects.filter(enterprise=OuterRef("pk")).order_by("-year")
    with_revenue = latest.annotate(
        revenue_for_size=revenue_expression(),
        industry_code=ExpressionWrapper(F("enterprise__industry_id"), output_field=CharField()),
    )
    values = {
        "latest_year": Subquery(latest.values("year")[:1]),
        "latest_revenue": Subquery(with_revenue.values("revenue_for_size")[:1]),
        "size_class": Coalesce(
            Subquery(with_revenue.annotate(size=size_class_expression()).values("size")[:1]),
            Value(SizeClass.UNKNOWN.value),
            output_field=CharField(),
        ),
    }
    if enterprise_ids is None:
        return Enterprise.objects.update(**values)
    ids = list(dict.fromkeys(enterprise_ids))
    updated = 0
    for start in range(0, len(ids), 5000):
        updated += Enterprise.objects.filter(pk__in=ids[start : start + 5000]).update(**values)
    return updated
