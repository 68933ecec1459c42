"""The tabs of the enterprise file (一企一档), as a registry later modules extend.

A module that has something to show on an enterprise's file (visits, demands, assessments …)
registers a tab in its ``AppConfig.ready()``::

    from wutong.enterprises import tabs
    tabs.register(tabs.EnterpriseTab("visits", _("走访"), order=60, template="visits/enterprise_tab.html",
                                     context=visits_for_enterprise, capability="visits.view"))

``context(request, enterprise)`` returns the template's context, or ``view(request, enterprise)``
returns a whole response. Only registered tabs are shown: no placeholder for modules that do not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

ContextFn = Callable[[HttpRequest, Any], dict[str, Any]]
ViewFn = Callable[[HttpRequest, Any], HttpResponse]


@dataclass(frozen=True)
class EnterpriseTab:
    key: str
    label: Any
    order: int = 100
    template: str | None = None
    context: ContextFn | None = None
    view: ViewFn | None = None
    capability: str | None = None
    icon: str = ""


_tabs: dict[str, EnterpriseTab] = {}


def register(tab: EnterpriseTab) -> None:
    if (tab.template is None) == (tab.view is None):
        raise ValueError("an enterprise tab needs exactly one of template or view")
    _tabs[tab.key] = tab


def unregister(key: str) -> None:
    _tabs.pop(key, None)


def tabs_for(user: Any) -> list[EnterpriseTab]:
    """The tabs ``user`` may open, in order."""
    from wutong.accounts.roles import has_capability

    return sorted(
        (t for t in _tabs.values() if t.capability is None or has_capability(user, t.capability)),
        key=lambda t: (t.order, t.key),
    )


def get_tab(user: Any, key: str) -> EnterpriseTab | None:
    return next((t for t in tabs_for(user) if t.key == key), None)


def _register_builtin() -> None:
    from wutong.enterprises import views

    builtin = [
        ("overview", _("概况"), 10, views.overview_context, "info-circle"),
        ("figures", _("经营数据"), 20, views.figures_context, "graph-up"),
        ("ip", _("知识产权"), 30, views.ip_context, "lightbulb"),
        ("qualifications", _("资质"), 40, views.qualifications_context, "award"),
        ("leases", _("租赁"), 50, views.leases_context, "building"),
        ("support", _("扶持"), 60, views.support_context, "cash-coin"),
        ("relations", _("关联"), 70, views.relations_context, "diagram-3"),
        ("housing", _("人才住房"), 80, views.housing_context, "house"),
        ("contacts", _("联系人"), 90, views.contacts_context, "person-lines-fill"),
        ("history", _("变更记录"), 1000, views.history_context, "clock-history"),
    ]
    for key, label, order, context, icon in builtin:
        register(
            EnterpriseTab(
                key, label, order, template=f"enterprises/tabs/{key}.html", context=context, icon=icon
            )
        )


def ensure_builtin() -> None:
    if "overview" not in _tabs:
        _register_builtin()
