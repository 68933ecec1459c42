"""What each role may do, as named capabilities. The one table to read when asking "who can …".

Capabilities are coarse (may this role use the feature at all); *which records* a user reaches is
decided by the scopes in each app's ``access.py``.
"""

from __future__ import annotations

from typing import Any

from wutong.accounts.choices import Role

INTERNAL_ROLES = frozenset(
    {Role.STAFF, Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.DISTRICT_LEADER, Role.ADMIN}
)
BUREAU_WIDE_ROLES = frozenset({Role.BUREAU_LEADER, Role.ADMIN})
EDITOR_ROLES = frozenset({Role.STAFF, Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMIN})

CAPABILITIES: dict[str, frozenset[str]] = {
    "core.view_audit": frozenset({Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMIN, Role.STAFF}),
    "core.view_reference": INTERNAL_ROLES,
    "core.manage_reference": frozenset({Role.ADMIN}),
    # The working-day calendar is kept by the people whose deadlines depend on it.
    "core.manage_holidays": frozenset({Role.STAFF, Role.SECTION_HEAD, Role.ADMIN}),
    "accounts.view_users": frozenset({Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMIN}),
    "accounts.manage_users": frozenset({Role.ADMIN}),
    "enterprises.view": INTERNAL_ROLES | {Role.AGENCY, Role.ENTERPRISE},
    "enterprises.list": INTERNAL_ROLES | {Role.AGENCY},
    "enterprises.change": EDITOR_ROLES,
    "enterprises.import": frozenset({Role.STAFF, Role.SECTION_HEAD, Role.ADMIN}),
    "enterprises.merge": frozenset({Role.SECTION_HEAD, Role.ADMIN}),
    "enterprises.view_pii": EDITOR_ROLES,
}


def role_of(user: Any) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    return getattr(user, "role", None)


def has_capability(user: Any, capability: str) -> bool:
    role = role_of(user)
    if role is None:
        return False
    return role in CAPABILITIES.get(capability, frozenset())


def is_internal(user: Any) -> bool:
    return role_of(user) in INTERNAL_ROLES
