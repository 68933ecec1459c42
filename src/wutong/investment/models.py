"""招商: targets outside the district, the projects that may bring them in, the work done on them,
the industrial chains they would fill and the space they would fill it in.

The walk of a project (UK Data Hub's investment projects, adapted): a *target* (a company that may
not be registered here) comes from a *channel*; a *project* with that target moves along the
pipeline 线索 → 接洽 → 洽谈 → 签约 → 落地(注册) → 投产/纳统 through stage gates (``rules.py``),
each move a :class:`ProjectStageChange`; on 落地 it is linked to the registry's enterprise by USCC,
and from then on its signed promises are compared with the registry's annual figures.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wutong.core.access import AccessQuerySet
from wutong.core.models import Industry, Park, SourcedModel, TimeStampedModel
from wutong.enterprises.choices import SizeClass
from wutong.enterprises.models import Enterprise, money
from wutong.investment.choices import (
    ActivityKind,
    ChainLinkKind,
    ChainPosition,
    Channel,
    LeadStatus,
    LostReason,
    PlanMetric,
    SpaceUse,
    Stage,
)

USER = settings.AUTH_USER_MODEL


class InvestmentQuerySet(AccessQuerySet[Any]):
    pass


def _industry_fk(**extra: Any) -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        Industry,
        verbose_name=_("国民经济行业"),
        to_field="code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        **extra,
    )


# --- Industrial chains --------------------------------------------------------------------------


class Chain(TimeStampedModel):
    """An industrial chain the district builds (软件与信息服务, 大健康, 新材料 …): the frame in which
    local enterprises and targets are placed and gaps are found (2021 report 二.五)."""

    name = models.CharField(_("产业链"), max_length=50, unique=True)
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class ChainSegment(TimeStampedModel):
    """A link of a chain (upstream / midstream / downstream). Local enterprises fall in it by their
    GB/T 4754 code (a code here matches itself and every code under it); announcements and targets
    also by keywords."""

    chain = models.ForeignKey(
        Chain, verbose_name=_("产业链"), on_delete=models.CASCADE, related_name="segments"
    )
    position = models.CharField(_("环节位置"), max_length=12, choices=ChainPosition.choices)
    name = models.CharField(_("环节名称"), max_length=60)
    industry_codes = models.CharField(
        _("行业代码"), max_length=200, blank=True, help_text=_("GB/T 4754 代码，多个用逗号分隔，如 6511,6512")
    )
    keywords = models.CharField(_("关键词"), max_length=300, blank=True, help_text=_("多个用逗号或顿号分隔"))
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("产业链环节")
        verbose_name_plural = _("产业链环节")
        ordering = ["chain", "position", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "name"], name="investment_segment_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.chain.name}·{self.get_position_display()}·{self.name}"

    @property
    def codes(self) -> list[str]:
        return split_list(self.industry_codes)

    @property
    def keyword_list(self) -> list[str]:
        return split_list(self.keywords)


def split_list(text: str) -> list[str]:
    import re

    return [part for part in re.split(r"[,，、;；\s]+", text or "") if part]


# --- Targets ------------------------------------------------------------------------------------


class TargetList(TimeStampedModel):
    """A named list of targets with an owner, e.g. 市外招商目标清单 (139 家) or 募投目标企业清单 (25 家)."""

    name = models.CharField(_("清单名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    owner = models.ForeignKey(
        USER, verbose_name=_("负责人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标清单")
        verbose_name_plural = _("目标清单")
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return self.name


class Target(SourcedModel):
    """A company the bureau wants to bring in. It need not be registered in the district (most are
    not), so the USCC is optional; when known it is checked and unique, and it is the key that links
    a landed project to the registry."""

    name = models.CharField(_("企业名称"), max_length=200, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    hq_city = models.CharField(_("总部城市"), max_length=50, blank=True)
    industry = _industry_fk()
    segment = models.ForeignKey(
        ChainSegment,
        verbose_name=_("产业链环节"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="targets",
    )
    size_class = models.CharField(
        _("企业规模"), max_length=10, choices=SizeClass.choices, default=SizeClass.UNKNOWN
    )
    is_listed = models.BooleanField(_("上市公司"), default=False)
    stock_code = models.CharField(_("股票代码"), max_length=20, blank=True)
    channel = models.CharField(_("来源渠道"), max_length=24, choices=Channel.choices, db_index=True)
    source_detail = models.CharField(
        _("渠道说明"), max_length=200, blank=True, help_text=_("如：XX子基金推荐、XX协会、2023进博会")
    )
    owner = models.ForeignKey(
        USER, verbose_name=_("跟进人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lists = models.ManyToManyField(TargetList, verbose_name=_("所属清单"), blank=True, related_name="targets")
    notes = models.TextField(_("备注"), blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("招商目标")
        verbose_name_plural = _("招商目标")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["uscc"], condition=~models.Q(uscc=""), name="investment_target_unique_uscc"
            ),
            models.CheckConstraint(
                condition=models.Q(is_listed=True) | models.Q(stock_code=""),
                name="investment_target_stock_code_only_when_listed",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TargetContact(TimeStampedModel):
    """A person at a target the bureau talks to."""

    target = models.ForeignKey(
        Target, verbose_name=_("招商目标"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("姓名"), max_length=50)
    role = models.CharField(_("职务"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    email = models.EmailField(_("邮箱"), blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("目标联系人")
        verbose_name_plural = _("目标联系人")
        ordering = ["target", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.role}".strip()


# --- Listed-company fundraising announcements -----------------------------------------------------


class Announcement(SourcedModel):
    """A listed company's 募投 announcement (2023 plan 一.一: 密切关注未拿地上市公司募投公告): a
    project with an amount and a place, which may fit one of the district's chains and spaces."""

    company_name = models.CharField(_("公司名称"), max_length=200)
    stock_code = models.CharField(_("股票代码"), max_length=20, blank=True)
    announced_on = models.DateField(_("公告日期"))
    project_name = models.CharField(_("募投项目"), max_length=200)
    amount = money(_("拟投资金额(元)"))
    location = models.CharField(_("拟建地点"), max_length=100, blank=True)
    industry = _industry_fk()
    area_needed = models.DecimalField(
        _("需求面积(㎡)"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    space_use = models.CharField(_("空间用途"), max_length=10, choices=SpaceUse.choices, blank=True)
    text = models.TextField(_("公告摘要"), blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("募投公告")
        verbose_name_plural = _("募投公告")
        ordering = ["-announced_on", "company_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["company_name", "announced_on", "project_name"], name="investment_announcement_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name}：{self.project_name}"


class Lead(TimeStampedModel):
    """A scored lead made from an announcement: the score and its reasons come from
    :func:`wutong.investment.rules.score_lead` and are stored as they were when scored."""

    announcement = models.OneToOneField(
        Announcement, verbose_name=_("募投公告"), on_delete=models.CASCADE, related_name="lead"
    )
    score = models.PositiveSmallIntegerField(_("得分"), default=0, db_index=True)
    reasons = models.JSONField(_("得分理由"), default=list, blank=True)
    segments = models.ManyToManyField(
        ChainSegment, verbose_name=_("匹配环节"), blank=True, related_name="leads"
    )
    spaces = models.JSONField(_("匹配空间"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    target = models.ForeignKey(
        Target,
        verbose_name=_("招商目标"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
    )

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("募投线索")
        verbose_name_plural = _("募投线索")
        ordering = ["-score", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=100), name="investment_lead_score_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.announcement} ({self.score})"


# --- Projects -----------------------------------------------------------------------------------


class Project(TimeStampedModel):
    """An investment project: what a target would bring (investment, capital, revenue, tax, jobs,
    space), who owns it and where it stands. The figures typed before signing are expectations; at
    签约 they become the promises compared with the registry's actual figures after landing."""

    name = models.CharField(_("项目名称"), max_length=200)
    target = models.ForeignKey(
        Target,
        verbose_name=_("招商目标"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    channel = models.CharField(_("来源渠道"), max_length=24, choices=Channel.choices, db_index=True)
    channel_detail = models.CharField(_("渠道说明"), max_length=200, blank=True)
    owner = models.ForeignKey(
        USER, verbose_name=_("项目负责人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    industry = _industry_fk()
    segment = models.ForeignKey(
        ChainSegment,
        verbose_name=_("产业链环节"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
    )
    stage = models.CharField(
        _("阶段"), max_length=12, choices=Stage.choices, default=Stage.LEAD, db_index=True
    )
    stage_since = models.DateTimeField(_("进入当前阶段时间"), null=True, blank=True)
    lost_reason = models.CharField(_("流失原因"), max_length=20, choices=LostReason.choices, blank=True)
    lost_note = models.CharField(_("流失说明"), max_length=300, blank=True)
    lost_from_stage = models.CharField(_("流失前阶段"), max_length=12, choices=Stage.choices, blank=True)
    investment_amount = money(_("投资额(元)"))
    registered_capital = money(_("注册资本(元)"))
    paid_in_capital = money(_("承诺实缴资本(元)"))
    expected_revenue = money(_("预计年营业收入(元)"))
    expected_tax = money(_("预计年纳税(元)"))
    expected_headcount = models.PositiveIntegerField(_("预计用工人数"), null=True, blank=True)
    space_area = models.DecimalField(
        _("空间需求面积(㎡)"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    space_use = models.CharField(_("空间用途"), max_length=10, choices=SpaceUse.choices, blank=True)
    land_area = models.DecimalField(_("用地需求(㎡)"), max_digits=12, decimal_places=1, null=True, blank=True)
    uscc = models.CharField(
        _("落地企业信用代码"), max_length=18, blank=True, help_text=_("落地(注册)时必填，用于关联一企一档")
    )
    signed_on = models.DateField(_("签约日期"), null=True, blank=True)
    move_in_on = models.DateField(_("承诺入驻日期"), null=True, blank=True)
    landed_on = models.DateField(_("落地(注册)日期"), null=True, blank=True, db_index=True)
    operating_on = models.DateField(_("投产/纳统日期"), null=True, blank=True)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("落地企业"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="investment_projects",
    )
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("来源线索"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
    )
    notes = models.TextField(_("备注"), blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("招商项目")
        verbose_name_plural = _("招商项目")
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(stage=Stage.LOST) | ~models.Q(lost_reason=""),
                name="investment_project_lost_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(stage__in=[Stage.LANDED, Stage.OPERATING])
                | models.Q(enterprise__isnull=False),
                name="investment_project_landed_has_enterprise",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProjectStageChange(models.Model):
    """One move of a project along the pipeline (or off it). Append-only; time in stage is the time
    between a project's consecutive changes."""

    project = models.ForeignKey(
        Project, verbose_name=_("招商项目"), on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("原阶段"), max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=12, choices=Stage.choices)
    changed_at = models.DateTimeField(_("变更时间"), db_index=True)
    actor = models.ForeignKey(
        USER, verbose_name=_("操作人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["project", "changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_stage=models.F("to_stage")), name="investment_stagechange_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.from_stage}→{self.to_stage}"


# --- Activities and the plan --------------------------------------------------------------------


class Activity(TimeStampedModel):
    """A piece of 招商 work: a call, a door-to-door visit, an out-of-town event, a promotion, an expo,
    a meeting. Counted against the year's plan figures."""

    kind = models.CharField(_("活动类型"), max_length=12, choices=ActivityKind.choices, db_index=True)
    title = models.CharField(_("主题"), max_length=200)
    date = models.DateField(_("日期"), db_index=True)
    city = models.CharField(_("城市"), max_length=50, blank=True)
    participants = models.CharField(_("参加人员"), max_length=300, blank=True)
    participant_count = models.PositiveIntegerField(_("参加人数"), null=True, blank=True)
    owner = models.ForeignKey(
        USER, verbose_name=_("负责人"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    targets = models.ManyToManyField(
        Target, verbose_name=_("对接目标"), blank=True, related_name="activities"
    )
    projects = models.ManyToManyField(
        Project, verbose_name=_("相关项目"), blank=True, related_name="activities"
    )
    notes = models.TextField(_("纪要"), blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("招商活动")
        verbose_name_plural = _("招商活动")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class PlanTarget(TimeStampedModel):
    """A figure of the year's plan (市外招商活动不少于6场 …); staff edit it, progress is counted."""

    year = models.PositiveSmallIntegerField(_("年度"))
    metric = models.CharField(_("指标"), max_length=20, choices=PlanMetric.choices)
    target = models.PositiveIntegerField(_("目标值"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度计划指标")
        verbose_name_plural = _("年度计划指标")
        ordering = ["-year", "metric"]
        constraints = [
            models.UniqueConstraint(fields=["year", "metric"], name="investment_plan_unique_metric"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_metric_display()} {self.target}"


# --- Chain leaders' suppliers and customers ---------------------------------------------------------


class ChainLink(TimeStampedModel):
    """A chain leader's (链主) supplier or customer: a local enterprise or a target, the material of
    产业链招商 (纵向挖掘龙头企业上下游)."""

    leader = models.ForeignKey(
        Enterprise, verbose_name=_("链主企业"), on_delete=models.CASCADE, related_name="chain_links"
    )
    kind = models.CharField(_("关系"), max_length=10, choices=ChainLinkKind.choices)
    counterpart_enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("对方企业(区内)"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    counterpart_target = models.ForeignKey(
        Target,
        verbose_name=_("对方企业(招商目标)"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="chain_links",
    )
    segment = models.ForeignKey(
        ChainSegment,
        verbose_name=_("产业链环节"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("链主上下游")
        verbose_name_plural = _("链主上下游")
        ordering = ["leader", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(counterpart_enterprise__isnull=False, counterpart_target__isnull=True)
                    | models.Q(counterpart_enterprise__isnull=True, counterpart_target__isnull=False)
                ),
                name="investment_chainlink_one_counterpart",
            ),
        ]

    def __str__(self) -> str:
        other = self.counterpart_enterprise or self.counterpart_target
        return f"{self.leader} {self.get_kind_display()} {other}"


# --- Space --------------------------------------------------------------------------------------


class Space(TimeStampedModel):
    """Available space in a park or building (2021 report 一.一: the park-to-industry layout), offered
    to projects whose needs it fits (``rules.match_spaces``)."""

    park = models.ForeignKey(Park, verbose_name=_("园区/楼宇"), on_delete=models.PROTECT, related_name="+")
    building = models.CharField(_("楼栋/房号"), max_length=100, blank=True)
    floor = models.CharField(_("楼层"), max_length=20, blank=True)
    area = models.DecimalField(_("面积(㎡)"), max_digits=10, decimal_places=1)
    use = models.CharField(_("用途"), max_length=10, choices=SpaceUse.choices)
    rent = models.DecimalField(_("租金(元/㎡/月)"), max_digits=8, decimal_places=2, null=True, blank=True)
    available_from = models.DateField(_("可入驻日期"), null=True, blank=True)
    is_available = models.BooleanField(_("可招商"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = InvestmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("招商空间")
        verbose_name_plural = _("招商空间")
        ordering = ["park", "building", "floor"]
        constraints = [
            models.CheckConstraint(condition=models.Q(area__gt=0), name="investment_space_area_positive"),
        ]

    def __str__(self) -> str:
        return " ".join(p for p in (self.park.name, self.building, self.floor) if p)
