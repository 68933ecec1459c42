"""Visit pages: the ledger, plan/record a visit, one visit with its follow-ups, key lists with
coverage, and the pre-visit brief. Views are thin: access → form → one service → map DomainError."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.encoding import escape_uri_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wutong.accounts.roles import has_capability
from wutong.core import audit
from wutong.core.exceptions import DomainError
from wutong.core.exports import xlsx_response
from wutong.core.views import ObjectListView
from wutong.enterprises.access import access_enterprise
from wutong.enterprises.models import Enterprise
from wutong.visits import brief as brief_module
from wutong.visits import followups, queries, services
from wutong.visits import forms as f
from wutong.visits.access import access_key_list, access_member, access_visit, can_read_notes, can_visit
from wutong.visits.choices import CoveragePeriod, VisitStatus
from wutong.visits.filters import VisitFilterSet
from wutong.visits.models import KeyList, Visit
from wutong.visits.tables import VisitTable

#: The most enterprises one "add the filtered list" may put on a key list at once.
BULK_ADD_LIMIT = 5_000


def _require(request: HttpRequest, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise PermissionDenied(_("无权执行此操作"))


def _add_domain_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _find_enterprise(request: HttpRequest, form: Any, uscc: str) -> Enterprise | None:
    firm = Enterprise.objects.visible_to(request.user).filter(uscc=uscc).first()
    if firm is None:
        form.add_error("enterprise_uscc", _("一企一档中没有该企业"))
    return firm


# --- the ledger -------------------------------------------------------------------------------


class VisitListView(ObjectListView):
    model = Visit
    filterset_class = VisitFilterSet
    table_class = VisitTable
    capability = "visits.view"
    template_name = "visits/visit_list.html"
    title = gettext_lazy("走访台账")
    export_name = "走访台账"

    def get_queryset(self, request: HttpRequest) -> Any:
        return queries.visit_list(request.user)

    def get_extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "may_plan": has_capability(request.user, "visits.plan"),
            "may_record": has_capability(request.user, "visits.record"),
        }


def visit_create(request: HttpRequest) -> HttpResponse:
    """计划走访 (``?mode=plan``) or 登记走访 (``?mode=record``): one form, one service."""
    record = request.GET.get("mode") == "record"
    _require(request, "visits.record" if record else "visits.plan")
    initial: dict[str, Any] = {"visit_date": timezone.localdate(), "visitors": [request.user.pk]}
    if request.user.org_unit_id:  # type: ignore[union-attr]
        initial["organising_unit"] = request.user.org_unit_id  # type: ignore[union-attr]
    if "enterprise" in request.GET:
        firm = Enterprise.objects.visible_to(request.user).filter(pk=request.GET["enterprise"]).first()
        if firm:
            initial["enterprise_uscc"] = firm.uscc
    form = f.VisitForm(request.POST or None, initial=initial, record=record)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        firm = _find_enterprise(request, form, data["enterprise_uscc"])
        if firm is not None:
            common = {
                "enterprise": firm,
                "visit_date": data["visit_date"],
                "visit_type": data["visit_type"],
                "organising_unit": data["organising_unit"],
                "visitors": data["visitors"],
                "purpose": data["purpose"],
                "confidentiality": data["confidentiality"],
                "actor": request.user,
            }
            try:
                if record:
                    visit = services.record_visit(
                        None, notes=data["notes"], next_steps=data["next_steps"], **common
                    )
                else:
                    visit = services.plan_visit(**common)
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, _("已登记走访记录。") if record else _("已加入走访计划。"))
                for warning in queries.double_visit_warnings(
                    firm.pk,
                    visit.visit_date,
                    organising_unit_id=visit.organising_unit_id,
                    exclude_pk=visit.pk,
                ):
                    messages.warning(request, _("重复走访提醒：%(w)s") % {"w": warning})
                return redirect("visits:visit_detail", pk=visit.pk)
    title = _("登记走访") if record else _("计划走访")
    return render(
        request,
        "visits/visit_form.html",
        {"form": form, "title": title, "record": record, "cancel_url": reverse("visits:visit_list")},
    )


def visit_warnings(request: HttpRequest) -> HttpResponse:
    """The double-visit warnings for the form being filled in (HTMX, before saving)."""
    _require(request, "visits.plan")
    uscc = (request.GET.get("enterprise_uscc") or "").strip().upper()
    day = parse_date(request.GET.get("visit_date") or "")
    unit = request.GET.get("organising_unit") or None
    firm = Enterprise.objects.visible_to(request.user).filter(uscc=uscc).first() if uscc else None
    warnings = (
        queries.double_visit_warnings(firm.pk, day, organising_unit_id=int(unit) if unit else None)
        if firm and day
        else []
    )
    return render(request, "visits/includes/warnings.html", {"warnings": warnings})


# --- one visit --------------------------------------------------------------------------------


def _linked_demands(visit: Visit, user: Any) -> list[Any]:
    try:
        from wutong.demands.models import Demand
    except ImportError:  # pragma: no cover
        return []
    return list(Demand.objects.visible_to(user).filter(source_visit_id=visit.pk).select_related("category"))


def _detail_context(
    request: HttpRequest, visit: Visit, bound: tuple[str, Any] | None = None
) -> dict[str, Any]:
    user = request.user
    may_change = can_visit(user, "change", visit)
    forms: dict[str, Any] = {}
    if may_change and visit.status == VisitStatus.PLANNED:
        forms["record"] = f.CompleteVisitForm(prefix="record")
        forms["cancel"] = f.CancelVisitForm(prefix="cancel")
    follow_ups: list[dict[str, Any]] = []
    if may_change and visit.status == VisitStatus.DONE:
        for item in followups.followups_for(user):
            follow_ups.append({"item": item, "form": item.form_class(prefix=item.key)})
    if bound is not None:
        name, form = bound
        forms[name] = form
        for entry in follow_ups:
            if entry["item"].key == name:
                entry["form"] = form
    return {
        "title": str(visit),
        "visit": visit,
        "visitors": list(visit.visitors.all()),
        "notes_visible": can_read_notes(user, visit),
        "forms": forms,
        "follow_ups": follow_ups,
        "open_form": bound[0] if bound else "",
        "demands": _linked_demands(visit, user),
        "warnings": queries.double_visit_warnings(
            visit.enterprise_id,
            visit.visit_date,
            organising_unit_id=visit.organising_unit_id,
            exclude_pk=visit.pk,
        )
        if visit.status != VisitStatus.CANCELLED
        else [],
        "history": audit.history_for(visit)[:50],
        "brief_url": reverse("visits:brief", args=[visit.enterprise_id])
        if has_capability(user, "visits.brief")
        else "",
    }


def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(request.user, pk)
    return render(request, "visits/visit_detail.html", _detail_context(request, visit))


@require_POST
def visit_record(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(request.user, pk, "change")
    form = f.CompleteVisitForm(request.POST, prefix="record")
    if form.is_valid():
        try:
            services.record_visit(visit, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, _("已记录走访情况。"))
            return redirect("visits:visit_detail", pk=visit.pk)
    return render(
        request, "visits/visit_detail.html", _detail_context(request, visit, ("record", form)), status=400
    )


@require_POST
def visit_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(request.user, pk, "change")
    form = f.CancelVisitForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            services.cancel_visit(visit, reason=form.cleaned_data["reason"], actor=request.user)
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, _("已取消该走访计划。"))
            return redirect("visits:visit_detail", pk=visit.pk)
    return render(
        request, "visits/visit_detail.html", _detail_context(request, visit, ("cancel", form)), status=400
    )


@require_POST
def visit_follow_up(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """One follow-up of a recorded visit (提出诉求 …): its form, then its owning module's service."""
    item = followups.get(request.user, key)
    if item is None:
        raise PermissionDenied(_("未知的后续事项"))
    visit = access_visit(request.user, pk, "change")
    form = item.form_class(request.POST, prefix=key)
    if form.is_valid():
        try:
            created = item.run(visit, form.cleaned_data, request.user)
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, f"{item.done_message or item.label}：{created}")
            return redirect(item.url(created))
    return render(
        request, "visits/visit_detail.html", _detail_context(request, visit, (key, form)), status=400
    )


