"""The registry's import pages: the shared pages of :mod:`wutong.core.views_import` with its kinds
(企业名录, 年度经营数据, 知识产权). Only roles with ``enterprises.import`` get here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from wutong.accounts.roles import has_capability
from wutong.core.views_import import ImportPages

KINDS = ("enterprises", "annual", "ip")


def can_import(user: Any) -> bool:
    return has_capability(user, "enterprises.import")


pages = ImportPages(
    namespace="enterprises",
    kinds=KINDS,
    allowed=can_import,
    title=_("数据导入"),
    denied=_("无权导入数据"),
    home=("enterprises:enterprise_list", _("企业库")),
    help=_(
        "按统一社会信用代码更新已有企业；空白单元格不会清空已有数据；有错误的行不导入，其余行一次性全部写入。"
        "金额列默认单位为万元，表头写“(元)”则按元读取。"
    ),
)
