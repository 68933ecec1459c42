import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from wutong.accounts.models import User


class UserTable(tables.Table):
    username = tables.LinkColumn("accounts:user_detail", args=[tables.A("pk")], verbose_name=_("用户名"))
    locked_until = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("锁定至"))
    last_login = tables.DateTimeColumn(format="Y-m-d H:i", verbose_name=_("最近登录"))

    class Meta:
        model = User
        fields = ("username", "display_name", "role", "org_unit", "title", "is_active", "last_login", "locked_until")
        order_by = "username"
