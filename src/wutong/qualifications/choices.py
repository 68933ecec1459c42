from django.db import models
from django.utils.translation import gettext_lazy as _


class CriterionStatus(models.TextChoices):
    """The outcome of one criterion. Every status other than ``pass`` says why in its message."""

    PASS = "pass", _("符合")
    FAIL = "fail", _("不符合")
    NEEDS_DATA = "needs_data", _("缺少数据")
    NEEDS_REVIEW = "needs_review", _("需专家或人工判断")


class Verdict(models.TextChoices):
    """The overall outcome of an assessment. 国高 uses likely/possible/unlikely (the score is a range);
    the rule sets with a fixed score or no score use eligible."""

    LIKELY = "likely", _("很可能通过")
    POSSIBLE = "possible", _("有可能通过")
    UNLIKELY = "unlikely", _("难以通过")
    ELIGIBLE = "eligible", _("符合条件")
    INELIGIBLE = "ineligible", _("不符合条件")
    INSUFFICIENT_DATA = "insufficient_data", _("数据不足")


class Confidence(models.TextChoices):
    """How sure the reference notes are of a rule (reference/qualifications.md, "How to read this file")."""

    VERIFIED = "V", _("多个来源一致或官方页面")
    SECONDARY = "S", _("仅一个二手来源")
    CODE_ONLY = "C", _("仅见于第三方代码，待核实")
    MEMORY = "M", _("背景知识，未经来源确认")
    INTERPRETATION = "I", _("本系统的解释，待认定机构确认")


class ScreeningStatus(models.TextChoices):
    """Where a screening run is: queued until the worker takes it, running while chunks are written."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class PoolStage(models.TextChoices):
    """A cultivation-pool member's way to a qualification: 潜力 → 辅导 → 预审 → 申报 → 认定 / 未通过."""

    POTENTIAL = "potential", _("潜力")
    COACHING = "coaching", _("辅导")
    PREREVIEW = "prereview", _("预审")
    APPLIED = "applied", _("申报")
    CERTIFIED = "certified", _("认定")
    REJECTED = "rejected", _("未通过")
