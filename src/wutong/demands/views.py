"""Demand pages: the ledger, one demand with its timeline and actions, statistics, categories,
共性诉求 and Open311 API keys. Views are thin: access → form → one service → map DomainError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wutong.accounts.choices import Role
from wutong.accounts.roles import has_capability, is_internal, role_of
from wutong.core import audit
from wutong.core.exceptions import DomainError
from wutong.core.exports import xlsx_response
from wutong.core.views import ObjectListView
from wutong.demands import forms as f
from wutong.demands import queries, rules, services
from wutong.demands.access import access_api_key, access_category, access_demand, access_group
from wutong.demands.filters import DemandFilterSet
from wutong.demands.models import ApiKey, Demand, DemandCategory, DemandGroup
from wutong.demands.tables import LEDGER_HEADERS, DemandTable, ledger_rows
from wutong.enterprises.models import Enterprise


def _require(request: HttpRequest, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise PermissionDenied(_("无权执行此操作"))


def _add_domain_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _detail_url(demand: Demand) -> str:
    return reverse("demands:demand_detail", args=[demand.pk])


# --- the ledger -------------------------------------------------------------------------------


class DemandListView(ObjectListView):
    model = Demand
    filterset_class = DemandFilterSet
    table_class = DemandTable
    capability = "demands.view"
    template_name = "demands/demand_list.html"
    title = gettext_lazy("诉求台账")
    export_name = "诉求台账"

    def get_queryset(self, request: HttpRequest) -> Any:
        return queries.demand_list(request.user)

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.GET.get("export") == "xlsx":
            _require(request, "demands.export")
            filterset = self.filterset_class(
                request.GET, queryset=self.get_queryset(request), request=request
            )
            qs = filterset.qs if filterset.is_valid() else filterset.queryset
            stamp = timezone.localdate().strftime("%Y%m%d")
            return xlsx_response(
                f"诉求台账-{stamp}.xlsx",
                LEDGER_HEADERS,
                ledger_rows(qs.order_by("submitted_at", "id")),
                sheet="诉求台账",
            )
        return super().get(request)

    def get_extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "counts": queries.deadline_counts(Demand.objects.visible_to(request.user)),
            "may_submit": has_capability(request.user, "demands.submit"),
            "may_stats": has_capability(request.user, "demands.stats"),
            "may_keys": has_capability(request.user, "demands.manage_api_keys"),
        }


def demand_create(request: HttpRequest) -> HttpResponse:
    """登记诉求: staff for any enterprise (by USCC), an enterprise contact for their own."""
    _require(request, "demands.submit")
    enterprise_user = role_of(request.user) == Role.ENTERPRISE
    initial = {}
    if "enterprise" in request.GET:
        firm = Enterprise.objects.visible_to(request.user).filter(pk=request.GET["enterprise"]).first()
        if firm:
            initial["enterprise_uscc"] = firm.uscc
    form = f.DemandForm(request.POST or None, initial=initial, enterprise_user=enterprise_user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = getattr(request.user, "org_unit", None)
        uscc = (unit.uscc if unit else "") if enterprise_user else data["enterprise_uscc"].strip().upper()
        enterprise = Enterprise.objects.filter(uscc=uscc).first()
        category = data["category"] or queries.suggest_category(f"{data['title']} {data['content']}")
        category = category or DemandCategory.objects.filter(code="other").first()
        if enterprise is None:
            form.add_error("enterprise_uscc" if not enterprise_user else None, _("一企一档中没有该企业"))
        elif category is None:
            form.add_error("category", _("请选择类别"))
        else:
            try:
                demand = services.submit_demand(
                    enterprise=enterprise,
                    category=category,
                    content=data["content"],
                    title=data["title"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    channel=data.get("channel") or "portal",
                    actor=request.user,
                )
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, _("诉求已登记，编号 %(n)s。") % {"n": demand.number})
                return redirect(_detail_url(demand))
    return render(
        request,
        "demands/demand_form.html",
        {"form": form, "title": _("登记诉求"), "cancel_url": reverse("demands:demand_list")},
    )


# --- one demand -------------------------------------------------------------------------------

Service = Callable[[Demand, dict[str, Any], Any], Any]

#: action -> (form class, call of the one service). The rules decide which are shown.
ACTIONS: dict[str, tuple[type[Any], Service]] = {
    "accept": (
        f.AcceptForm,
        lambda d, c, u: services.accept_demand(d, actor=u, category=c["category"], note=c["note"]),
    ),
    "route": (
        f.RouteForm,
        lambda d, c, u: services.route_demand(
            d,
            lead_department=c["lead_department"],
            assisting_departments=list(c["assisting_departments"]),
            note=c["note"],
            actor=u,
        ),
    ),
    "start": (f.NoteForm, lambda d, c, u: services.start_demand(d, actor=u)),
    "transfer": (
        f.TransferForm,
        lambda d, c, u: services.transfer_demand(
            d, to_department=c["to_department"], reason=c["reason"], actor=u
        ),
    ),
    "return": (f.ReasonForm, lambda d, c, u: services.return_demand(d, reason=c["reason"], actor=u)),
    "reply": (f.ReplyForm, lambda d, c, u: services.reply_demand(d, reply=c["reply"], actor=u)),
    "rate": (
        f.RateForm,
        lambda d, c, u: services.rate_demand(d, rating=c["rating"], comment=c["comment"], actor=u),
    ),
    "close": (f.NoteForm, lambda d, c, u: services.close_demand(d, note=c["note"], actor=u)),
    "reopen": (f.ReasonForm, lambda d, c, u: services.reopen_demand(d, reason=c["reason"], actor=u)),
    "reject": (
        f.RejectForm,
        lambda d, c, u: services.reject_demand(d, reason=c["reason"], note=c["note"], actor=u),
    ),
    "comment": (
        f.CommentForm,
        lambda d, c, u: services.comment_demand(d, body=c["body"], is_public=c["is_public"], actor=u),
    ),
    "merge": (f.MergeForm, lambda d, c, u: services.merge_demands(d, into=c["into"], actor=u)),
}


def _initial(action: str, demand: Demand) -> dict[str, Any]:
    if action == "route" and demand.category.default_department_id:
        return {"lead_department": demand.category.default_department_id}
    if action == "accept":
        return {"category": demand.category_id}
    return {}


STATUS_CSS = {
    "closed": "success",
    "replied": "info",
    "returned": "warning",
    "rejected": "secondary",
    "merged": "secondary",
}


def _detail_context(
    request: HttpRequest, demand: Demand, bound: tuple[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    facts = services.facts_for(demand, user)
    actions = []
    for name, (form_class, _call) in ACTIONS.items():
        if not rules.decide(name, facts):
            continue
        form = (
            bound[1]
            if bound and bound[0] == name
            else form_class(initial=_initial(name, demand), prefix=name)
        )
        actions.append({"name": name, "label": rules.ACTION_LABELS[name], "form": form})
    internal = is_internal(user)
    today = timezone.localdate()
    return {
        "demand": demand,
        "title": demand.number,
        "light": rules.deadline_state(
            status=demand.status,
            today=today,
            accept_due=demand.accept_due,
            reply_due=demand.reply_due,
            reply_warn_on=demand.reply_warn_on,
        ),
        "status_css": STATUS_CSS.get(demand.status, "primary"),
        "actions": actions,
        "open_action": bound[0] if bound else "",
        "timeline": queries.timeline(demand, user),
        "comments": queries.comments_for(demand, user),
        "assignments": demand.assignments.select_related("department", "assigned_by").order_by(
            "created_at", "id"
        ),
        "warnings": services.calendar_warnings_for(demand),
        "duplicates": queries.possible_duplicates(demand) if internal else [],
        "history": audit.history_for(demand)[:50] if internal else [],
        "internal": internal,
        "list_url": reverse("demands:demand_list"),
    }


def demand_detail(request: HttpRequest, pk: int) -> HttpResponse:
    demand = access_demand(request.user, pk)
    return render(request, "demands/demand_detail.html", _detail_context(request, demand))


@require_POST
def demand_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of the lifecycle (签收, 交办, 答复 …): the form of that step, then its one service."""
    if action not in ACTIONS:
        raise PermissionDenied(_("未知的操作"))
    demand = access_demand(request.user, pk)
    form_class, call = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            call(demand, form.cleaned_data, request.user)
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, _("已%(action)s。") % {"action": rules.ACTION_LABELS[action]})
            target = demand.merged_into if action == "merge" and demand.merged_into else demand
            return redirect(_detail_url(target))
    context = _detail_context(request, demand, bound=(action, form))
    return render(request, "demands/demand_detail.html", context, status=400)


