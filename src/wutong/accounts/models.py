"""Users and the organisation units they belong to.

A user has one role and one org unit. The org unit says *where* they work (a bureau section, a
partner department, an agency, an enterprise); the role says *what* they may do there.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wutong.accounts.choices import OrgUnitKind, Role
from wutong.core.access import AccessQuerySet
from wutong.core.models import TimeStampedModel


class OrgUnitQuerySet(AccessQuerySet["OrgUnit"]):
    pass


class OrgUnit(TimeStampedModel):
    """A section of the bureau (产业/招商, 科技/国高 …), a partner department (住建, 人社 …), a
    third-party agency, or an enterprise whose contacts log in to the portal."""

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=OrgUnitKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        blank=True,
        db_index=True,
        help_text=_("企业类单位填写，用于关联一企一档"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织单位")
        verbose_name_plural = _("组织单位")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="orgunit_unique_kind_name")]

    def __str__(self) -> str:
        return self.name


class UserQuerySet(AccessQuerySet["User"]):
    pass


class WutongUserManager(UserManager["User"]):
    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def visible_to(self, user: Any) -> UserQuerySet:
        return self.get_queryset().visible_to(user)  # type: ignore[return-value]


class User(AbstractUser):
    """Anyone who logs in: bureau staff and leaders, partner handlers, reviewers, agencies and
    enterprise contacts. Lockout and password age live here because the login path reads them."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.STAFF, db_index=True)
    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    failed_login_count = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects: ClassVar[WutongUserManager] = WutongUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def is_locked(self, now: Any = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())
