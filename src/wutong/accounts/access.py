"""Who sees which users, org units and audit entries."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from wutong.accounts.choices import Role
from wutong.accounts.models import OrgUnit, User
from wutong.accounts.roles import BUREAU_WIDE_ROLES, INTERNAL_ROLES, has_capability, role_of
from wutong.core import access
from wutong.core.models import AuditEntry, ImportBatch


def scope_users(qs: QuerySet[User], user: Any) -> QuerySet[User]:
    role = role_of(user)
    if role in BUREAU_WIDE_ROLES:
        return qs
    if role == Role.SECTION_HEAD and user.org_unit_id:
        return qs.filter(Q(org_unit_id=user.org_unit_id) | Q(pk=user.pk))
    return qs.filter(pk=user.pk)


def can_user(actor: Any, action: str, target: User) -> bool:
    return has_capability(actor, "accounts.manage_users")


def scope_org_units(qs: QuerySet[OrgUnit], user: Any) -> QuerySet[OrgUnit]:
    if role_of(user) in INTERNAL_ROLES:
        return qs
    return qs.filter(pk=user.org_unit_id) if user.org_unit_id else qs.none()


def scope_audit(qs: QuerySet[AuditEntry], user: Any) -> QuerySet[AuditEntry]:
    """Leaders and admins read the whole log; a section head their section's; staff their own."""
    role = role_of(user)
    if role in BUREAU_WIDE_ROLES:
        return qs
    if role == Role.SECTION_HEAD and user.org_unit_id:
        return qs.filter(actor__org_unit_id=user.org_unit_id)
    if role == Role.STAFF:
        return qs.filter(actor_id=user.pk)
    return qs.none()


def scope_import_batches(qs: QuerySet[ImportBatch], user: Any) -> QuerySet[ImportBatch]:
    """Bureau users see every import (the registry is shared); others only their own uploads."""
    if role_of(user) in INTERNAL_ROLES:
        return qs
    return qs.filter(uploaded_by_id=user.pk)


def register() -> None:
    access.register(User, scope=scope_users, can=can_user)
    access.register(
        OrgUnit, scope=scope_org_units, can=lambda u, a, o: has_capability(u, "accounts.manage_users")
    )
    access.register(AuditEntry, scope=scope_audit)
    access.register(ImportBatch, scope=scope_import_batches)  # no actions: entries are never changed


def access_user(user: Any, pk: Any, action: str = access.VIEW) -> User:
    return access.access_object(User.objects.all(), user, pk, action)


def access_org_unit(user: Any, pk: Any, action: str = access.VIEW) -> OrgUnit:
    return access.access_object(OrgUnit.objects.all(), user, pk, action)
