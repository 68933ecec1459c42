import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from wutong.accounts.models import OrgUnit, User


class UserTable(tables.Table):
    username = tables.LinkColumn("accounts:user_detail", args=[tables.A("pk")], verbose_name=_("用户名"))
    locked_until = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("锁定至"))
    last_login = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("最近登录"))

    class Meta:
        model = User
        fields = (
            "username",
            "display_name",
            "role",
            "org_unit",
            "title",
            "is_active",
            "last_login",
            "locked_until",
        )
        order_by = "username"


class OrgUnitTable(tables.Table):
    name = tables.LinkColumn("accounts:orgunit_edit", args=[tables.A("pk")], verbose_name=_("名称"))
    user_count = tables.Column(verbose_name=_("用户数"), orderable=True)

    class Meta:
        model = OrgUnit
        fields = ("name", "short_name", "kind", "parent", "uscc", "user_count", "is_active")
        order_by = ("kind", "name")