# --- key lists --------------------------------------------------------------------------------


def keylist_list(request: HttpRequest) -> HttpResponse:
    _require(request, "visits.view")
    today = timezone.localdate()
    lists = []
    for key_list in KeyList.objects.visible_to(request.user).order_by("name"):
        # a handful of lists, four aggregate queries each
        lists.append({"list": key_list, "stats": queries.coverage_stats(key_list, today=today)["total"]})
    return render(
        request,
        "visits/keylist_list.html",
        {
            "title": _("重点企业名单"),
            "lists": lists,
            "may_create": has_capability(request.user, "visits.manage_lists"),
        },
    )


def keylist_create(request: HttpRequest) -> HttpResponse:
    _require(request, "visits.manage_lists")
    form = f.KeyListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            key_list = services.create_key_list(
                name=data["name"],
                description=data["description"],
                double_visit_days=data["double_visit_days"],
                tiers=data["tiers"],
                owner_unit=request.user.org_unit,  # type: ignore[union-attr]
                actor=request.user,
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, _("已创建名单 %(n)s。") % {"n": key_list.name})
            return redirect("visits:keylist_detail", pk=key_list.pk)
    return render(
        request,
        "visits/form.html",
        {"form": form, "title": _("新建重点企业名单"), "cancel_url": reverse("visits:keylist_list")},
    )


