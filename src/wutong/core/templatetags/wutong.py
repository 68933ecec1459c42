"""Generic display filters: money in 万元, dates the way officials write them.

``{% load wutong %}`` then ``{{ amount|wanyuan }}`` → ``1,234.57 万元``.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()

WAN = Decimal(10000)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def wanyuan_number(value: Any, places: int = 2) -> str:
    """Yuan → ``1,234.57`` (万元, thousands separators, half-up rounding); empty for no value."""
    amount = _decimal(value)
    if amount is None:
        return ""
    quantum = Decimal(1).scaleb(-int(places))
    return f"{(amount / WAN).quantize(quantum, rounding=ROUND_HALF_UP):,}"


@register.filter
def wanyuan(value: Any, places: int = 2) -> str:
    """Yuan → ``1,234.57 万元``; ``—`` for no value."""
    number = wanyuan_number(value, places)
    return f"{number} {_('万元')}" if number else "—"


@register.filter
def grouped(value: Any, places: int = 2) -> str:
    """A number with thousands separators and ``places`` decimals: ``1,234.57``."""
    amount = _decimal(value)
    if amount is None:
        return ""
    quantum = Decimal(1).scaleb(-int(places))
    return f"{amount.quantize(quantum, rounding=ROUND_HALF_UP):,}"


@register.filter
def yuan(value: Any) -> str:
    """Yuan with separators: ``12,345.00 元``."""
    amount = _decimal(value)
    return (
        f"{amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,} {_('元')}"
        if amount is not None
        else "—"
    )


@register.filter
def ymd(value: Any) -> str:
    """A date as ``2026-11-24``; ``—`` when missing."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, dt.date) else "—"