# --- statistics -------------------------------------------------------------------------------


def demand_stats(request: HttpRequest) -> HttpResponse:
    _require(request, "demands.stats")
    form = f.StatsPeriodForm(request.GET or None)
    start = end = None
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    stats = queries.demand_stats(request.user, start=start, end=end)
    return render(
        request, "demands/demand_stats.html", {"title": _("诉求统计"), "stats": stats, "form": form}
    )


# --- categories -------------------------------------------------------------------------------


def category_list(request: HttpRequest) -> HttpResponse:
    _require(request, "demands.view")
    categories = DemandCategory.objects.visible_to(request.user).select_related(
        "default_department", "section"
    )
    return render(
        request,
        "demands/category_list.html",
        {
            "title": _("诉求类别"),
            "categories": categories,
            "may_edit": has_capability(request.user, "demands.manage_categories"),
        },
    )


def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request, "demands.manage_categories")
    category = access_category(request.user, pk, "change") if pk else None
    # the form validates on its own copy: a ModelForm writes into its instance while validating,
    # and the service must see the row as it was to record what changed
    copy = DemandCategory.objects.get(pk=category.pk) if category else None
    form = f.CategoryForm(request.POST or None, instance=copy)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.save_category(category, actor=request.user, **fields)
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, _("诉求类别已保存。"))
            return redirect("demands:category_list")
    return render(
        request,
        "demands/form.html",
        {
            "form": form,
            "title": _("编辑诉求类别") if category else _("新增诉求类别"),
            "cancel_url": reverse("demands:category_list"),
        },
    )


