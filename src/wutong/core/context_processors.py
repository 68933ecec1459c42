from typing import Any

from django.conf import settings
from django.http import HttpRequest

from wutong.accounts.roles import has_capability
from wutong.core.navigation import menu_for


def wutong(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "wutong_menu": menu_for(user, request.path) if user and user.is_authenticated else [],
        "district_name": settings.WUTONG_DISTRICT_NAME,
        "bureau_name": settings.WUTONG_BUREAU_NAME,
        "site_title": settings.WUTONG_TITLE,
        "can_search_enterprises": has_capability(user, "enterprises.list"),
    }
