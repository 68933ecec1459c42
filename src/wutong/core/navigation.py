"""The main menu. Each app registers its entries in ``AppConfig.ready()``, so the navigation shows
exactly the modules that exist, filtered by what the user's role may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: Any
    url_name: str
    icon: str = "circle"
    order: int = 100
    capability: str | None = None


_items: dict[str, MenuItem] = {}


def register(item: MenuItem) -> None:
    _items[item.key] = item


def menu_for(user: Any, current_path: str = "") -> list[dict[str, Any]]:
    from wutong.accounts.roles import has_capability

    entries = []
    for item in sorted(_items.values(), key=lambda i: i.order):
        if item.capability and not has_capability(user, item.capability):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current_path.startswith(url) if url != "/" else current_path == "/"
        entries.append(
            {"key": item.key, "label": item.label, "url": url, "icon": item.icon, "active": active}
        )
    return entries
