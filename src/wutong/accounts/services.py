"""Every change to users and org units: guard, change in one transaction, one audit entry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from wutong.accounts.choices import Role
from wutong.accounts.models import OrgUnit, User
from wutong.accounts.roles import has_capability
from wutong.core import audit
from wutong.core.exceptions import DomainError

USER_FIELDS = ["username", "display_name", "role", "org_unit", "phone", "title", "email", "is_active"]


def require(actor: Any, capability: str) -> None:
    if not has_capability(actor, capability):
        raise PermissionDenied(_("无权执行此操作"))


def _sync_admin_flags(user: User) -> None:
    """Django's admin site (``/admin/``) is for the 系统管理员 role only: its flags follow the role."""
    is_admin = user.role == Role.ADMIN
    user.is_staff = is_admin
    user.is_superuser = is_admin


def create_user(*, actor: Any, password: str, **fields: Any) -> User:
    """An administrator creates an account; the initial password must pass the password policy."""
    require(actor, "accounts.manage_users")
    user = User(**fields)
    _sync_admin_flags(user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="password") from exc
    if User.objects.filter(username=fields.get("username")).exists():
        raise DomainError(_("用户名已存在"), field="username")
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save()
        audit.record(
            "accounts.user.created",
            actor=actor,
            target=user,
            changes=audit.diff({}, audit.snapshot(user, USER_FIELDS)),
        )
    return user


def update_user(user: User, *, actor: Any, **fields: Any) -> User:
    """An administrator changes an account's profile, role, unit or status."""
    require(actor, "accounts.manage_users")
    if user.pk == getattr(actor, "pk", None):
        # An administrator cannot lock themselves out of administration by mistake.
        if fields.get("is_active") is False:
            raise DomainError(_("不能停用自己的账号"), field="is_active")
        if "role" in fields and fields["role"] != user.role:
            raise DomainError(_("不能修改自己的角色"), field="role")
    username = fields.get("username")
    if username and User.objects.filter(username=username).exclude(pk=user.pk).exists():
        raise DomainError(_("用户名已存在"), field="username")
    with transaction.atomic():
        before = audit.snapshot(user, USER_FIELDS)
        for name, value in fields.items():
            setattr(user, name, value)
        _sync_admin_flags(user)
        user.save()
        changes = audit.diff(before, audit.snapshot(user, USER_FIELDS))
        if changes:
            audit.record("accounts.user.updated", actor=actor, target=user, changes=changes)
    return user


def change_password(user: User, *, actor: Any, old_password: str | None, new_password: str) -> None:
    """A user changes their own password (old one required), or an admin resets someone's."""
    resetting = actor.pk != user.pk
    if resetting:
        require(actor, "accounts.manage_users")
    elif not user.check_password(old_password or ""):
        raise DomainError(_("原密码不正确"), field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), field="new_password1") from exc
    with transaction.atomic():
        user.set_password(new_password)
        user.password_changed_at = timezone.now()
        user.failed_login_count = 0
        user.locked_until = None
        user.save(update_fields=["password", "password_changed_at", "failed_login_count", "locked_until"])
        audit.record(
            "accounts.user.password_reset" if resetting else "accounts.user.password_changed",
            actor=actor,
            target=user,
        )


def record_login_failure(user: User) -> User:
    """Count a bad password; at the threshold, lock the account for ``LOCKOUT_MINUTES``."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count", "locked_until"])
        locked = user.failed_login_count >= settings.LOCKOUT_THRESHOLD
        if locked:
            user.locked_until = timezone.now() + timedelta(minutes=settings.LOCKOUT_MINUTES)
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
        audit.record(
            "accounts.user.locked" if locked else "accounts.user.login_failed",
            actor=None,
            target=user,
            data={"failed_login_count": user.failed_login_count, "locked_until": user.locked_until},
        )
    return user


def record_login_success(user: User) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(
            failed_login_count=0, locked_until=None, last_login=timezone.now()
        )
        audit.record("accounts.user.logged_in", actor=user, target=user)


def unlock_user(user: User, *, actor: Any) -> None:
    require(actor, "accounts.manage_users")
    with transaction.atomic():
        user.failed_login_count = 0
        user.locked_until = None
        user.save(update_fields=["failed_login_count", "locked_until"])
        audit.record("accounts.user.unlocked", actor=actor, target=user)


ORG_UNIT_FIELDS = ["name", "short_name", "kind", "parent", "uscc", "is_active"]


def create_org_unit(*, actor: Any, **fields: Any) -> OrgUnit:
    """An administrator adds a section, partner department, agency or enterprise unit."""
    require(actor, "accounts.manage_users")
    if OrgUnit.objects.filter(kind=fields.get("kind"), name=fields.get("name")).exists():
        raise DomainError(_("同类型下已有同名单位"), field="name")
    with transaction.atomic():
        unit = OrgUnit.objects.create(**fields)
        audit.record(
            "accounts.orgunit.created", actor=actor, target=unit, changes=audit.diff({}, audit.snapshot(unit))
        )
    return unit


def update_org_unit(unit: OrgUnit, *, actor: Any, **fields: Any) -> OrgUnit:
    """An administrator renames, moves or deactivates an org unit (bureaus rename sections)."""
    require(actor, "accounts.manage_users")
    parent = fields.get("parent")
    while parent is not None:
        if parent.pk == unit.pk:
            raise DomainError(_("上级单位不能是本单位或其下级"), field="parent")
        parent = parent.parent
    name, kind = fields.get("name", unit.name), fields.get("kind", unit.kind)
    if OrgUnit.objects.filter(kind=kind, name=name).exclude(pk=unit.pk).exists():
        raise DomainError(_("同类型下已有同名单位"), field="name")
    with transaction.atomic():
        before = audit.snapshot(unit, ORG_UNIT_FIELDS)
        for field, value in fields.items():
            setattr(unit, field, value)
        unit.save()
        changes = audit.diff(before, audit.snapshot(unit, ORG_UNIT_FIELDS))
        if changes:
            audit.record("accounts.orgunit.updated", actor=actor, target=unit, changes=changes)
    return unit
