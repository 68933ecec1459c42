"""Rule-set versions as admins see them, stored assessments and experts' narrowing of score ranges."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wutong.core.models import TimeStampedModel
from wutong.qualifications.choices import Verdict


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
