"""Qualification pages: the 资质培育 hub, screening runs and results, pools and members, the calendar,
the ladder, and the 资质评估 tab of the enterprise file. Views are thin: capability → access helper →
form → one service → map DomainError onto the form → render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wutong.accounts.roles import has_capability
from wutong.core import audit
from wutong.core.exceptions import DomainError
from wutong.core.views import ObjectListView
from wutong.enterprises.access import access_enterprise
from wutong.enterprises.choices import QualificationKind
from wutong.qualifications import forms as f
from wutong.qualifications import queries, services
from wutong.qualifications.access import access_member, access_pool
from wutong.qualifications.choices import CriterionStatus, PoolStage
from wutong.qualifications.filters import ScreeningResultFilterSet
from wutong.qualifications.models import (
    Assessment,
    CultivationPool,
    PoolMember,
    ScreeningResult,
    ScreeningRun,
)
from wutong.qualifications.profiles import normalize_profile, profile_from_enterprise
from wutong.qualifications.rules import FIELD_LABELS, INPUT_LABELS, assess, get_ruleset, rulesets
from wutong.qualifications.tables import PoolMemberTable, ScreeningResultTable

#: The rule sets shown on the 资质评估 tab, in ladder order.
TAB_RULES = ("kexiao", "chuangxin", "gaoxin", "zhuanjingtexin", "xiaojuren")
#: The most enterprises one "create a pool from this filter" may take.
POOL_FROM_FILTER_LIMIT = 5_000
STATUS_BADGES = {
    CriterionStatus.PASS: "success",
    CriterionStatus.FAIL: "danger",
    CriterionStatus.NEEDS_DATA: "warning",
    CriterionStatus.NEEDS_REVIEW: "info",
}


def _require(request: HttpRequest, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise PermissionDenied(_("无权执行此操作"))


def _add_domain_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _url(name: str, *args: Any) -> str | None:
    """A URL of this app, or None while config/urls.py does not include it yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# --- hub, screening ---------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    _require(request, "qualifications.view_pools")
    pools = CultivationPool.objects.visible_to(request.user).order_by("-year", "name")
    return render(
        request,
        "qualifications/home.html",
        {
            "runs": ScreeningRun.objects.select_related("rule_version")[:5]
            if has_capability(request.user, "qualifications.view")
            else [],
            "pools": [(p, queries.pool_stats(p)) for p in pools[:20]],
            "may_view": has_capability(request.user, "qualifications.view"),
        },
    )


def run_list(request: HttpRequest) -> HttpResponse:
    _require(request, "qualifications.view")
    form = f.ScreeningForm(request.POST or None)
    if request.method == "POST":
        _require(request, "qualifications.screen")
        if form.is_valid():
            try:
                run = services.start_screening(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, _("已提交筛查，后台处理中"))
                return redirect("qualifications:run_detail", run.pk)
    runs = ScreeningRun.objects.select_related("rule_version", "requested_by")[:50]
    return render(
        request,
        "qualifications/run_list.html",
        {"form": form, "runs": runs, "may_screen": has_capability(request.user, "qualifications.screen")},
    )


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "qualifications.view")
    run = ScreeningRun.objects.select_related("rule_version").filter(pk=pk).first()
    if run is None:
        from django.http import Http404

        raise Http404
    template = "qualifications/run_detail.html#progress" if request.htmx else "qualifications/run_detail.html"  # type: ignore[attr-defined]
    return render(request, template, {"run": run})


class ScreeningResultListView(ObjectListView):
    model = ScreeningResult
    filterset_class = ScreeningResultFilterSet
    table_class = ScreeningResultTable
    capability = "qualifications.view"
    template_name = "qualifications/result_list.html"
    title = gettext_lazy("筛查结果")
    export_name = "资质筛查结果"

    def get_queryset(self, request: HttpRequest) -> Any:
        return queries.screening_results(request.user)

    def get_extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"may_pool": has_capability(request.user, "qualifications.manage_pools")}


# --- pools ------------------------------------------------------------------------------------


def pool_list(request: HttpRequest) -> HttpResponse:
    _require(request, "qualifications.view_pools")
    pools = CultivationPool.objects.visible_to(request.user).select_related("owner")
    names = {code: ruleset.name for code, ruleset in rulesets().items()}
    return render(
        request,
        "qualifications/pool_list.html",
        {
            "pools": [
                (pool, stats, names.get(pool.rule_code, pool.rule_code))
                for pool, stats in queries.pools_with_stats(pools)
            ],
            "may_create": has_capability(request.user, "qualifications.manage_pools"),
        },
    )


