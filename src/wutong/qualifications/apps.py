from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationsConfig(AppConfig):
    name = "wutong.qualifications"
    label = "qualifications"
    verbose_name = _("资质评估与培育")
