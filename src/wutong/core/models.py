"""Shared base model, the append-only audit log and the reference tables every app reads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wutong.core.choices import HolidayKind, ImportStatus, IndustryLevel, ParkKind, SourceKind


class TimeStampedModel(models.Model):
    """Every business row knows when it was created and last changed (the audit log knows who)."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


# --- Audit log --------------------------------------------------------------------------------


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("审计日志只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计日志只能追加，不能删除")

    def visible_to(self, user: Any) -> AuditEntryQuerySet:
        from wutong.core.access import scope

        return scope(self, user)  # type: ignore[return-value]


# How the past-tense verbs of action names read in Chinese (unknown verbs show as they are).
ACTION_VERBS = {
    "created": _("新建"),
    "updated": _("修改"),
    "deleted": _("删除"),
    "removed": _("移除"),
    "added": _("添加"),
    "merged": _("合并"),
    "renamed": _("更名"),
    "imported": _("导入"),
    "committed": _("导入"),
    "logged_in": _("登录"),
    "login_failed": _("登录失败"),
    "locked": _("锁定"),
    "unlocked": _("解锁"),
    "password_changed": _("修改密码"),
    "password_reset": _("重置密码"),
    "accepted": _("签收"),
    "routed": _("交办"),
    "transferred": _("转办"),
    "returned": _("退回"),
    "replied": _("答复"),
    "rated": _("评价"),
    "closed": _("办结"),
    "reopened": _("重新办理"),
    "rejected": _("不予受理"),
    "commented": _("评论"),
    "escalated": _("督办"),
    "submitted": _("提交"),
    "started": _("开始办理"),
    "planned": _("计划"),
    "recorded": _("记录"),
    "cancelled": _("取消"),
    "assigned": _("指派"),
    "moved": _("变更阶段"),
    "landed": _("落地"),
    "lost": _("流失"),
    "dismissed": _("排除"),
    "phone_revealed": _("查看电话"),
    "built": _("生成"),
    "assessed": _("评估"),
    "estimated": _("专家估分"),
}


class AuditEntry(models.Model):
    """One business event: who did what to which record, with the changed fields before and after.

    Append-only. The model refuses updates and deletes, and database triggers (migration 0002)
    refuse them too, so not even raw SQL through the app's connection can rewrite history.
    """

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=120, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=80, blank=True, db_index=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target_label = models.CharField(_("对象名称"), max_length=300, blank=True)
    changes = models.JSONField(_("变更字段"), default=dict, blank=True)
    data = models.JSONField(_("附加信息"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("审计日志只能追加，不能删除")

    @property
    def action_display(self) -> str:
        """``enterprises.enterprise.merged`` → "合并 企业" for people; the code stays in the log."""
        from django.apps import apps

        verb = self.action.rsplit(".", 1)[-1]
        label = str(ACTION_VERBS.get(verb, verb))
        try:
            model = apps.get_model(self.target_type) if self.target_type else None
        except (LookupError, ValueError):
            model = None
        return f"{label} {model._meta.verbose_name}" if model is not None else label


# --- Reference data ---------------------------------------------------------------------------


class Industry(models.Model):
    """A node of GB/T 4754-2017 国民经济行业分类: 门类 (A–T), 大类 (2 digits), 中类 (3), 小类 (4)."""

    code = models.CharField(_("代码"), max_length=4, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=IndustryLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    section = models.CharField(_("门类"), max_length=1, db_index=True)
    edition = models.CharField(_("版本"), max_length=20, default="GB/T 4754-2017")
    source = models.CharField(_("名称来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("国民经济行业")
        verbose_name_plural = _("国民经济行业")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Street(models.Model):
    """A 街道 of the district."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.CharField(_("代码"), max_length=20, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    """A park, building or area where enterprises sit and where the bureau places industries."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=ParkKind.choices, default=ParkKind.PARK)
    street = models.ForeignKey(
        Street, verbose_name=_("街道"), on_delete=models.PROTECT, null=True, blank=True, related_name="parks"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    focus_industry = models.CharField(_("主导产业"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("园区/楼宇")
        verbose_name_plural = _("园区/楼宇")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """A day the working-day calendar must treat specially: a public holiday or a 调休 workday.

    ``chinesecalendar`` knows 2004–2026; for later years staff enter the State Council's notice here.
    Rows here override the library for the same date.
    """

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=HolidayKind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


# --- Provenance -------------------------------------------------------------------------------


class ImportBatch(TimeStampedModel):
    """One uploaded file (or CLI import): what it was, who brought it, what it did.

    Rows written by an import point back here, so every figure can say which file it came from.
    """

    kind = models.CharField(_("导入类型"), max_length=40, db_index=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/", blank=True)
    file_sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    as_of = models.DateField(_("数据截至日期"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变化"), default=0)
    rejected_count = models.PositiveIntegerField(_("拒绝"), default=0)
    duplicate_count = models.PositiveIntegerField(_("疑似重复"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    options = models.JSONField(_("选项"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class SourcedModel(TimeStampedModel):
    """A record whose figures carry their source and as-of date (provenance on every value)."""

    source = models.CharField(
        _("数据来源"), max_length=20, choices=SourceKind.choices, default=SourceKind.STAFF
    )
    source_batch = models.ForeignKey(
        ImportBatch,
        verbose_name=_("导入批次"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    as_of = models.DateField(_("数据截至日期"), null=True, blank=True)

    class Meta:
        abstract = True