def pool_create(request: HttpRequest) -> HttpResponse:
    """创建培育库, empty or from the screening filter in ``?…`` (the results list's query string)."""
    _require(request, "qualifications.manage_pools")
    source = QueryDict(request.GET.get("from", "") or request.POST.get("from", ""))
    filterset = ScreeningResultFilterSet(source or None, queryset=queries.screening_results(request.user))
    selected = (
        filterset.qs if source and filterset.is_valid() else ScreeningResult.objects.none()
    ).values_list("enterprise_id", flat=True)
    initial = {"year": timezone.localdate().year, "rule_code": source.get("rule") or "gaoxin"}
    form = f.PoolForm(request.POST or None, initial=initial)
    count = selected.count()
    if request.method == "POST" and form.is_valid():
        if count > POOL_FROM_FILTER_LIMIT:
            form.add_error(None, _("筛选结果超过 %(n)s 家，请缩小范围") % {"n": POOL_FROM_FILTER_LIMIT})
        else:
            try:
                pool = services.create_pool(
                    actor=request.user,
                    enterprise_ids=list(selected),
                    source_filter=dict(source.items()),
                    **form.cleaned_data,
                )
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                return redirect("qualifications:pool_detail", pool.pk)
    return render(
        request,
        "qualifications/pool_form.html",
        {"form": form, "source": source.urlencode(), "count": count},
    )


def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pool = access_pool(request.user, pk)
    members = PoolMember.objects.visible_to(request.user).filter(pool=pool)
    members = members.select_related("enterprise", "owner", "agency", "batch")
    stage = request.GET.get("stage")
    table = PoolMemberTable(members.filter(stage=stage) if stage in PoolStage.values else members)
    table.paginate(page=request.GET.get("page", 1), per_page=50)
    may_manage = has_capability(request.user, "qualifications.manage_pools")
    action = request.POST.get("action", "batch")
    posted = request.POST if request.method == "POST" else None
    batch_form = f.BatchForm(posted if action == "batch" else None)
    add_form = f.AddMembersForm(posted if action == "add" else None)
    if request.method == "POST":
        _require(request, "qualifications.manage_pools")
        form: Any = batch_form if action == "batch" else add_form
        if form.is_valid():
            try:
                if action == "batch":
                    services.create_batch(pool, actor=request.user, **form.cleaned_data)
                else:
                    ids = _enterprise_ids(request, form)
                    if ids is not None:
                        services.add_pool_members(pool, enterprise_ids=ids, actor=request.user)
            except DomainError as exc:
                _add_domain_error(form, exc)
            if not form.errors:
                return redirect("qualifications:pool_detail", pool.pk)
    stats = queries.pool_stats(pool, members)
    return render(
        request,
        "qualifications/pool_detail.html",
        {
            "pool": pool,
            "table": table,
            "stats": stats,
            "stage_rows": [(value, label, stats["stages"][value]) for value, label in PoolStage.choices],
            "batches": queries.batch_counts(pool),
            "batch_form": batch_form,
            "add_form": add_form,
            "may_manage": may_manage,
            "current_stage": stage,
        },
    )


def _enterprise_ids(request: HttpRequest, form: Any) -> list[int] | None:
    """The registry ids of the USCCs typed into the form; an unknown code is a form error."""
    from wutong.enterprises.models import Enterprise

    codes = form.cleaned_data["usccs"]
    found = dict(Enterprise.objects.visible_to(request.user).filter(uscc__in=codes).values_list("uscc", "pk"))
    unknown = [c for c in codes if c not in found]
    if unknown:
        form.add_error("usccs", _("一企一档中没有：%(codes)s") % {"codes": "、".join(unknown)})
        return None
    return list(found.values())


