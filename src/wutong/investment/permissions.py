"""The investment app's capabilities, merged into ``wutong.accounts.roles.CAPABILITIES`` at ready().

``roles.py`` belongs to accounts, so :meth:`wutong.investment.apps.InvestmentConfig.ready` calls
:func:`install`. Capabilities are per role; *managing* 招商 records additionally needs the user to sit
in the 产业/招商 section (or be an administrator): other sections' staff and heads, bureau and
district leaders read; external roles (partner, reviewer, agency, enterprise) see nothing.

The section is recognised by its name (``WUTONG_INVESTMENT_SECTION_KEYWORDS`` may override the
default 产业/招商 keywords, since sections are renamed more often than their work changes).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from wutong.accounts.choices import Role
from wutong.accounts.roles import CAPABILITIES, INTERNAL_ROLES, has_capability, role_of

_MANAGERS = frozenset({Role.STAFF, Role.SECTION_HEAD, Role.ADMIN})

INVESTMENT_CAPABILITIES: dict[str, frozenset[str]] = {
    # see targets, projects, activities, chains, space, the funnel (read-only for most internal roles)
    "investment.view": INTERNAL_ROLES,
    # create and change targets, projects, activities, chains, spaces (plus the section check below)
    "investment.manage": _MANAGERS,
    # import targets and fundraising announcements
    "investment.import": _MANAGERS,
}

DEFAULT_SECTION_KEYWORDS = ("产业", "招商")


def install() -> None:
    CAPABILITIES.update(INVESTMENT_CAPABILITIES)


def in_investment_section(user: Any) -> bool:
    if role_of(user) == Role.ADMIN:
        return True
    unit = getattr(user, "org_unit", None)
    if unit is None:
        return False
    keywords = getattr(settings, "WUTONG_INVESTMENT_SECTION_KEYWORDS", DEFAULT_SECTION_KEYWORDS)
    names = f"{unit.name} {unit.short_name}"
    return any(k in names for k in keywords)


def can_manage(user: Any) -> bool:
    """Whether ``user`` may change 招商 records: a managing role in the 产业/招商 section."""
    return has_capability(user, "investment.manage") and in_investment_section(user)


def can_import(user: Any) -> bool:
    return has_capability(user, "investment.import") and in_investment_section(user)


def require_manage(actor: Any) -> None:
    if not can_manage(actor):
        raise PermissionDenied(_("只有产业/招商科可以维护招商数据"))
