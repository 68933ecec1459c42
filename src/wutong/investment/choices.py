"""The investment app's fixed vocabularies (no bare status strings anywhere)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where a target or project came from: the seeds' channels (2021 report 二, 2023 plan 一)."""

    LISTED_FUNDRAISING = "listed_fundraising", _("上市公司募投")
    ASSOCIATION = "association", _("商协会")
    INVESTOR = "investor", _("投资机构/子基金")
    THIRD_PARTY = "third_party", _("第三方机构")
    PROPERTY_OWNER = "property_owner", _("物业方联合招商")
    EXPO = "expo", _("展会")
    COMPETITION = "competition", _("大赛")
    REFERRAL = "referral", _("以商引商")
    CHAIN = "chain", _("链主上下游")
    PLATFORM = "platform", _("平台/研究中心")
    OTHER = "other", _("其他")


class Stage(models.TextChoices):
    """The pipeline of an investment project. ``lost`` is off the line and keeps the stage it left."""

    LEAD = "lead", _("线索")
    CONTACT = "contact", _("接洽")
    NEGOTIATION = "negotiation", _("洽谈")
    SIGNED = "signed", _("签约")
    LANDED = "landed", _("落地(注册)")
    OPERATING = "operating", _("投产/纳统")
    LOST = "lost", _("流失")


#: The line a project walks, in order (``lost`` is not on it).
PIPELINE: tuple[str, ...] = (
    Stage.LEAD,
    Stage.CONTACT,
    Stage.NEGOTIATION,
    Stage.SIGNED,
    Stage.LANDED,
    Stage.OPERATING,
)


class LostReason(models.TextChoices):
    OTHER_CITY = "other_city", _("落户其他城市/区")
    NO_SPACE = "no_space", _("空间或用地不满足")
    POLICY = "policy", _("政策条件不匹配")
    CANCELLED = "cancelled", _("企业取消投资计划")
    NO_RESPONSE = "no_response", _("长期无回应")
    OTHER = "other", _("其他")


class ActivityKind(models.TextChoices):
    CALL = "call", _("电话/线上沟通")
    VISIT = "visit", _("精准上门招商")
    OUTBOUND = "outbound", _("市外招商活动")
    PROMOTION = "promotion", _("招商推介会")
    EXPO = "expo", _("展会")
    MEETING = "meeting", _("会议/座谈")
    OTHER = "other", _("其他")


class PlanMetric(models.TextChoices):
    """Figures of the year's plan (2023 H2 plan 一.二), each counted from records, never typed in."""

    OUTBOUND_EVENTS = "outbound_events", _("市外招商活动(场)")
    DOOR_VISITS = "door_visits", _("精准上门招商(次)")
    KEY_ENTERPRISES = "key_enterprises", _("对接重点企业(家)")
    SIGNED_PROJECTS = "signed_projects", _("签约项目(个)")
    LANDED_PROJECTS = "landed_projects", _("落地项目(个)")


class ChainPosition(models.TextChoices):
    UPSTREAM = "upstream", _("上游")
    MIDSTREAM = "midstream", _("中游")
    DOWNSTREAM = "downstream", _("下游")


class ChainLinkKind(models.TextChoices):
    SUPPLIER = "supplier", _("供应商")
    CUSTOMER = "customer", _("客户")


class SpaceUse(models.TextChoices):
    RD = "rd", _("研发")
    OFFICE = "office", _("办公")
    FACTORY = "factory", _("厂房")


class LeadStatus(models.TextChoices):
    NEW = "new", _("待跟进")
    CONVERTED = "converted", _("已转项目")
    DISMISSED = "dismissed", _("已排除")