def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = access_member(request.user, pk)
    may_manage = has_capability(request.user, "qualifications.manage_pools")
    may_coach = has_capability(request.user, "qualifications.coach")
    action = request.POST.get("action")
    stage_form = f.StageForm(request.POST if action == "stage" else None, pool=member.pool)
    assign_form = f.AssignForm(
        request.POST if action == "assign" else None,
        initial={"owner": member.owner_id, "agency": member.agency_id},
    )
    coaching_form = f.CoachingForm(
        request.POST if action == "coach" else None, initial={"date": timezone.localdate()}
    )
    if request.method == "POST":
        form: Any = {"stage": stage_form, "assign": assign_form, "coach": coaching_form}.get(action or "")
        if form is None:
            raise PermissionDenied
        _require(request, "qualifications.coach" if action == "coach" else "qualifications.manage_pools")
        if form.is_valid():
            try:
                if action == "stage":
                    services.move_member_stage(member, actor=request.user, **form.cleaned_data)
                elif action == "assign":
                    services.assign_member(member, actor=request.user, **form.cleaned_data)
                else:
                    services.record_coaching(member, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                return redirect("qualifications:member_detail", member.pk)
    return render(
        request,
        "qualifications/member_detail.html",
        {
            "member": member,
            "changes": member.stage_changes.select_related("by"),
            "coaching": member.coaching_records.select_related("by", "agency"),
            "stage_form": stage_form,
            "assign_form": assign_form,
            "coaching_form": coaching_form,
            "may_manage": may_manage,
            "may_coach": may_coach,
            "history": audit.history_for(member),
        },
    )


# --- calendar and ladder ----------------------------------------------------------------------


def calendar(request: HttpRequest) -> HttpResponse:
    _require(request, "qualifications.view")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    kind_labels = dict(QualificationKind.choices)
    return render(
        request,
        "qualifications/calendar.html",
        {
            "year": year,
            "months": [
                {**month, "label": date_format(dt.date(year, month["month"], 1), "YEAR_MONTH_FORMAT")}
                for month in queries.expiries_by_month(year)
            ],
            "upcoming": queries.upcoming_expiries(today, days=180)[:200],
            "windows": [
                (window, state, kind_labels.get(window.rule_code, window.rule_code))
                for window, state in queries.windows_open_or_upcoming(today)
            ],
            "all_windows": queries.APPLICATION_WINDOWS,
            "kinds": [kind_labels.get(kind, kind) for kind in queries.LADDER],
        },
    )


def ladder(request: HttpRequest) -> HttpResponse:
    _require(request, "qualifications.view")
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    chart = queries.ladder_chart(year)
    return render(request, "qualifications/ladder.html", {"year": year, "chart": chart})


# --- the 资质评估 tab -------------------------------------------------------------------------


def sub_labels(code: str) -> dict[str, str]:
    """Chinese names for the keys of composite criterion values: the options of AnyOf/AllOf (their
    own labels), routes of 科小's direct confirmation, and annual figures (kexiao size limits)."""
    labels: dict[str, str] = {**FIELD_LABELS, **INPUT_LABELS}
    stack: list[Any] = list(get_ruleset(code).criteria)
    while stack:
        criterion = stack.pop()
        labels.setdefault(criterion.id, criterion.label)
        for route_id, route_label in getattr(criterion, "ROUTES", ()):
            labels[route_id] = route_label
        stack.extend(getattr(criterion, "options", ()))
    return labels


def _shown(value: Any, labels: dict[str, str] | None = None, unit: Any = None) -> Any:
    """A criterion value for the table: composite values as "名称：值" lines (one per line) with units,
    statuses by their Chinese label, ranges as "a–b", booleans as 是/否."""
    labels = labels or {}
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            item_unit = unit.get(key) if isinstance(unit, dict) else None
            parts.append(f"{labels.get(key, key)}：{_shown(item, labels, item_unit)}")
        return "\n".join(parts)
    if isinstance(value, list):
        return "–".join(str(_shown(v, labels)) for v in value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if value is None:
        return "—"
    if value in CriterionStatus.values:
        return CriterionStatus(value).label
    if isinstance(unit, str) and unit:
        return f"{value} {unit}"
    return value


def _explain(outcome_json: dict[str, Any], code: str) -> dict[str, Any]:
    ruleset = get_ruleset(code)
    labels = {c.id: c.label for c in ruleset.criteria}
    keys = sub_labels(code)
    criteria = []
    for c in outcome_json["criteria"]:
        composite_unit = c["unit"] if isinstance(c["unit"], dict) else None
        criteria.append(
            {
                **c,
                "label": labels.get(c["id"], c["id"]),
                "shown_value": None if c["value"] is None else _shown(c["value"], keys, composite_unit),
                "shown_threshold": None
                if c["threshold"] is None
                else _shown(c["threshold"], keys, composite_unit),
                "shown_gap": _shown(c["gap"], keys, composite_unit),
                "shown_unit": c["unit"] if isinstance(c["unit"], str) else "",
                "badge": STATUS_BADGES.get(c["status"], "secondary"),
                "status_label": CriterionStatus(c["status"]).label,
            }
        )
    item_labels = {item.id: item.label for item in ruleset.items}
    score = outcome_json.get("score")
    if score:
        score = {
            **score,
            "items": [{**item, "label": item_labels.get(item["id"], item["id"])} for item in score["items"]],
        }
    steps = []
    for c in outcome_json["criteria"]:
        if c["status"] == CriterionStatus.FAIL:
            text = c["message"].split("；", 1)[-1] if "；" in c["message"] else c["message"]
            steps.append(text)
    return {**outcome_json, "criteria": criteria, "score": score, "steps": steps}


def assessments_for(enterprise: Any, on_date: dt.date) -> list[dict[str, Any]]:
    """Each tab rule set's latest stored assessment, or a fresh (unsaved) one on ``on_date``."""
    stored: dict[str, Assessment] = {}
    for a in (
        Assessment.objects.filter(enterprise=enterprise)
        .select_related("rule_version")
        .order_by("created_at", "id")
    ):
        stored[a.rule_version.code] = a
    profile = None
    rows = []
    for code in TAB_RULES:
        ruleset = get_ruleset(code)
        if code in stored:
            a = stored[code]
            rows.append({"code": code, "name": ruleset.name, "stored": a, **_explain(a.results, code)})
            continue
        if profile is None:
            profile = normalize_profile(profile_from_enterprise(enterprise, on_date))
        try:
            outcome = assess(profile, code, on_date, estimates=services.current_estimates(enterprise, code))
        except Exception:  # a rule set with no version in force on the date
            continue
        rows.append({"code": code, "name": ruleset.name, "stored": None, **_explain(outcome.as_json(), code)})
    return rows


def enterprise_tab_context(request: HttpRequest, enterprise: Any) -> dict[str, Any]:
    today = timezone.localdate()
    rows = assessments_for(enterprise, today)
    for row in rows:
        ruleset = get_ruleset(row["code"])
        row["expert_items"] = [
            {"id": item.id, "label": item.label, "max": item.max_points}
            for item in ruleset.items
            if item.expert
        ]
    return {
        "rows": rows,
        "today": today,
        "verdict_labels": dict(Assessment._meta.get_field("verdict").choices),  # type: ignore[arg-type]
        "assess_url": _url("qualifications:assess", enterprise.pk),
        "estimate_url": _url("qualifications:estimate", enterprise.pk),
        "may_assess": has_capability(request.user, "qualifications.assess"),
        "memberships": PoolMember.objects.visible_to(request.user)
        .filter(enterprise=enterprise)
        .select_related("pool", "agency"),
    }


@require_POST
def assess_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "qualifications.assess")
    enterprise = access_enterprise(request.user, pk)
    try:
        services.assess_enterprise(
            enterprise,
            rule_code=request.POST.get("rule_code", ""),
            on_date=timezone.localdate(),
            actor=request.user,
        )
        messages.success(request, _("评估已保存"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("enterprises:enterprise_detail", args=[pk]) + "?tab=assessment")


@require_POST
def estimate_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "qualifications.assess")
    enterprise = access_enterprise(request.user, pk)
    form = f.EstimateForm(request.POST)
    if form.is_valid():
        try:
            services.record_expert_estimate(enterprise=enterprise, actor=request.user, **form.cleaned_data)
            messages.success(request, _("专家估计已记录"))
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, _("专家估计填写有误"))
    return redirect(reverse("enterprises:enterprise_detail", args=[pk]) + "?tab=assessment")


