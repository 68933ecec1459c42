"""Display helpers of the enterprise file."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wutong.enterprises.queries import qualification_state

register = template.Library()

_BADGES = {
    "expired": ("danger", _("已过期")),
    "expiring": ("warning", _("90天内到期")),
    "valid": ("success", _("有效")),
    "open": ("secondary", _("长期")),
}


@register.simple_tag
def qualification_badge(holding: Any, today: Any = None) -> str:
    css, label = _BADGES[qualification_state(holding, today)]
    return format_html('<span class="badge text-bg-{}">{}</span>', css, label)


@register.simple_tag
def url_if_exists(name: str, *args: Any) -> str:
    """The URL of ``name`` when another module has built that page, else an empty string."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return ""
