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
