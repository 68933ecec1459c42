from django.db import models
from django.utils.translation import gettext_lazy as _


class IndustryLevel(models.TextChoices):
    SECTION = "section", _("门类")
    DIVISION = "division", _("大类")
    GROUP = "group", _("中类")
    CLASS = "class", _("小类")


class ParkKind(models.TextChoices):
    PARK = "park", _("产业园区")
    BUILDING = "building", _("商务楼宇")
    AREA = "area", _("重点片区")
    BELT = "belt", _("产业带")


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("节假日")
    WORKDAY = "workday", _("调休上班")


class SourceKind(models.TextChoices):
    """Where a figure came from: every value in the registry carries one (DESIGN: the walk a figure takes)."""

    IMPORT = "import", _("批量导入")
    VISIT = "visit", _("走访采集")
    SELF_REPORT = "self_report", _("企业自报")
    STAFF = "staff", _("人工录入")
    SYSTEM = "system", _("系统生成")
    DEMO = "demo", _("演示数据")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("已校验待确认")
    COMMITTING = "committing", _("写入中")
    COMMITTED = "committed", _("已导入")
    REJECTED = "rejected", _("校验未通过")
    FAILED = "failed", _("失败")
