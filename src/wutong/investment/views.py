"""Pages of 招商. Each view: permission → fetch via access helper → form → one service → map
DomainError onto the form → render. Lists use :class:`wutong.core.views.ObjectListView`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wutong.accounts.roles import has_capability
from wutong.core import audit
from wutong.core.exceptions import DomainError
from wutong.core.views import ObjectListView
from wutong.core.views_import import ImportPages
from wutong.enterprises.models import Enterprise
from wutong.enterprises.services import mask_phone
from wutong.investment import forms as f
from wutong.investment import queries, services
from wutong.investment.access import (
    access_chain,
    access_lead,
    access_project,
    access_target,
)
from wutong.investment.choices import PIPELINE, Stage
from wutong.investment.filters import (
    ActivityFilterSet,
    LeadFilterSet,
    ProjectFilterSet,
    SpaceFilterSet,
    TargetFilterSet,
)
from wutong.investment.models import (
    Activity,
    Chain,
    ChainLink,
    Lead,
    Project,
    ProjectStageChange,
    Space,
    Target,
    TargetList,
)
from wutong.investment.permissions import can_import, can_manage, require_manage
from wutong.investment.tables import ActivityTable, LeadTable, ProjectTable, SpaceTable, TargetTable

VIEW = "investment.view"
IMPORT_KINDS = ("investment_targets", "investment_announcements")


def _require_view(request: HttpRequest) -> None:
    if not has_capability(request.user, VIEW):
        raise PermissionDenied(_("无权查看招商数据"))


def _apply_error(form: Any, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _data(form: Any, names: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {n: form.cleaned_data[n] for n in names if n in form.cleaned_data}


class _List(ObjectListView):
    capability = VIEW
    template_name = "investment/object_list.html"
    create_url: str = ""

    def get_extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {
            "create_url": reverse(self.create_url) if self.create_url and can_manage(request.user) else ""
        }


class ProjectListView(_List):
    model = Project
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    title = gettext_lazy("招商项目")
    export_name = "investment-projects"
    create_url = "investment:project_create"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("target", "owner", "segment__chain", "enterprise")


class TargetListView(_List):
    model = Target
    filterset_class = TargetFilterSet
    table_class = TargetTable
    title = gettext_lazy("招商目标")
    export_name = "investment-targets"
    create_url = "investment:target_create"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("segment__chain", "owner")


class ActivityListView(_List):
    model = Activity
    filterset_class = ActivityFilterSet
    table_class = ActivityTable
    title = gettext_lazy("招商活动")
    export_name = "investment-activities"
    create_url = "investment:activity_create"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("owner")


class LeadListView(_List):
    model = Lead
    filterset_class = LeadFilterSet
    table_class = LeadTable
    title = gettext_lazy("募投线索")
    export_name = "investment-leads"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("announcement")

    def get_extra_context(self, request: HttpRequest) -> dict[str, Any]:
        manage = can_manage(request.user)
        return {"rescore_url": reverse("investment:lead_rescore") if manage else ""}


@require_POST
def lead_rescore(request: HttpRequest) -> HttpResponse:
    """Score every announcement again (after chains or spaces changed)."""
    require_manage(request.user)
    count = services.rescore_leads(actor=request.user)
    messages.success(request, _("已重新评分 %(n)d 条线索") % {"n": count})
    return redirect("investment:lead_list")


class SpaceListView(_List):
    model = Space
    filterset_class = SpaceFilterSet
    table_class = SpaceTable
    title = gettext_lazy("招商空间")
    export_name = "investment-spaces"
    create_url = "investment:space_create"

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("park")


# --- Targets ------------------------------------------------------------------------------------


def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = access_target(request.user, pk)
    may_see_pii = has_capability(request.user, "enterprises.view_pii")
    contact_form = f.ContactForm(request.POST or None)
    if request.method == "POST":
        require_manage(request.user)
        if contact_form.is_valid():
            try:
                services.add_target_contact(target, actor=request.user, **contact_form.cleaned_data)
            except DomainError as exc:
                _apply_error(contact_form, exc)
            else:
                return redirect("investment:target_detail", pk=target.pk)
    return render(
        request,
        "investment/target_detail.html",
        {
            "title": target.name,
            "target": target,
            "contacts": [(c, c.phone if may_see_pii else mask_phone(c.phone)) for c in target.contacts.all()],
            "projects": target.projects.select_related("owner"),
            "activities": target.activities.order_by("-date")[:50],
            "lists": target.lists.all(),
            "contact_form": contact_form,
            "can_manage": can_manage(request.user),
            "history": audit.history_for(target)[:50],
        },
    )


def target_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_manage(request.user)
    target = access_target(request.user, pk, "change") if pk else None
    form = f.TargetForm(request.POST or None, instance=target)
    if request.method == "POST" and form.is_valid():
        data = _data(form, services.TARGET_FIELDS)
        try:
            if target is None:
                target = services.create_target(actor=request.user, lists=form.cleaned_data["lists"], **data)
            else:
                services.update_target(target, actor=request.user, lists=form.cleaned_data["lists"], **data)
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return redirect("investment:target_detail", pk=target.pk)
    title = _("编辑招商目标") if target else _("新建招商目标")
    return render(
        request,
        "investment/form.html",
        {"title": title, "form": form, "back": reverse("investment:target_list")},
    )


def targetlist_index(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = f.TargetListForm(request.POST or None)
    if request.method == "POST":
        require_manage(request.user)
        if form.is_valid():
            try:
                services.create_target_list(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                return redirect("investment:targetlist_index")
    lists = (
        TargetList.objects.visible_to(request.user).select_related("owner").annotate(size=Count("targets"))
    )
    return render(
        request,
        "investment/targetlist_index.html",
        {"title": _("目标清单"), "lists": lists, "form": form, "can_manage": can_manage(request.user)},
    )


# --- Projects -----------------------------------------------------------------------------------

PROJECT_FORM_FIELDS = tuple(services.PROJECT_FIELDS)


def project_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_manage(request.user)
    project = access_project(request.user, pk, "change") if pk else None
    initial: dict[str, Any] = {}
    if project is None and request.GET.get("target"):
        target = access_target(request.user, request.GET["target"])
        initial = {"target": target, "name": target.name, "channel": target.channel, "owner": request.user}
    form = f.ProjectForm(request.POST or None, instance=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _data(form, PROJECT_FORM_FIELDS)
        try:
            if project is None:
                project = services.create_project(actor=request.user, **data)
            else:
                services.update_project(project, actor=request.user, **data)
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return redirect("investment:project_detail", pk=project.pk)
    title = _("编辑招商项目") if project else _("新建招商项目")
    return render(
        request,
        "investment/form.html",
        {"title": title, "form": form, "back": reverse("investment:project_list")},
    )


def _stage_rows(project: Project) -> list[dict[str, Any]]:
    changes = list(project.stage_changes.select_related("actor").order_by("changed_at", "id"))
    now = timezone.now()
    rows = []
    for i, change in enumerate(changes):
        end = changes[i + 1].changed_at if i + 1 < len(changes) else now
        rows.append(
            {
                "change": change,
                "days": round((end - change.changed_at).total_seconds() / 86400, 1),
                "current": i + 1 == len(changes),
            }
        )
    return rows


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = access_project(request.user, pk)
    manage = can_manage(request.user)
    advance_form = (
        f.AdvanceForm(request.POST or None) if request.POST.get("action") == "advance" else f.AdvanceForm()
    )
    lost_form = f.LostForm(request.POST or None) if request.POST.get("action") == "lost" else f.LostForm()
    if request.method == "POST":
        require_manage(request.user)
        action = request.POST.get("action")
        try:
            if action == "advance" and advance_form.is_valid():
                services.advance_project(
                    project,
                    to_stage=advance_form.cleaned_data["to_stage"],
                    actor=request.user,
                    note=advance_form.cleaned_data["note"],
                )
                return redirect("investment:project_detail", pk=project.pk)
            if action == "lost" and lost_form.is_valid():
                services.mark_project_lost(
                    project,
                    reason=lost_form.cleaned_data["reason"],
                    note=lost_form.cleaned_data["note"],
                    actor=request.user,
                )
                return redirect("investment:project_detail", pk=project.pk)
            if action == "reopen":
                services.reopen_project(project, actor=request.user)
                return redirect("investment:project_detail", pk=project.pk)
        except DomainError as exc:
            (lost_form if action == "lost" else advance_form).add_error(None, exc.message)
    upcoming = project.lost_from_stage if project.stage == Stage.LOST else None
    from wutong.investment.rules import next_stage

    upcoming = upcoming or next_stage(project.stage)
    gate = services.gate_for(project, upcoming) if upcoming else None
    labels = dict(Stage.choices)
    reached = queries.with_furthest_stage(Project.objects.filter(pk=project.pk)).values_list(  # type: ignore[misc]
        "furthest", flat=True
    )[0]
    return render(
        request,
        "investment/project_detail.html",
        {
            "title": project.name,
            "project": project,
            "pipeline": [
                {"stage": s, "label": labels[s], "done": i <= reached, "current": s == project.stage}
                for i, s in enumerate(PIPELINE)
            ],
            "next_stage": upcoming,
            "next_label": labels.get(upcoming or "", ""),
            "gate": gate,
            "advance_form": advance_form,
            "lost_form": lost_form,
            "stage_rows": _stage_rows(project),
            "promise": queries.promise_vs_actual(project) if project.enterprise_id else None,
            "space_matches": queries.project_space_matches(project)[:5],
            "activities": project.activities.order_by("-date")[:20],
            "can_manage": manage,
            "history": audit.history_for(project)[:50],
        },
    )


# --- Activities, plan ---------------------------------------------------------------------------


def activity_create(request: HttpRequest) -> HttpResponse:
    require_manage(request.user)
    form = f.ActivityForm(request.POST or None, initial={"date": timezone.localdate(), "owner": request.user})
    if request.method == "POST" and form.is_valid():
        data = _data(form, services.ACTIVITY_FIELDS)
        try:
            services.record_activity(
                actor=request.user,
                targets=form.cleaned_data["targets"],
                projects=form.cleaned_data["projects"],
                **data,
            )
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return redirect("investment:activity_list")
    return render(
        request,
        "investment/form.html",
        {"title": _("登记招商活动"), "form": form, "back": reverse("investment:activity_list")},
    )


def plan(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    form = f.PlanTargetForm(request.POST or None, initial={"year": year})
    if request.method == "POST":
        require_manage(request.user)
        if form.is_valid():
            try:
                services.set_plan_target(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                return redirect(reverse("investment:plan") + f"?year={form.cleaned_data['year']}")
    return render(
        request,
        "investment/plan.html",
        {
            "title": _("年度招商计划"),
            "year": year,
            "rows": queries.plan_progress(year),
            "form": form,
            "can_manage": can_manage(request.user),
        },
    )


# --- Funnel and attribution ---------------------------------------------------------------------


def funnel(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    qs = Project.objects.visible_to(request.user)
    attribution = queries.channel_attribution(qs)
    return render(
        request,
        "investment/funnel.html",
        {
            "title": _("招商漏斗与渠道归因"),
            "stages": queries.funnel(qs),
            "attribution": attribution,
            "times": queries.time_in_stage(qs),
            "lost": queries.lost_by_stage(qs),
            "chart": queries.funnel_chart(qs, attribution),
            "promises": [row for row in queries.promise_overview(qs) if row["flagged"]],
        },
    )


# --- Chains -------------------------------------------------------------------------------------


def chain_map(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = f.ChainLinkForm(request.POST or None)
    if request.method == "POST":
        require_manage(request.user)
        if form.is_valid():
            try:
                services.record_chain_link(
                    actor=request.user,
                    leader=form.cleaned_data["leader"],
                    kind=form.cleaned_data["kind"],
                    counterpart_enterprise=form.cleaned_data["counterpart_enterprise"],
                    counterpart_target=form.cleaned_data["counterpart_target"],
                    segment=form.cleaned_data["segment"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                _apply_error(form, exc)
            else:
                return redirect("investment:chain_map")
    chains = Chain.objects.visible_to(request.user)
    rows = queries.chain_map(chains)
    links = ChainLink.objects.visible_to(request.user).select_related(
        "leader", "counterpart_enterprise", "counterpart_target", "segment"
    )[:200]
    return render(
        request,
        "investment/chain_map.html",
        {
            "title": _("产业链图谱"),
            "rows": rows,
            "tree": queries.chain_tree(rows),
            "links": links,
            "form": form,
            "can_manage": can_manage(request.user),
        },
    )


def chain_create(request: HttpRequest) -> HttpResponse:
    require_manage(request.user)
    form = f.ChainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_chain(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return redirect("investment:chain_map")
    back = reverse("investment:chain_map")
    return render(request, "investment/form.html", {"title": _("新建产业链"), "form": form, "back": back})


def segment_create(request: HttpRequest) -> HttpResponse:
    require_manage(request.user)
    form = f.SegmentForm(request.POST or None, initial={"chain": request.GET.get("chain")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chain = data.pop("chain")
        try:
            services.add_chain_segment(chain, actor=request.user, **data)
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return redirect(reverse("investment:chain_map") + f"#chain-{chain.pk}")
    back = reverse("investment:chain_map")
    return render(request, "investment/form.html", {"title": _("新建产业链环节"), "form": form, "back": back})


def chain_detail(request: HttpRequest, pk: int) -> HttpResponse:
    chain = access_chain(request.user, pk)
    return redirect(reverse("investment:chain_map") + f"#chain-{chain.pk}")


# --- Spaces -------------------------------------------------------------------------------------


def space_create(request: HttpRequest) -> HttpResponse:
    require_manage(request.user)
    form = f.SpaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_space(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            return redirect("investment:space_list")
    return render(
        request,
        "investment/form.html",
        {"title": _("登记招商空间"), "form": form, "back": reverse("investment:space_list")},
    )


# --- Leads --------------------------------------------------------------------------------------


def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = access_lead(request.user, pk)
    if request.method == "POST":
        require_manage(request.user)
        try:
            if request.POST.get("action") == "convert":
                project = services.convert_lead(lead, actor=request.user)
                return redirect("investment:project_detail", pk=project.pk)
            services.dismiss_lead(lead, actor=request.user, note=request.POST.get("note", ""))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("investment:lead_detail", pk=lead.pk)
    return render(
        request,
        "investment/lead_detail.html",
        {
            "title": str(lead.announcement),
            "lead": lead,
            "segments": lead.segments.select_related("chain"),
            "projects": lead.projects.all(),
            "can_manage": can_manage(request.user),
        },
    )


# --- Imports (the shared import pages with this app's kinds) -------------------------------------

import_pages = ImportPages(
    namespace="investment",
    kinds=IMPORT_KINDS,
    allowed=can_import,
    title=gettext_lazy("招商数据导入"),
    denied=gettext_lazy("无权导入招商数据"),
    home=("investment:project_list", gettext_lazy("招商")),
    subnav="investment/includes/subnav.html",
)


# --- Enterprise tab and dashboard ---------------------------------------------------------------


def enterprise_tab_context(request: HttpRequest, enterprise: Enterprise) -> dict[str, Any]:
    projects = list(
        Project.objects.visible_to(request.user)
        .filter(enterprise=enterprise)
        .select_related("target", "owner")
        .prefetch_related(
            Prefetch("stage_changes", queryset=ProjectStageChange.objects.order_by("changed_at"))
        )
    )
    return {
        "projects": projects,
        "promises": {p.pk: queries.promise_vs_actual(p) for p in projects},
    }


def dashboard_cards(user: Any) -> list[dict[str, Any]]:
    if not has_capability(user, VIEW):
        return []
    year = timezone.localdate().year
    numbers = queries.dashboard_numbers(year)
    outbound = numbers["outbound"]
    stages = "&".join(f"stage={s}" for s in (Stage.LEAD, Stage.CONTACT, Stage.NEGOTIATION, Stage.SIGNED))
    return [
        {
            "label": _("在谈招商项目"),
            "value": numbers["pipeline"],
            "unit": _("个"),
            "url": reverse("investment:project_list") + "?" + stages,
            "icon": "briefcase",
            "note": "",
        },
        {
            "label": _("本年落地项目"),
            "value": numbers["landed"],
            "unit": _("个"),
            "url": reverse("investment:project_list") + f"?landed_year={year}",
            "icon": "flag",
            "note": "",
        },
        {
            "label": _("市外招商活动"),
            "value": outbound["actual"],
            "unit": _("场"),
            "url": reverse("investment:plan"),
            "icon": "airplane",
            "note": _("计划 %(n)s 场") % {"n": outbound["target"]} if outbound["target"] is not None else "",
        },
    ]
