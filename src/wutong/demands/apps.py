from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "wutong.demands"
    label = "demands"
    verbose_name = _("诉求")

    def ready(self) -> None:
        from wutong.demands import permissions

        # The demands capabilities live in demands/permissions.py and are merged into the shared
        # table here (accounts/roles.py belongs to accounts).
        permissions.install()
