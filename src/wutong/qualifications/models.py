"""Rule-set versions as admins see them, stored assessments and experts' narrowing of score ranges;
registry screenings and the cultivation pools (培育库) built from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wutong.core.access import AccessQuerySet
from wutong.core.models import TimeStampedModel
from wutong.qualifications.choices import PoolStage, ScreeningStatus, Verdict


class RuleSetVersion(TimeStampedModel):
    """One published version of a qualification's rules (国高 2016, 小巨人 2022 …): its dates, source
    documents, thresholds and the confidence flags on rules the bureau could not verify.

    Loaded from ``qualifications/data/*.json`` by migration and by :func:`services.sync_rule_set_versions`;
    the engine evaluates the version in force on the assessment date. A change of rules is a new version
    (a new file), never an edit of an old one, so old assessments keep meaning what they meant.
    """

    code = models.CharField(_("资质代码"), max_length=40, db_index=True)
    version = models.CharField(_("版本"), max_length=40)
    name = models.CharField(_("名称"), max_length=200)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    source_documents = models.JSONField(_("依据文件"), default=list, blank=True)
    thresholds = models.JSONField(_("阈值"), default=dict, blank=True)
    flags = models.JSONField(_("待核实标记"), default=dict, blank=True)
    notes = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("资质规则版本")
        verbose_name_plural = _("资质规则版本")
        ordering = ["code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rulesetversion_unique_version"),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="rulesetversion_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"


class Assessment(models.Model):
    """One assessment of one enterprise (or of an uploaded profile) against one rule version on a date,
    with the inputs it used and every criterion's result, so it can be explained later as it was."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessments",
    )
    rule_version = models.ForeignKey(
        RuleSetVersion, verbose_name=_("规则版本"), on_delete=models.PROTECT, related_name="assessments"
    )
    assessed_on = models.DateField(_("评估日期"), db_index=True)
    verdict = models.CharField(_("结论"), max_length=20, choices=Verdict.choices, db_index=True)
    score_min = models.DecimalField(_("得分下限"), max_digits=6, decimal_places=2, null=True, blank=True)
    score_max = models.DecimalField(_("得分上限"), max_digits=6, decimal_places=2, null=True, blank=True)
    inputs = models.JSONField(_("评估输入"), default=dict, blank=True)
    results = models.JSONField(_("评估结果"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评估人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("资质评估")
        verbose_name_plural = _("资质评估")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "rule_version", "-assessed_on"])]

    def __str__(self) -> str:
        return (
            f"{self.enterprise or '画像'} {self.rule_version} {self.assessed_on} {self.get_verdict_display()}"
        )


class ExpertEstimate(models.Model):
    """A staff member's or expert's estimate narrowing one expert-judged score item (技术先进程度,
    研发组织管理 …) for an enterprise, optionally tied to the assessment it was made on. The latest
    estimate per enterprise, rule set and item is applied to later assessments."""

    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("评估"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="estimates",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expert_estimates",
    )
    rule_code = models.CharField(_("资质代码"), max_length=40)
    item_id = models.CharField(_("评分项"), max_length=60)
    min_points = models.DecimalField(_("下限"), max_digits=5, decimal_places=2)
    max_points = models.DecimalField(_("上限"), max_digits=5, decimal_places=2)
    note = models.TextField(_("依据说明"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("估计人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("专家估计")
        verbose_name_plural = _("专家估计")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assessment__isnull=False) | models.Q(enterprise__isnull=False),
                name="expertestimate_has_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(min_points__gte=0) & models.Q(max_points__gte=models.F("min_points")),
                name="expertestimate_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code}.{self.item_id} [{self.min_points}, {self.max_points}]"


class ScreeningRun(TimeStampedModel):
    """One screening of the whole registry against one rule version on a date (结合企业基本条件进行预判).

    A background task fills it chunk by chunk and reports progress here; running it twice rewrites the
    same :class:`ScreeningResult` rows (one per enterprise and rule version, the latest run wins).
    """

    rule_version = models.ForeignKey(
        RuleSetVersion, verbose_name=_("规则版本"), on_delete=models.PROTECT, related_name="screening_runs"
    )
    on_date = models.DateField(_("评估日期"))
    status = models.CharField(
        _("状态"), max_length=20, choices=ScreeningStatus.choices, default=ScreeningStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("企业总数"), default=0)
    processed = models.PositiveIntegerField(_("已评估"), default=0)
    counts = models.JSONField(_("结论分布"), default=dict, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("资质筛查")
        verbose_name_plural = _("资质筛查")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(processed__lte=models.F("total")) | models.Q(total=0),
                name="screeningrun_progress_bounded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_version} @ {self.on_date}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(self.processed * 100 / self.total))


class ScreeningResultQuerySet(AccessQuerySet["ScreeningResult"]):
    pass


class ScreeningResult(models.Model):
    """The latest screening verdict of one enterprise against one rule version: the verdict, the score
    range and the few facts the lists filter on (failing criteria, missing data, R&D gap, the holding
    of the same qualification and its expiry). The full explanation is the 资质评估 tab's job.

    A derived table that every screening rewrites whole (3 M rows in seconds), so its write cost is
    kept to what the lists need: the foreign keys are not enforced by the database (a per-row check
    costs more than the row itself; Django still cascades deletes, and a rerun rewrites every row —
    ADR 0004), and besides the unique key there are only partial indexes on the named lists' subsets.
    """

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="screening_results",
        db_constraint=False,
        db_index=False,  # the unique (enterprise, rule_version) key leads with it
    )
    rule_version = models.ForeignKey(
        RuleSetVersion,
        verbose_name=_("规则版本"),
        on_delete=models.PROTECT,
        related_name="screening_results",
        db_constraint=False,
        db_index=False,
    )
    run = models.ForeignKey(
        ScreeningRun,
        verbose_name=_("筛查批次"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="results",
        db_constraint=False,
        db_index=False,
    )
    assessed_on = models.DateField(_("评估日期"))
    verdict = models.CharField(_("结论"), max_length=20, choices=Verdict.choices)
    score_min = models.DecimalField(_("得分下限"), max_digits=6, decimal_places=2, null=True, blank=True)
    score_max = models.DecimalField(_("得分上限"), max_digits=6, decimal_places=2, null=True, blank=True)
    #: Comma-separated ids of the failing criteria, sorted: "rd_expense_ratio" means "fails only on R&D".
    failing = models.CharField(_("不符合的条件"), max_length=300, blank=True)
    #: A criterion lacks data the registry could hold (not only the incident record it never holds).
    needs_data = models.BooleanField(_("缺少数据"), default=False)
    #: Every condition holds or lacks only facts the registry never has (the incident record), and the
    #: score range reaches the pass mark: the 应报尽报 prospects. The verdict stays the engine's.
    prospect = models.BooleanField(_("有望通过"), default=False)
    rd_gap = models.DecimalField(
        _("研发费用缺口(万元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    tech_staff_gap = models.PositiveIntegerField(_("科技人员缺口(人)"), null=True, blank=True)
    holds = models.BooleanField(_("已持有该资质"), default=False)
    holding_expires_on = models.DateField(_("现有资质到期日"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScreeningResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("筛查结果")
        verbose_name_plural = _("筛查结果")
        ordering = ["enterprise_id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "rule_version"], name="screeningresult_unique"),
        ]
        # Partial indexes: each holds only the rows of one list, so a screening pays for few entries.
        indexes = [
            models.Index(
                fields=["rule_version", "verdict"],
                condition=~models.Q(verdict=Verdict.INELIGIBLE),
                name="screeningresult_open_verdict",
            ),
            models.Index(
                fields=["rule_version", "enterprise"],
                condition=models.Q(prospect=True, holds=False),
                name="screeningresult_prospect",
            ),
            models.Index(
                fields=["rule_version", "enterprise"],
                condition=models.Q(needs_data=True),
                name="screeningresult_needs_data",
            ),
            models.Index(
                fields=["rule_version", "enterprise"],
                condition=models.Q(failing="rd_expense_ratio"),
                name="screeningresult_rd_only",
            ),
            models.Index(
                fields=["holding_expires_on"],
                condition=models.Q(holding_expires_on__isnull=False),
                name="screeningresult_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.rule_version} {self.get_verdict_display()}"


class CultivationPoolQuerySet(AccessQuerySet["CultivationPool"]):
    pass


class CultivationPool(TimeStampedModel):
    """A 培育库: a saved cohort of enterprises the bureau coaches towards one qualification in one year
    (建立国高培育库，全面摸排…), with the year's target (2021: 目标 102, 申报 218, 认定 114)."""

    name = models.CharField(_("名称"), max_length=100)
    rule_code = models.CharField(_("资质代码"), max_length=40)
    year = models.PositiveSmallIntegerField(_("年度"))
    target = models.PositiveIntegerField(_("认定目标(家)"), null=True, blank=True)
    description = models.TextField(_("说明"), blank=True)
    source_filter = models.JSONField(_("来源筛查条件"), default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = CultivationPoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("培育库")
        verbose_name_plural = _("培育库")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["rule_code", "year", "name"], name="cultivationpool_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ApplicationBatch(TimeStampedModel):
    """One application round of a pool (2021 第一批 / 第二批): which members applied in it and, once
    published, which were certified."""

    pool = models.ForeignKey(
        CultivationPool, verbose_name=_("培育库"), on_delete=models.CASCADE, related_name="batches"
    )
    name = models.CharField(_("批次"), max_length=60)
    submitted_on = models.DateField(_("申报日期"), null=True, blank=True)
    published_on = models.DateField(_("公示日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("申报批次")
        verbose_name_plural = _("申报批次")
        ordering = ["pool", "submitted_on", "name"]
        constraints = [models.UniqueConstraint(fields=["pool", "name"], name="applicationbatch_unique_name")]

    def __str__(self) -> str:
        return self.name


class PoolMemberQuerySet(AccessQuerySet["PoolMember"]):
    pass


class PoolMember(TimeStampedModel):
    """An enterprise in a pool: its stage, the staff member who owns it and the agency that coaches it.
    An agency sees exactly the enterprises assigned to it here."""

    pool = models.ForeignKey(
        CultivationPool, verbose_name=_("培育库"), on_delete=models.CASCADE, related_name="members"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.CASCADE,
        related_name="pool_members",
    )
    stage = models.CharField(
        _("阶段"), max_length=20, choices=PoolStage.choices, default=PoolStage.POTENTIAL, db_index=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    agency = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("辅导机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pool_members",
    )
    batch = models.ForeignKey(
        ApplicationBatch,
        verbose_name=_("申报批次"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    stage_changed_on = models.DateField(_("阶段变更日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    objects = PoolMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("培育库企业")
        verbose_name_plural = _("培育库企业")
        ordering = ["pool", "enterprise__name"]
        constraints = [models.UniqueConstraint(fields=["pool", "enterprise"], name="poolmember_unique")]

    def __str__(self) -> str:
        return f"{self.pool} · {self.enterprise}"


class PoolMemberStageChange(models.Model):
    """One move of a member between stages, kept so the pool can show how each enterprise got where
    it is (and the KPIs can count applications and certifications by date)."""

    member = models.ForeignKey(
        PoolMember, verbose_name=_("培育库企业"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("原阶段"), max_length=20, choices=PoolStage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=20, choices=PoolStage.choices)
    changed_on = models.DateField(_("变更日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["member", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_stage=models.F("to_stage")), name="poolstagechange_moves"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"


class CoachingRecord(TimeStampedModel):
    """One coaching contact with a pool member (辅导): when, by whom, which agency, what was done and
    the next step (评估…存在的差距，提出综合解决措施)."""

    member = models.ForeignKey(
        PoolMember, verbose_name=_("培育库企业"), on_delete=models.CASCADE, related_name="coaching_records"
    )
    date = models.DateField(_("辅导日期"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("辅导人"), on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("辅导机构"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    content = models.TextField(_("辅导内容"))
    next_step = models.CharField(_("下一步"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("辅导记录")
        verbose_name_plural = _("辅导记录")
        ordering = ["member", "-date", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.date}"
