from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandsConfig(AppConfig):
    name = "wutong.demands"
    label = "demands"
    verbose_name = _("诉求")

    def ready(self) -> None:
        from wutong.core import dashboard, navigation
        from wutong.demands import access, permissions, views
        from wutong.enterprises import tabs

        # The demands capabilities live in demands/permissions.py and are merged into the shared
        # table here (accounts/roles.py belongs to accounts).
        permissions.install()
        access.register()
        navigation.register(
            navigation.MenuItem(
                "demands",
                _("诉求台账"),
                "demands:demand_list",
                icon="chat-square-text",
                order=30,
                capability="demands.view",
            )
        )
        tabs.register(
            tabs.EnterpriseTab(
                "demands",
                _("诉求"),
                order=65,
                template="demands/enterprise_tab.html",
                context=views.enterprise_tab_context,
                capability="demands.view",
                icon="chat-square-text",
            )
        )
        dashboard.register_card(views.dashboard_cards)
