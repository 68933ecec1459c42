"""走访台账: key-enterprise lists with tiers, district leaders' 挂点 enterprises, and visits.

The bureau keeps named lists of enterprises it must visit regularly (重点企业名单 149家, 区领导挂点企业,
重点科技企业 360家). Each list has tiers (A/B/C) and each tier a visit cadence in days: a member
whose last visit is older than its tier's cadence is *overdue*. A district leader (or a staff
member) is assigned to an enterprise (挂点) with a contact person in the bureau. Visits are
planned and then recorded (or recorded directly); what the firm asks for during a visit becomes a
demand in the demands ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wutong.core.access import AccessQuerySet
from wutong.core.models import TimeStampedModel
from wutong.visits.choices import Confidentiality, VisitStatus, VisitType

#: The double-visit window when no list says otherwise (days either side of the visit date).
DEFAULT_DOUBLE_VISIT_DAYS = 14


class KeyListQuerySet(AccessQuerySet["KeyList"]):
    pass


class KeyList(TimeStampedModel):
    """A named list of enterprises the bureau commits to visit (重点企业名单, 区领导挂点企业 …).

    ``double_visit_days`` is how close two visits by different units may come before the second
    one is warned about (empty: the default of 14 days).
    """

    name = models.CharField(_("名单名称"), max_length=100, unique=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    double_visit_days = models.PositiveSmallIntegerField(
        _("重复走访提醒天数"),
        null=True,
        blank=True,
        help_text=_("不同单位在该天数内走访同一企业时提醒；留空为 14 天"),
    )
    owner_unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("牵头科室"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_active = models.BooleanField(_("启用"), default=True)

    objects = KeyListQuerySet.as_manager()

    class Meta:
        verbose_name = _("重点企业名单")
        verbose_name_plural = _("重点企业名单")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(double_visit_days__isnull=True) | Q(double_visit_days__lte=365),
                name="keylist_double_visit_days_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class KeyListTierQuerySet(AccessQuerySet["KeyListTier"]):
    pass


class KeyListTier(models.Model):
    """A tier of a list (A, B, C) and how often its members must be visited."""

    key_list = models.ForeignKey(
        KeyList, verbose_name=_("名单"), on_delete=models.CASCADE, related_name="tiers"
    )
    code = models.CharField(_("档次"), max_length=10)
    name = models.CharField(_("档次名称"), max_length=50, blank=True)
    cadence_days = models.PositiveSmallIntegerField(_("走访周期(天)"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = KeyListTierQuerySet.as_manager()

    class Meta:
        verbose_name = _("名单档次")
        verbose_name_plural = _("名单档次")
        ordering = ["key_list", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["key_list", "code"], name="keylisttier_unique_code"),
            models.CheckConstraint(
                condition=Q(cadence_days__gte=1) & Q(cadence_days__lte=3660), name="keylisttier_cadence_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}（{self.cadence_days}天）"


class KeyListMemberQuerySet(AccessQuerySet["KeyListMember"]):
    pass


class KeyListMember(TimeStampedModel):
    """An enterprise on a list, in one tier. ``added_on`` starts the cadence clock until the
    first visit (a firm added yesterday is not overdue today)."""

    key_list = models.ForeignKey(
        KeyList, verbose_name=_("名单"), on_delete=models.CASCADE, related_name="members"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    tier = models.ForeignKey(
        KeyListTier, verbose_name=_("档次"), on_delete=models.PROTECT, related_name="members"
    )
    added_on = models.DateField(_("纳入日期"))
    note = models.CharField(_("备注"), max_length=300, blank=True)

    objects = KeyListMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("名单企业")
        verbose_name_plural = _("名单企业")
        ordering = ["key_list", "tier__order", "enterprise__name"]
        constraints = [
            models.UniqueConstraint(fields=["key_list", "enterprise"], name="keylistmember_unique_enterprise")
        ]

    def __str__(self) -> str:
        return f"{self.key_list} · {self.enterprise}"


class LeaderAssignmentQuerySet(AccessQuerySet["LeaderAssignment"]):
    pass


class LeaderAssignment(TimeStampedModel):
    """挂点: a district leader (or a bureau staff member) looks after one enterprise, with a contact
    person in the bureau who prepares the visits. One current assignment per enterprise; a new
    one ends the old (``until``), so the history of who looked after the firm stays."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("挂点领导"), on_delete=models.PROTECT, related_name="+"
    )
    contact_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("联络员"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    since = models.DateField(_("挂点起始日"))
    until = models.DateField(_("挂点结束日"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    objects = LeaderAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("领导挂点")
        verbose_name_plural = _("领导挂点")
        ordering = ["enterprise", "-since"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"], condition=Q(until__isnull=True), name="leaderassignment_one_current"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="leaderassignment_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.leader} · {self.enterprise}"


class VisitQuerySet(AccessQuerySet["Visit"]):
    pass


class Visit(TimeStampedModel):
    """A visit to an enterprise: planned (a date ahead), then done or cancelled.

    ``visit_date`` is the planned date while planned and the actual date once done. ``notes`` and
    ``next_steps`` follow ``confidentiality`` (see :class:`~wutong.visits.choices.Confidentiality`);
    what the visit found that needs action is raised as demands (``Demand.source_visit_id``).
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="+"
    )
    visit_date = models.DateField(_("走访日期"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.PLANNED, db_index=True
    )
    visit_type = models.CharField(_("走访类型"), max_length=20, choices=VisitType.choices)
    organising_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+"
    )
    visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("走访人员"), related_name="visits", blank=True
    )
    purpose = models.CharField(_("走访事由"), max_length=300)
    notes = models.TextField(_("走访情况"), blank=True)
    next_steps = models.TextField(_("下一步工作"), blank=True)
    confidentiality = models.CharField(
        _("密级"), max_length=10, choices=Confidentiality.choices, default=Confidentiality.NORMAL
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        ordering = ["-visit_date", "-id"]
        indexes = [
            models.Index(fields=["enterprise", "status", "visit_date"]),
            models.Index(fields=["status", "visit_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=VisitStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="visit_cancel_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=VisitStatus.DONE) | Q(recorded_at__isnull=False),
                name="visit_done_has_recorded_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_date:%Y-%m-%d} {self.enterprise}"
