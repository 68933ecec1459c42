"""The generic list view every app reuses, the dashboard, the audit log and language switching."""

from __future__ import annotations

from typing import Any

import django_filters
import django_tables2 as tables
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import select_template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from wutong.accounts.roles import has_capability
from wutong.core.exports import table_to_xlsx
from wutong.core.filters import AuditEntryFilterSet
from wutong.core.models import AuditEntry
from wutong.core.tables import AuditEntryTable


class ObjectListView(View):
    """A filtered, sorted, paginated list with HTMX refresh and Excel export of the filtered rows.

    The same URL serves the full page, the ``#results`` partial when HTMX asks, and an ``.xlsx``
    when ``?export=xlsx``. The queryset always passes through ``visible_to(user)``.
    """

    model: type[Model]
    filterset_class: type[django_filters.FilterSet]
    table_class: type[tables.Table]
    capability: str | None = None
    template_name = "core/object_list.html"
    title: Any = ""
    export_name: str = "export"
    per_page = 50
    paginator_class: Any = LazyPaginator  # no COUNT(*) over millions of rows

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model._default_manager.visible_to(request.user)  # type: ignore[attr-defined]

    def get_extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def get(self, request: HttpRequest) -> HttpResponse:
        if self.capability and not has_capability(request.user, self.capability):
            raise PermissionDenied
        filterset = self.filterset_class(
            request.GET or None, queryset=self.get_queryset(request), request=request
        )
        queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
        table = self.table_class(queryset)
        if request.GET.get("export") == "xlsx":
            stamp = timezone.localdate().strftime("%Y%m%d")
            return table_to_xlsx(table, f"{self.export_name}-{stamp}.xlsx")
        RequestConfig(
            request, paginate={"per_page": self.per_page, "paginator_class": self.paginator_class}
        ).configure(table)
        context = {
            "title": self.title,
            "filterset": filterset,
            "table": table,
            **self.get_extra_context(request),
        }
        if request.htmx:  # type: ignore[attr-defined]
            # A list template that extends object_list.html without redefining the partial
            # falls back to the generic one (partials are not inherited).
            partial = select_template([f"{self.template_name}#results", "core/object_list.html#results"])
            return HttpResponse(partial.render(context, request))
        return render(request, self.template_name, context)


def dashboard(request: HttpRequest) -> HttpResponse:
    from wutong.core.dashboard import dashboard_context

    return render(request, "core/dashboard.html", dashboard_context(request.user))


class AuditListView(ObjectListView):
    model = AuditEntry
    filterset_class = AuditEntryFilterSet
    table_class = AuditEntryTable
    capability = "core.view_audit"
    title = gettext_lazy("审计日志")
    export_name = "audit-log"


@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request, "403.html", {"message": str(exception) if exception else _("无权访问")}, status=403
    )
