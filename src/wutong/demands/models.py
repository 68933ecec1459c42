"""诉求台账: what enterprises ask the district for, who handles it, by when, and how they rated it.

A demand (诉求) is submitted by an enterprise (portal, visit, phone, the Open311 API), signed for
(签收) by the bureau, routed (交办) to one lead department and any assisting ones, answered by the
lead department, and rated by the enterprise. Clocks run in *working* days (``core.workdays``):
one working day to sign for it, N (per category) to reply. Overdue demands escalate to the
section head (level 1) and then to the bureau leaders (level 2, 督办).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wutong.accounts.models import OrgUnit
from wutong.core.access import AccessQuerySet
from wutong.core.models import TimeStampedModel
from wutong.demands.choices import (
    AssignmentRole,
    AssignmentStatus,
    DemandChannel,
    DemandStatus,
    EscalationLevel,
    EventKind,
    GroupStatus,
    RejectionReason,
)


class DemandCategoryQuerySet(AccessQuerySet["DemandCategory"]):
    pass


class DemandCategory(TimeStampedModel):
    """A kind of demand (人才住房, 融资 …) with where it normally goes and how fast it must move.

    Staff edit these: a bureau changes who handles 人才住房 when departments are reorganised, and
    the reply time when the district promises faster service. Also published as Open311 services.
    """

    code = models.SlugField(_("代码"), max_length=30, unique=True, help_text=_("接口中的 service_code"))
    name = models.CharField(_("名称"), max_length=50, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    keywords = models.CharField(
        _("关键词"), max_length=300, blank=True, help_text=_("用于自动分类，以空格或逗号分隔")
    )
    default_department = models.ForeignKey(
        OrgUnit,
        verbose_name=_("默认承办单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind__in": ["partner_department", "section"]},
    )
    section = models.ForeignKey(
        OrgUnit,
        verbose_name=_("牵头科室"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": "section"},
        help_text=_("超期一级督办时提醒该科室负责人"),
    )
    accept_days = models.PositiveSmallIntegerField(_("签收时限(工作日)"), default=1)
    reply_days = models.PositiveSmallIntegerField(_("答复时限(工作日)"), default=5)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = DemandCategoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求类别")
        verbose_name_plural = _("诉求类别")
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(accept_days__gte=1), name="demandcategory_accept_days"),
            models.CheckConstraint(condition=models.Q(reply_days__gte=1), name="demandcategory_reply_days"),
        ]

    def __str__(self) -> str:
        return self.name


class DemandGroupQuerySet(AccessQuerySet["DemandGroup"]):
    pass


class DemandGroup(TimeStampedModel):
    """共性诉求: similar demands from several enterprises, answered once by a policy fix.

    A section head opens one for a cluster found by :func:`wutong.demands.queries.similar_clusters`
    and owns the task of getting the rule, the process or the policy changed.
    """

    title = models.CharField(_("共性问题"), max_length=200)
    category = models.ForeignKey(
        DemandCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="groups"
    )
    note = models.TextField(_("推动措施"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=GroupStatus.choices, default=GroupStatus.OPEN, db_index=True
    )

    objects = DemandGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("共性诉求")
        verbose_name_plural = _("共性诉求")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class DemandQuerySet(AccessQuerySet["Demand"]):
    pass


class Demand(TimeStampedModel):
    """One 诉求 of one enterprise, from submission to the enterprise's rating.

    ``accept_due`` and ``reply_due`` are dates (the clock ends at the end of that working day) and
    are set by the services; ``*_warn_on`` is the day the clock reaches 80 % (the yellow light).
    """

    number = models.CharField(_("编号"), max_length=20, unique=True, editable=False)
    token = models.UUIDField(_("受理凭据"), default=uuid.uuid4, unique=True, editable=False)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.PROTECT, related_name="demands"
    )
    category = models.ForeignKey(
        DemandCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="demands"
    )
    title = models.CharField(_("标题"), max_length=200, blank=True)
    content = models.TextField(_("诉求内容"))
    channel = models.CharField(
        _("来源渠道"), max_length=20, choices=DemandChannel.choices, default=DemandChannel.STAFF
    )
    source_visit_id = models.PositiveIntegerField(
        _("来源走访"), null=True, blank=True, db_index=True, help_text=_("走访记录编号（来自走访台账）")
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("地点"), max_length=300, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=DemandStatus.choices, default=DemandStatus.SUBMITTED, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("受理时间"), db_index=True)
    accept_due = models.DateField(_("签收时限"))
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    clock_started_on = models.DateField(_("答复计时起点"))
    reply_due = models.DateField(_("办理时限"), db_index=True)
    reply_warn_on = models.DateField(_("临期提醒日"))
    lead_department = models.ForeignKey(
        OrgUnit,
        verbose_name=_("主办单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply = models.TextField(_("办理结果"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rating = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    rejection_reason = models.CharField(
        _("不予受理原因"), max_length=30, choices=RejectionReason.choices, blank=True
    )
    rejection_note = models.CharField(_("不予受理说明"), max_length=500, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    escalation_level = models.PositiveSmallIntegerField(
        _("督办级别"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_demands",
    )
    group = models.ForeignKey(
        DemandGroup,
        verbose_name=_("共性诉求"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demands",
    )

    objects = DemandQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["status", "reply_due"]),
            models.Index(fields=["category", "submitted_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="demand_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(rejection_reason=""),
                name="demand_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="merged") | models.Q(merged_into__isnull=False),
                name="demand_merged_has_survivor",
            ),
            models.CheckConstraint(
                condition=models.Q(escalation_level__gte=0, escalation_level__lte=2),
                name="demand_escalation_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title or self.content[:30]}"

    @property
    def display_title(self) -> str:
        return self.title or self.content[:40]


class DemandAssignmentQuerySet(AccessQuerySet["DemandAssignment"]):
    pass


class DemandAssignment(TimeStampedModel):
    """A department's share of a demand (交办): the lead department answers, assisting ones help.

    Partner departments see a demand only through an assignment to their unit (active or not: a
    department that returned a demand still sees what it returned).
    """

    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="assignments"
    )
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="demand_assignments"
    )
    role = models.CharField(_("承办角色"), max_length=10, choices=AssignmentRole.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.ACTIVE
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("交办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("交办意见"), max_length=500, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("结束说明"), max_length=500, blank=True)

    objects = DemandAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("交办记录")
        verbose_name_plural = _("交办记录")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["demand"],
                condition=models.Q(role="lead", status="active"),
                name="demandassignment_one_active_lead",
            ),
            models.UniqueConstraint(
                fields=["demand", "department"],
                condition=models.Q(status="active"),
                name="demandassignment_one_active_per_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand.number} → {self.department}"


class DemandCommentQuerySet(AccessQuerySet["DemandComment"]):
    pass


class DemandComment(TimeStampedModel):
    """A note on a demand: internal (bureau and departments only) or public (the enterprise sees it)."""

    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author_label = models.CharField(_("作者名称"), max_length=150, blank=True)
    body = models.TextField(_("内容"))
    is_public = models.BooleanField(_("企业可见"), default=False)

    objects = DemandCommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求留言")
        verbose_name_plural = _("诉求留言")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class DemandEvent(models.Model):
    """One step of a demand's timeline (who did what, from which state to which), as the page shows it.

    The audit log holds the same facts for compliance; this table is the business timeline, kept
    even across merges (events of a merged demand move to the survivor).
    """

    demand = models.ForeignKey(
        Demand, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="events"
    )
    created_at = models.DateTimeField(_("时间"), db_index=True)
    kind = models.CharField(_("事件"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    from_status = models.CharField(_("原状态"), max_length=20, choices=DemandStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=DemandStatus.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)
    is_public = models.BooleanField(_("企业可见"), default=True)

    class Meta:
        verbose_name = _("诉求办理记录")
        verbose_name_plural = _("诉求办理记录")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.demand_id} {self.kind}"


class ApiKeyQuerySet(AccessQuerySet["ApiKey"]):
    pass


class ApiKey(TimeStampedModel):
    """A key an org unit's system uses to post demands through Open311 (e.g. the 12345 hotline's).

    Only a SHA-256 hash is kept; the plain key is shown once when issued. ``prefix`` (the first 8
    characters) lets staff tell keys apart in the list.
    """

    name = models.CharField(_("用途"), max_length=100)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="demand_api_keys"
    )
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True)
    is_active = models.BooleanField(_("有效"), default=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_active=True) | models.Q(revoked_at__isnull=False),
                name="apikey_inactive_is_revoked",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def __repr__(self) -> str:  # never show the hash in logs
        return f"<ApiKey {self.pk} {self.prefix}>"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "org_unit": self.org_unit_id, "prefix": self.prefix}