# --- 共性诉求 ----------------------------------------------------------------------------------


def group_list(request: HttpRequest) -> HttpResponse:
    """Open 共性诉求 tasks, and clusters of similar demands across enterprises waiting for one."""
    _require(request, "demands.stats")
    groups = DemandGroup.objects.visible_to(request.user).select_related("category", "owner")
    clusters = queries.similar_clusters(Demand.objects.visible_to(request.user))
    return render(
        request,
        "demands/group_list.html",
        {
            "title": _("共性诉求"),
            "groups": groups,
            "clusters": clusters[:30],
            "may_manage": has_capability(request.user, "demands.manage_groups"),
        },
    )


@require_POST
def group_create(request: HttpRequest) -> HttpResponse:
    _require(request, "demands.manage_groups")
    form = f.GroupCreateForm(request.POST)
    if form.is_valid():
        demands = list(Demand.objects.visible_to(request.user).filter(pk__in=form.cleaned_data["demand_ids"]))
        try:
            group = services.create_demand_group(
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
                demands=demands,
                actor=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已建立共性诉求。"))
            return redirect("demands:group_detail", pk=group.pk)
    else:
        messages.error(request, _("请填写共性问题"))
    return redirect("demands:group_list")


def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    group = access_group(request.user, pk)
    form = f.GroupUpdateForm(request.POST or None, initial={"note": group.note, "status": group.status})
    if request.method == "POST":
        _require(request, "demands.manage_groups")
        if form.is_valid():
            try:
                services.update_demand_group(group, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("demands:group_detail", pk=group.pk)
    return render(
        request,
        "demands/group_detail.html",
        {
            "title": group.title,
            "group": group,
            "demands": group.demands.select_related("enterprise", "category"),
            "form": form,
            "may_manage": has_capability(request.user, "demands.manage_groups"),
        },
    )


# --- Open311 API keys -------------------------------------------------------------------------


def api_key_list(request: HttpRequest) -> HttpResponse:
    """Issue and revoke Open311 keys. The plain key is shown once, right after issuing."""
    _require(request, "demands.manage_api_keys")
    form = f.ApiKeyForm(request.POST or None)
    plain = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, plain = services.issue_api_key(
                org_unit=form.cleaned_data["org_unit"], name=form.cleaned_data["name"], actor=request.user
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            form = f.ApiKeyForm()
    keys = ApiKey.objects.visible_to(request.user).select_related("org_unit", "issued_by")
    return render(
        request,
        "demands/api_keys.html",
        {"title": _("Open311 接口密钥"), "form": form, "keys": keys, "plain_key": plain},
    )


@require_POST
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = access_api_key(request.user, pk, "change")
    try:
        services.revoke_api_key(key, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("密钥已吊销。"))
    return redirect("demands:api_key_list")


# --- the enterprise file tab and the dashboard ------------------------------------------------


def enterprise_tab_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    qs = queries.with_deadline_state(
        Demand.objects.visible_to(request.user)
        .filter(enterprise=enterprise)
        .select_related("category", "lead_department")
    )
    return {
        "demands": qs.order_by("-submitted_at")[:100],
        "demand_total": qs.count(),
        "new_demand_url": reverse("demands:demand_create") + f"?enterprise={enterprise.pk}"
        if has_capability(request.user, "demands.submit")
        else "",
    }


def dashboard_cards(user: Any) -> list[dict[str, Any]]:
    if not has_capability(user, "demands.view"):
        return []
    numbers = queries.dashboard_numbers(user)
    url = reverse("demands:demand_list")
    rate = numbers["on_time_rate"]
    return [
        {
            "label": _("在办诉求"),
            "value": numbers["open"],
            "unit": _("件"),
            "url": url + "?status=submitted&status=accepted&status=routed&status=in_progress&status=returned",
            "icon": "chat-square-text",
            "note": "",
        },
        {
            "label": _("超期诉求"),
            "value": numbers["overdue"],
            "unit": _("件"),
            "url": url + "?deadline=overdue",
            "icon": "alarm",
            "note": "",
        },
        {
            "label": _("诉求按时办理率"),
            "value": "—" if rate is None else rate,
            "unit": "%" if rate is not None else "",
            "url": reverse("demands:demand_stats") if has_capability(user, "demands.stats") else url,
            "icon": "speedometer2",
            "note": "",
        },
    ]
