"""The home page. Apps add cards (a figure with a label and a link) through :func:`register_card`,
so the dashboard grows with the modules without the core knowing them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from wutong.core.models import AuditEntry

CardFn = Callable[[Any], list[dict[str, Any]]]
_card_providers: list[CardFn] = []


def register_card(provider: CardFn) -> None:
    _card_providers.append(provider)


def dashboard_context(user: Any) -> dict[str, Any]:
    cards: list[dict[str, Any]] = []
    for provider in _card_providers:
        cards.extend(provider(user))
    recent = AuditEntry.objects.visible_to(user).select_related(None)[:10]
    return {"cards": cards, "recent_entries": recent, "today": timezone.localdate()}
