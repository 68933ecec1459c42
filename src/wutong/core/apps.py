from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "wutong.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from wutong.core import navigation

        navigation.register(
            navigation.MenuItem("dashboard", _("工作台"), "core:dashboard", icon="speedometer2", order=0)
        )
        navigation.register(
            navigation.MenuItem(
                "audit",
                _("审计日志"),
                "core:audit_list",
                icon="journal-text",
                order=900,
                capability="core.view_audit",
            )
        )
        navigation.register(
            navigation.MenuItem(
                "reference",
                _("基础数据"),
                "core:industry_list",
                icon="database",
                order=910,
                capability="core.view_reference",
            )
        )
