from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "wutong.enterprises"
    label = "enterprises"
    verbose_name = _("一企一档")

    def ready(self) -> None:
        from wutong.core import navigation
        from wutong.enterprises import access
        from wutong.enterprises.queries import register_dashboard_cards

        access.register()
        navigation.register(
            navigation.MenuItem(
                "enterprises",
                _("一企一档"),
                "enterprises:enterprise_list",
                icon="buildings",
                order=10,
                capability="enterprises.list",
            )
        )
        navigation.register(
            navigation.MenuItem(
                "imports",
                _("数据导入"),
                "enterprises:import_upload",
                icon="upload",
                order=880,
                capability="enterprises.import",
            )
        )
        register_dashboard_cards()
