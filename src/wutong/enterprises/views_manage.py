"""The registry's management pages: create and edit an enterprise, annual figures, the duplicate
review queue with merge, and revealing a contact's phone. Each view: permission → access helper →
form → one service → domain errors onto the form → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wutong.accounts.roles import has_capability
from wutong.core import access
from wutong.core.exceptions import DomainError
from wutong.enterprises import services
from wutong.enterprises.access import access_enterprise
from wutong.enterprises.choices import DuplicateStatus
from wutong.enterprises.forms import (
    AnnualReportForm,
    DismissForm,
    EnterpriseCreateForm,
    EnterpriseForm,
    MergeLookupForm,
    MergeReasonForm,
)
from wutong.enterprises.identity import find_probable_duplicates
from wutong.enterprises.models import (
    AnnualReport,
    Contact,
    DuplicateCandidate,
    Enterprise,
    IPAsset,
    QualificationHolding,
)


def _require(request: HttpRequest, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise PermissionDenied(_("无权执行此操作"))


def _add_domain_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _detail(enterprise: Enterprise) -> HttpResponse:
    return redirect(reverse("enterprises:enterprise_detail", args=[enterprise.pk]))


# --- Create and edit ----------------------------------------------------------------------------


def enterprise_create(request: HttpRequest) -> HttpResponse:
    """New enterprise. Probable duplicates (same normalised name or former name) are shown first;
    the user creates anyway by confirming, and the pair then waits in the review queue."""
    _require(request, "enterprises.change")
    form = EnterpriseCreateForm(request.POST or None)
    duplicates: list[Enterprise] = []
    if request.method == "POST" and form.is_valid():
        probable = find_probable_duplicates(form.cleaned_data["name"])
        duplicates = list(access.scope(probable, request.user)[:20])
        if duplicates and not form.cleaned_data.get("confirm_duplicates"):
            confirmed = request.POST.copy()
            confirmed["confirm_duplicates"] = "1"  # the next submit of this form means "create anyway"
            form = EnterpriseCreateForm(confirmed)
            form.is_valid()
        else:
            try:
                enterprise, found = services.create_enterprise(actor=request.user, **form.service_fields())
            except DomainError as exc:
                _add_domain_error(form, exc)
            else:
                messages.success(request, _("企业已登记。"))
                if found:
                    messages.warning(
                        request, _("已将 %(n)d 家疑似重复企业加入待核实队列。") % {"n": len(found)}
                    )
                return _detail(enterprise)
    return render(
        request,
        "enterprises/manage/enterprise_form.html",
        {"form": form, "title": _("登记企业"), "duplicates": duplicates},
    )


def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    enterprise = access_enterprise(request.user, pk, access.CHANGE)
    form = EnterpriseForm(request.POST or None, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_enterprise(enterprise, actor=request.user, **form.service_fields())
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, _("企业信息已保存。"))
            return _detail(enterprise)
    return render(
        request,
        "enterprises/manage/enterprise_form.html",
        {"form": form, "title": _("编辑企业"), "enterprise": enterprise},
    )


def annual_report_edit(request: HttpRequest, pk: int, year: int | None = None) -> HttpResponse:
    """Add a year's figures (no ``year`` in the URL) or correct an existing year's."""
    enterprise = access_enterprise(request.user, pk, access.CHANGE)
    report = None
    if year is not None:
        report = AnnualReport.objects.filter(enterprise=enterprise, year=year).first()
    form = AnnualReportForm(request.POST or None, report=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_annual_report(
                enterprise,
                actor=request.user,
                year=form.cleaned_data["year"],
                as_of=form.cleaned_data.get("as_of"),
                **form.figures(),
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(
                request, _("%(year)d 年度经营数据已保存。") % {"year": form.cleaned_data["year"]}
            )
            return redirect(reverse("enterprises:enterprise_detail", args=[enterprise.pk]) + "?tab=figures")
    title = _("%(year)d 年度经营数据") % {"year": year} if report else _("新增年度经营数据")
    years = list(enterprise.annual_reports.order_by("-year").values_list("year", flat=True))
    return render(
        request,
        "enterprises/manage/annual_report_form.html",
        {"form": form, "title": title, "enterprise": enterprise, "years": years, "report": report},
    )


# --- Duplicates and merge ------------------------------------------------------------------------

COMPARE_FIELDS = (
    "uscc", "name", "legal_representative", "established", "registered_capital", "status",
    "registered_address", "operating_address", "street", "park", "industry", "size_class", "latest_year",
    "latest_revenue",
)  # fmt: skip
MONEY_FIELDS = {"registered_capital", "latest_revenue"}
COUNTED = (
    ("n_reports", AnnualReport, _("年报")),
    ("n_ip", IPAsset, _("知识产权")),
    ("n_holdings", QualificationHolding, _("资质")),
    ("n_contacts", Contact, _("联系人")),
)


def _with_counts(queryset: Any) -> Any:
    """Enterprises with the number of their main related records, in one query (subqueries, so the
    counts do not multiply each other the way joined COUNTs would)."""
    annotations = {}
    for attr, model, _label in COUNTED:
        counted = (
            model.objects.filter(enterprise=OuterRef("pk"))
            .order_by()
            .values("enterprise")
            .annotate(c=Count("pk"))
            .values("c")
        )
        annotations[attr] = Coalesce(Subquery(counted, output_field=IntegerField()), 0)
    return queryset.select_related("street", "park", "industry").annotate(**annotations)


def compare_rows(left: Enterprise, right: Enterprise) -> list[dict[str, Any]]:
    """The two enterprises field by field, for the side-by-side review."""
    rows = []
    for name in COMPARE_FIELDS:
        field = Enterprise._meta.get_field(name)
        values = []
        for enterprise in (left, right):
            display = getattr(enterprise, f"get_{name}_display", None)
            values.append(display() if display and getattr(enterprise, name) else getattr(enterprise, name))
        rows.append(
            {
                "label": getattr(field, "verbose_name", name),
                "left": values[0],
                "right": values[1],
                "money": name in MONEY_FIELDS,
                "differs": values[0] != values[1],
            }
        )
    for attr, _model, label in COUNTED:
        a, b = getattr(left, attr, None), getattr(right, attr, None)
        rows.append({"label": label, "left": a, "right": b, "money": False, "differs": a != b})
    return rows


def duplicate_list(request: HttpRequest) -> HttpResponse:
    """The review queue: open duplicate pairs side by side, each with "merge into …" and "not a
    duplicate"."""
    _require(request, "enterprises.merge")
    candidates = access.scope(DuplicateCandidate.objects.all(), request.user).filter(
        status=DuplicateStatus.OPEN
    )
    page = Paginator(candidates.order_by("-created_at", "-pk"), 20).get_page(request.GET.get("page"))
    ids = {c.enterprise_id for c in page} | {c.other_id for c in page}
    enterprises = {e.pk: e for e in _with_counts(Enterprise.objects.filter(pk__in=ids))}
    cards = []
    for candidate in page:
        left, right = enterprises[candidate.enterprise_id], enterprises[candidate.other_id]
        cards.append(
            {"candidate": candidate, "left": left, "right": right, "rows": compare_rows(left, right)}
        )
    return render(
        request,
        "enterprises/manage/duplicate_list.html",
        {"title": _("疑似重复企业"), "page": page, "cards": cards, "reason_form": MergeReasonForm()},
    )


