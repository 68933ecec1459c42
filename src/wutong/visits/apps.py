from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "wutong.visits"
    label = "visits"
    verbose_name = _("走访")

    def ready(self) -> None:
        from django.apps import apps

        from wutong.core import dashboard, navigation
        from wutong.enterprises import tabs
        from wutong.visits import access, brief, followups, permissions, views

        # The visits capabilities live in visits/permissions.py and are merged into the shared
        # table here (accounts/roles.py belongs to accounts).
        permissions.install()
        access.register()
        brief.register_builtin()
        if apps.is_installed("wutong.demands"):
            followups.register_demand_follow_up()
        # One menu entry: the key lists and coverage are reached from the visit ledger (a second
        # entry under /visits/lists/ would light up together with this one).
        navigation.register(
            navigation.MenuItem(
                "visits", _("走访"), "visits:visit_list", icon="geo-alt", order=25, capability="visits.view"
            )
        )
        tabs.register(
            tabs.EnterpriseTab(
                "visits",
                _("走访"),
                order=60,
                template="visits/enterprise_tab.html",
                context=views.enterprise_tab_context,
                capability="visits.view",
                icon="geo-alt",
            )
        )
        dashboard.register_card(views.dashboard_cards)