def _keylist_context(request: HttpRequest, key_list: KeyList, **bound: Any) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    matrix = queries.coverage_matrix(key_list, today=today, period=CoveragePeriod.QUARTER)
    return {
        "title": key_list.name,
        "key_list": key_list,
        "tiers": list(key_list.tiers.all()),
        "stats": queries.coverage_stats(key_list, today=today),
        "rows": matrix["rows"],
        "add_form": bound.get("add_form")
        or (f.AddMembersForm(key_list=key_list) if has_capability(user, "visits.manage_members") else None),
        "assign_form": bound.get("assign_form")
        or (f.AssignLeaderForm() if has_capability(user, "visits.assign_leaders") else None),
        "may_manage": has_capability(user, "visits.manage_members"),
        "history": audit.history_for(key_list)[:30],
    }


def keylist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    key_list = access_key_list(request.user, pk)
    return render(request, "visits/keylist_detail.html", _keylist_context(request, key_list))


def _report_added(request: HttpRequest, result: services.AddResult) -> None:
    messages.success(request, _("已加入 %(n)s 家企业。") % {"n": len(result.added)})
    if result.already:
        messages.info(request, _("%(n)s 家已在名单中。") % {"n": len(result.already)})
    if result.unknown:
        shown = "、".join(result.unknown[:10])
        messages.warning(
            request, _("%(n)s 个信用代码不在一企一档中：%(u)s") % {"n": len(result.unknown), "u": shown}
        )


