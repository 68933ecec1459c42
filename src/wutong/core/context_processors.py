from typing import Any

from django.conf import settings
from django.http import HttpRequest

from wutong.accounts.roles import has_capability
from wutong.core.navigation import menu_for


def bureau_full_name() -> str:
    """The issuer as people write it: 罗湖区 + 区科技创新局 → 罗湖区科技创新局 (not 罗湖区区…)."""
    district, bureau = settings.WUTONG_DISTRICT_NAME, settings.WUTONG_BUREAU_NAME
    if district and bureau[:1] == district[-1:]:
        bureau = bureau[1:]
    return district + bureau


def wutong(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "wutong_menu": menu_for(user, request.path) if user and user.is_authenticated else [],
        "district_name": settings.WUTONG_DISTRICT_NAME,
        "bureau_name": settings.WUTONG_BUREAU_NAME,
        "bureau_full_name": bureau_full_name(),
        "site_title": settings.WUTONG_TITLE,
        "can_search_enterprises": has_capability(user, "enterprises.list"),
    }