def _open_candidate(request: HttpRequest, pk: int) -> DuplicateCandidate:
    return access.access_object(
        DuplicateCandidate.objects.select_related("enterprise", "other"), request.user, pk, access.CHANGE
    )


@require_POST
def duplicate_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge the pair: the posted ``survivor`` (one of the two) keeps its record, the other folds in."""
    _require(request, "enterprises.merge")
    candidate = _open_candidate(request, pk)
    form = MergeReasonForm(request.POST)
    pair = {candidate.enterprise_id: candidate.other_id, candidate.other_id: candidate.enterprise_id}
    if not form.is_valid() or form.cleaned_data["survivor"] not in pair:
        messages.error(request, _("请选择保留的企业并填写合并原因。"))
        return redirect("enterprises:duplicate_list")
    survivor_pk = form.cleaned_data["survivor"]
    survivor = access_enterprise(request.user, survivor_pk, "merge")
    duplicate = access_enterprise(request.user, pair[survivor_pk], "merge")
    try:
        services.merge_enterprises(
            survivor, duplicate, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("enterprises:duplicate_list")
    messages.success(
        request, _("已将“%(dup)s”合并到“%(name)s”。") % {"dup": duplicate.name, "name": survivor.name}
    )
    return _detail(survivor)


@require_POST
def duplicate_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Not a duplicate": close the review item. HTMX removes the card; otherwise back to the queue."""
    _require(request, "enterprises.merge")
    candidate = _open_candidate(request, pk)
    form = DismissForm(request.POST)
    note = form.cleaned_data.get("note", "") if form.is_valid() else ""
    try:
        services.dismiss_duplicate(candidate, actor=request.user, note=note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponse(
                format_html('<div class="alert alert-secondary py-2">{}</div>', _("已标记为非重复。"))
            )
        messages.success(request, _("已标记为非重复。"))
    return redirect("enterprises:duplicate_list")


def enterprise_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """Merge from an enterprise's page: find the other enterprise by USCC, compare, pick the survivor."""
    _require(request, "enterprises.merge")
    enterprise = access_enterprise(request.user, pk, "merge")
    lookup = MergeLookupForm(request.GET or None)
    other = None
    if lookup.is_valid():
        other = (
            Enterprise.objects.visible_to(request.user).filter(uscc=lookup.cleaned_data["other_uscc"]).first()
        )
        if other is None:
            lookup.add_error("other_uscc", _("未找到该统一社会信用代码的企业"))
        elif other.pk == enterprise.pk:
            lookup.add_error("other_uscc", _("不能将企业与其自身合并"))
            other = None
    form = MergeReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        other_pk = int(request.POST.get("other") or 0)
        survivor_pk = form.cleaned_data["survivor"]
        if other_pk == enterprise.pk or survivor_pk not in {enterprise.pk, other_pk}:
            raise PermissionDenied(_("保留的企业必须是两者之一"))
        survivor = access_enterprise(request.user, survivor_pk, "merge")
        duplicate = access_enterprise(
            request.user, other_pk if survivor_pk == enterprise.pk else enterprise.pk, "merge"
        )
        try:
            services.merge_enterprises(
                survivor, duplicate, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
            other = Enterprise.objects.filter(pk=other_pk).first()
        else:
            messages.success(
                request, _("已将“%(dup)s”合并到“%(name)s”。") % {"dup": duplicate.name, "name": survivor.name}
            )
            return _detail(survivor)
    rows = []
    if other is not None:
        both = {e.pk: e for e in _with_counts(Enterprise.objects.filter(pk__in=[enterprise.pk, other.pk]))}
        enterprise, other = both[enterprise.pk], both[other.pk]
        rows = compare_rows(enterprise, other)
    return render(
        request,
        "enterprises/manage/merge.html",
        {
            "title": _("合并企业"),
            "enterprise": enterprise,
            "other": other,
            "lookup": lookup,
            "form": form,
            "rows": rows,
        },
    )


# --- Contacts -----------------------------------------------------------------------------------


@require_POST
def contact_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the unmasked phone of one contact, as text to swap in. Audited by the service."""
    _require(request, "enterprises.view")
    contact = access.access_object(Contact.objects.select_related("enterprise"), request.user, pk)
    phone = services.reveal_contact_phone(contact, actor=request.user)
    return HttpResponse(escape(phone), content_type="text/html; charset=utf-8")