@require_POST
def keylist_add_members(request: HttpRequest, pk: int) -> HttpResponse:
    key_list = access_key_list(request.user, pk, "change")
    form = f.AddMembersForm(request.POST, key_list=key_list)
    if form.is_valid():
        try:
            result = services.add_members(
                key_list,
                usccs=form.cleaned_data["usccs"],
                tier=form.cleaned_data["tier"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            _report_added(request, result)
            return redirect("visits:keylist_detail", pk=key_list.pk)
    context = _keylist_context(request, key_list, add_form=form)
    return render(request, "visits/keylist_detail.html", context, status=400)


@require_POST
def keylist_add_filtered(request: HttpRequest, pk: int) -> HttpResponse:
    """Put every enterprise of a filtered enterprise list on the key list (the filter's query
    string comes from the enterprise list page; at most :data:`BULK_ADD_LIMIT` firms)."""
    from wutong.enterprises.filters import EnterpriseFilterSet
    from wutong.enterprises.queries import enterprise_list

    key_list = access_key_list(request.user, pk, "change")
    tier = key_list.tiers.filter(pk=request.POST.get("tier") or 0).first()
    query = QueryDict((request.POST.get("query") or "").lstrip("?"))
    filterset = EnterpriseFilterSet(query, queryset=enterprise_list(request.user), request=request)
    if tier is None or not query or not filterset.is_valid():
        messages.error(request, _("请选择档次并提供有效的企业列表筛选条件"))
        return redirect("visits:keylist_detail", pk=key_list.pk)
    usccs = list(filterset.qs.order_by().values_list("uscc", flat=True)[: BULK_ADD_LIMIT + 1])
    if len(usccs) > BULK_ADD_LIMIT:
        messages.error(request, _("筛选结果超过 %(n)s 家，请缩小范围") % {"n": BULK_ADD_LIMIT})
        return redirect("visits:keylist_detail", pk=key_list.pk)
    try:
        result = services.add_members(key_list, usccs=usccs, tier=tier, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        _report_added(request, result)
    return redirect("visits:keylist_detail", pk=key_list.pk)


@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = access_member(request.user, pk, "change")
    services.remove_member(member, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("已将 %(n)s 移出名单。") % {"n": member.enterprise.name})
    return redirect("visits:keylist_detail", pk=member.key_list_id)


@require_POST
def keylist_assign_leader(request: HttpRequest, pk: int) -> HttpResponse:
    key_list = access_key_list(request.user, pk)
    _require(request, "visits.assign_leaders")
    form = f.AssignLeaderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        firm = _find_enterprise(request, form, data["enterprise_uscc"])
        if firm is not None:
            try:
                services.assign_leader(
                    firm,
                    leader=data["leader"],
                    contact_staff=data["contact_staff"],
                    since=data["since"],
                    note=data["note"],
                    actor=request.user,
                )
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("已安排 %(l)s 挂点 %(e)s。") % {"l": data["leader"].display_label, "e": firm.name},
                )
                return redirect("visits:keylist_detail", pk=key_list.pk)
    context = _keylist_context(request, key_list, assign_form=form)
    return render(request, "visits/keylist_detail.html", context, status=400)


COVERAGE_HEADERS = ["企业名称", "统一社会信用代码", "档次", "挂点领导", "联络员"]


def keylist_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """走访覆盖: members × months or quarters, overdue by tier cadence, counts and rates, a chart, Excel."""
    _require(request, "visits.coverage")
    key_list = access_key_list(request.user, pk)
    form = f.CoverageForm(request.GET or None)
    today = timezone.localdate()
    year, period = today.year, CoveragePeriod.MONTH
    if form.is_valid():
        year = form.cleaned_data["year"] or year
        period = form.cleaned_data["period"] or period
    matrix = queries.coverage_matrix(key_list, year=year, period=period, today=today)
    stats = queries.coverage_stats(key_list, today=today, year=year)
    if request.GET.get("export") == "xlsx":
        headers = [*COVERAGE_HEADERS, *matrix["columns"], "合计", "最近走访", "应走访日期", "是否超期"]
        rows = (
            [
                r["enterprise"].name,
                r["enterprise"].uscc,
                r["tier"],
                r["leader"],
                r["contact_staff"],
                *r["cells"],
                r["total"],
                r["last_visit"],
                r["due_on"],
                "超期" if r["overdue"] else "",
            ]
            for r in matrix["rows"]
        )
        name = f"走访覆盖-{key_list.name}-{year}.xlsx"
        return xlsx_response(name, headers, rows, sheet="走访覆盖")
    return render(
        request,
        "visits/coverage.html",
        {
            "title": _("走访覆盖 · %(n)s") % {"n": key_list.name},
            "key_list": key_list,
            "form": form,
            "matrix": matrix,
            "stats": stats,
            "chart": queries.coverage_chart(stats),
            "today": today,
        },
    )


# --- the brief --------------------------------------------------------------------------------


def _brief_for(request: HttpRequest, pk: int) -> dict[str, Any]:
    _require(request, "visits.brief")
    enterprise = access_enterprise(request.user, pk)
    return brief_module.build_brief(enterprise, request.user)


def brief(request: HttpRequest, pk: int) -> HttpResponse:
    data = _brief_for(request, pk)
    return render(request, "visits/brief.html", {**data, "title": _("走访前企业简报")})


def brief_docx(request: HttpRequest, pk: int) -> HttpResponse:
    data = _brief_for(request, pk)
    response = HttpResponse(
        brief_module.brief_docx(data),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    stamp = data["today"].strftime("%Y%m%d")
    filename = f"走访简报-{data['enterprise'].name}-{stamp}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    return response


# --- other modules' pages ---------------------------------------------------------------------


def enterprise_tab_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    """The 走访 tab of the enterprise file: its visits, lists, 挂点 and links to plan and brief."""
    from wutong.visits.models import KeyListMember, LeaderAssignment

    user = request.user
    visits = list(queries.visits_of(enterprise, user).order_by("-visit_date", "-pk")[:50])
    for v in visits:
        v.notes_visible = can_read_notes(user, v)  # type: ignore[attr-defined]
    return {
        "visits": visits,
        "memberships": KeyListMember.objects.filter(enterprise=enterprise).select_related("key_list", "tier"),
        "assignment": LeaderAssignment.objects.filter(enterprise=enterprise, until__isnull=True)
        .select_related("leader", "contact_staff")
        .first(),
        "plan_url": reverse("visits:visit_create") + f"?mode=plan&enterprise={enterprise.pk}"
        if has_capability(user, "visits.plan")
        else "",
        "record_url": reverse("visits:visit_create") + f"?mode=record&enterprise={enterprise.pk}"
        if has_capability(user, "visits.record")
        else "",
        "brief_url": reverse("visits:brief", args=[enterprise.pk])
        if has_capability(user, "visits.brief")
        else "",
    }


def dashboard_cards(user: Any) -> list[dict[str, Any]]:
    if not has_capability(user, "visits.view"):
        return []
    n = queries.dashboard_numbers(user)
    today: dt.date = timezone.localdate()
    lists_url = reverse("visits:keylist_list")
    rate = n["assigned_rate"]
    return [
        {
            "label": _("本月走访"),
            "value": n["visits_this_month"],
            "unit": _("次"),
            "url": reverse("visits:visit_list") + f"?status=done&since={today.replace(day=1):%Y-%m-%d}",
            "icon": "geo-alt",
            "note": "",
        },
        {
            "label": _("重点企业超期未走访"),
            "value": n["overdue_enterprises"],
            "unit": _("家"),
            "url": lists_url,
            "icon": "alarm",
            "note": _("按名单档次走访周期"),
        },
        {
            "label": _("挂点企业本季度走访覆盖"),
            "value": "—" if rate is None else rate,
            "unit": "%" if rate is not None else "",
            "url": lists_url,
            "icon": "person-badge",
            "note": _("%(v)s / %(t)s 家") % {"v": n["assigned_visited"], "t": n["assigned"]},
        },
    ]
