from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    DONE = "done", _("已走访")
    CANCELLED = "cancelled", _("已取消")


class VisitType(models.TextChoices):
    ROUTINE = "routine", _("常态化走访")
    LEADER = "leader", _("挂点服务")
    INVESTMENT = "investment", _("招商")
    GAOXIN = "gaoxin", _("国高辅导")
    POLICY = "policy", _("政策宣讲上门")
    RETENTION = "retention", _("稳商留企")
    OTHER = "other", _("其他")


class Confidentiality(models.TextChoices):
    """Who may read a visit's notes and next steps (the visit itself stays in the ledger).

    * 普通: everyone who may see the visit;
    * 内部: the same inside the bureau today; kept apart so that a later portal or report never
      shows internal notes to the enterprise or to partner departments;
    * 机密: only the visitors, the section heads of their units (and of the organising unit), and
      leaders (局领导, 区领导 who can see the visit).
    """

    NORMAL = "normal", _("普通")
    INTERNAL = "internal", _("内部")
    SECRET = "secret", _("机密")


class CoveragePeriod(models.TextChoices):
    MONTH = "month", _("按月")
    QUARTER = "quarter", _("按季度")
