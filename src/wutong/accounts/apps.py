from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "wutong.accounts"
    label = "accounts"
    verbose_name = _("用户与权限")

    def ready(self) -> None:
        from wutong.accounts import access
        from wutong.core import navigation

        access.register()
        navigation.register(
            navigation.MenuItem(
                "users",
                _("用户管理"),
                "accounts:user_list",
                icon="people",
                order=920,
                capability="accounts.view_users",
            )
        )
        navigation.register(
            navigation.MenuItem(
                "org_units",
                _("组织单位"),
                "accounts:orgunit_list",
                icon="diagram-3",
                order=925,
                capability="accounts.manage_users",
            )
        )
