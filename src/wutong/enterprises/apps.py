from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "wutong.enterprises"
    label = "enterprises"
    verbose_name = _("一企一档")
