"""What a recorded visit can lead to: the extension point of the visit page.

A visit finds things that are other modules' work: a 诉求 (demands), and later an investment lead
(investment) or a relocation-risk signal (retention). Each module registers a :class:`FollowUp` in
its ``AppConfig.ready()``; the visit page shows one form per registered follow-up the user may use,
and posts it to ``visits:visit_follow_up`` which calls ``run``. Only registered follow-ups appear —
nothing is shown for modules that do not exist.

``run(visit, cleaned_data, actor)`` calls the owning module's service and returns the created
object; ``url(obj)`` says where to send the user afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms


@dataclass(frozen=True)
class FollowUp:
    key: str
    label: Any
    form_class: type[forms.Form]
    run: Callable[[Any, dict[str, Any], Any], Any]
    url: Callable[[Any], str]
    capability: str
    order: int = 100
    icon: str = "arrow-right-circle"
    done_message: Any = ""


_followups: dict[str, FollowUp] = {}


def register(follow_up: FollowUp) -> None:
    _followups[follow_up.key] = follow_up


def followups_for(user: Any) -> list[FollowUp]:
    from wutong.accounts.roles import has_capability

    return sorted(
        (f for f in _followups.values() if has_capability(user, f.capability)), key=lambda f: (f.order, f.key)
    )


def get(user: Any, key: str) -> FollowUp | None:
    return next((f for f in followups_for(user) if f.key == key), None)


def register_demand_follow_up() -> None:
    """诉求: a form (category + content) that calls demands' ``submit_demand`` with the visit's id."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from wutong.visits import services
    from wutong.visits.forms import RaiseDemandForm

    def run(visit: Any, data: dict[str, Any], actor: Any) -> Any:
        return services.raise_demand_from_visit(
            visit,
            category=data["category"],
            content=data["content"],
            title=data.get("title", ""),
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""),
            actor=actor,
        )

    register(
        FollowUp(
            "demand",
            _("提出诉求"),
            RaiseDemandForm,
            run,
            url=lambda demand: reverse("demands:demand_detail", args=[demand.pk]),
            capability="demands.submit",
            order=10,
            icon="chat-square-text",
            done_message=_("已登记诉求"),
        )
    )
