from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationsConfig(AppConfig):
    name = "wutong.qualifications"
    label = "qualifications"
    verbose_name = _("资质评估与培育")

    def ready(self) -> None:
        from wutong.core import dashboard, navigation
        from wutong.enterprises import tabs
        from wutong.qualifications import access, permissions, views

        # The capabilities live in qualifications/permissions.py and are merged into the shared table
        # here (accounts/roles.py belongs to accounts). access.register() also appends the agency
        # scope to enterprises.access.agency_scopes: an agency sees the enterprises it coaches.
        permissions.install()
        access.register()
        navigation.register(
            navigation.MenuItem(
                "qualifications",
                _("资质培育"),
                "qualifications:home",
                icon="award",
                order=40,
                capability="qualifications.view_pools",
            )
        )
        tabs.register(
            tabs.EnterpriseTab(
                "assessment",
                _("资质评估"),
                order=45,
                template="qualifications/enterprise_tab.html",
                context=views.enterprise_tab_context,
                capability="qualifications.view",
                icon="clipboard-check",
            )
        )
        dashboard.register_card(views.dashboard_cards)
