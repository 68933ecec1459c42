from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvestmentConfig(AppConfig):
    name = "wutong.investment"
    label = "investment"
    verbose_name = _("招商")

    def ready(self) -> None:
        from wutong.core import dashboard, navigation
        from wutong.enterprises import tabs
        from wutong.investment import access, permissions, views

        # The investment capabilities live in investment/permissions.py and are merged into the
        # shared table here (accounts/roles.py belongs to accounts).
        permissions.install()
        access.register()
        navigation.register(
            navigation.MenuItem(
                "investment",
                _("招商"),
                "investment:project_list",
                icon="briefcase",
                order=40,
                capability="investment.view",
            )
        )
        tabs.register(
            tabs.EnterpriseTab(
                "investment",
                _("招商"),
                order=66,
                template="investment/enterprise_tab.html",
                context=views.enterprise_tab_context,
                capability="investment.view",
                icon="briefcase",
            )
        )
        dashboard.register_card(views.dashboard_cards)