# --- dashboard --------------------------------------------------------------------------------


def dashboard_cards(user: Any) -> list[dict[str, Any]]:
    if not has_capability(user, "qualifications.view"):
        return []
    year = timezone.localdate().year
    results = ScreeningResult.objects.filter(rule_version__code="gaoxin")
    counts = queries.year_counts("gaoxin", year)
    results_url = _url("qualifications:result_list")
    cards: list[dict[str, Any]] = [
        {
            "label": _("有望通过国高但未持有"),
            "value": queries.likely_not_holding(results).count(),
            "unit": _("家"),
            "url": f"{results_url}?preset=likely_not_holding&rule=gaoxin" if results_url else "",
            "icon": "award",
            "note": _("最近一次筛查"),
        },
        {
            "label": _("国高今年到期"),
            "value": queries.expiring_in(results, year).count(),
            "unit": _("家"),
            "url": f"{results_url}?preset=expiring&rule=gaoxin" if results_url else "",
            "icon": "hourglass-split",
            "note": _("需重新申报（2016 年起不再复审）"),
        },
        {
            "label": _("%(year)s 国高培育库 申报/认定") % {"year": year},
            "value": f"{counts['applied']}/{counts['certified']}",
            "unit": _("家"),
            "url": _url("qualifications:pool_list") or "",
            "icon": "flag",
            "note": _("目标 %(t)s 家") % {"t": counts["target"] if counts["target"] is not None else "—"},
        },
    ]
    return cards
