"""The registry's pages: the enterprise list, the enterprise file with its tabs, the search box."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wutong.accounts.roles import has_capability
from wutong.core import access
from wutong.core.audit import history_for
from wutong.core.views import ObjectListView
from wutong.enterprises import queries, search, tabs
from wutong.enterprises.filters import EnterpriseFilterSet
from wutong.enterprises.models import Enterprise
from wutong.enterprises.tables import EnterpriseTable

# --- List -------------------------------------------------------------------------------------


class EnterpriseListView(ObjectListView):
    model = Enterprise
    filterset_class = EnterpriseFilterSet
    table_class = EnterpriseTable
    capability = "enterprises.list"
    template_name = "enterprises/enterprise_list.html"
    title = _("企业名录")
    export_name = "enterprises"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return queries.enterprise_list(request.user)

    def get_extra_context(self, request: HttpRequest) -> dict[str, Any]:
        # Links to pages other modules build, shown once those pages exist.
        user = request.user
        return {
            "create_url": _reverse_or_empty("enterprises:enterprise_create")
            if has_capability(user, "enterprises.change")
            else "",
            "import_url": _reverse_or_empty("enterprises:import_upload")
            if has_capability(user, "enterprises.import")
            else "",
            "duplicates_url": _reverse_or_empty("enterprises:duplicate_list")
            if has_capability(user, "enterprises.merge")
            else "",
        }


# --- The enterprise file ----------------------------------------------------------------------


def _reverse_or_empty(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return ""


def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """一企一档: the header and one tab; HTMX asks for a tab's pane alone with ``?tab=key``."""
    if not has_capability(request.user, "enterprises.view"):
        raise PermissionDenied
    enterprise = access.access_object(
        Enterprise.objects.select_related("street", "park", "industry", "source_batch"), request.user, pk
    )
    tabs.ensure_builtin()
    key = request.GET.get("tab") or "overview"
    tab = tabs.get_tab(request.user, key)
    if tab is None:
        raise Http404
    if tab.view is not None and request.htmx:  # type: ignore[attr-defined]
        return tab.view(request, enterprise)
    pane = {"enterprise": enterprise, "tab": tab}
    if tab.context is not None:
        pane.update(tab.context(request, enterprise))
    if request.htmx and "tab" in request.GET:  # type: ignore[attr-defined]
        return render(request, tab.template or "", pane)
    context = {
        **pane,
        "title": enterprise.name,
        "tabs": tabs.tabs_for(request.user),
        "active_tab": tab,
        "tags": list(enterprise.tags.all()),
        "industry_path": queries.industry_path(enterprise.industry),
        "edit_url": _reverse_or_empty("enterprises:enterprise_edit", enterprise.pk)
        if has_capability(request.user, "enterprises.change")
        else "",
        "merge_url": _reverse_or_empty("enterprises:enterprise_merge", enterprise.pk)
        if has_capability(request.user, "enterprises.merge")
        else "",
        "list_url": reverse("enterprises:enterprise_list")
        if has_capability(request.user, "enterprises.list")
        else "",
    }
    return render(request, "enterprises/enterprise_detail.html", context)


def _reports(enterprise: Enterprise) -> list[Any]:
    return list(enterprise.annual_reports.select_related("source_batch").order_by("-year"))


def overview_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    reports = _reports(enterprise)
    today = timezone.localdate()
    return {
        "former_names": list(enterprise.former_names.order_by("-changed_on")),
        "provenance": queries.provenance(enterprise, reports, today),
        "latest_report": reports[0] if reports else None,
    }


def figures_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    reports = _reports(enterprise)
    return {
        "table": queries.annual_table(reports),
        "series": queries.annual_series(enterprise, reports),
    }


def ip_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    assets = list(enterprise.ip_assets.order_by("-granted_on", "-filed_on"))
    counts = {"I": 0, "II": 0}
    for asset in assets:
        if asset.ip_class in counts and asset.status == "valid":
            counts[asset.ip_class] += 1
    return {"assets": assets, "class_counts": counts}


def qualifications_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    return {
        "holdings": list(enterprise.qualifications.order_by("-expires_on")),
        "today": timezone.localdate(),
    }


def leases_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    return {"leases": list(enterprise.leases.select_related("park")), "today": timezone.localdate()}


def support_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    rows = list(enterprise.support_received.all())
    return {"support": rows, "support_total": sum((r.amount or 0) for r in rows)}


def relations_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    return {"relations": list(enterprise.relations.all())}


def housing_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    return {"housing": list(enterprise.talent_housing.all())}


def mask_phone(phone: str) -> str:
    """``services.mask_phone`` (138****5678), with a local fallback while that service is absent."""
    try:
        from wutong.enterprises.services import mask_phone as service_mask
    except ImportError:  # pragma: no cover - the service module is another engineer's
        digits = re.sub(r"\D", "", phone or "")
        return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 7 else ("****" if phone else "")
    return str(service_mask(phone))


def contacts_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    """Phones are PII: masked for everyone. Roles with ``enterprises.view_pii`` get a 显示 button that
    posts to the audited reveal endpoint (or, if that endpoint is absent, see the number itself)."""
    may_see = has_capability(request.user, "enterprises.view_pii")
    rows = []
    for contact in enterprise.contacts.all():
        reveal_url = (
            _reverse_or_empty("enterprises:contact_reveal", contact.pk) if may_see and contact.phone else ""
        )
        shown = contact.phone if may_see and not reveal_url else mask_phone(contact.phone)
        rows.append({"contact": contact, "phone": shown, "reveal_url": reveal_url})
    return {"contacts": rows, "may_see_pii": may_see}


def history_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    return {"history": list(history_for(enterprise)[:200])}


# --- Search -----------------------------------------------------------------------------------


def enterprise_search(request: HttpRequest) -> HttpResponse:
    """The autocomplete of the search box: an HTML dropdown for HTMX, JSON with ``?format=json``."""
    if not has_capability(request.user, "enterprises.view"):
        raise PermissionDenied
    query = request.GET.get("q", "")
    try:
        limit = max(1, min(int(request.GET.get("limit", 10)), 50))
    except ValueError:
        limit = 10
    hits = search.search_enterprises(query, request.user, limit=limit)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "query": query,
                "results": [
                    {
                        "id": hit.enterprise.pk,
                        "name": hit.enterprise.name,
                        "uscc": hit.enterprise.uscc,
                        "matched": str(hit.reason),
                        "former_name": hit.matched,
                        "url": reverse("enterprises:enterprise_detail", args=[hit.enterprise.pk]),
                    }
                    for hit in hits
                ],
            },
            json_dumps_params={"ensure_ascii": False},
        )
    return render(request, "enterprises/search_results.html", {"hits": hits, "query": query})
