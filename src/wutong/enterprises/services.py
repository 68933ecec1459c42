"""Every change to the registry: guard, change in one transaction, exactly one audit entry.

Each service is ``verb_noun(obj, *, ..., actor)``: it checks the actor's capability (PermissionDenied),
refuses business violations with a translated :class:`~wutong.core.exceptions.DomainError`, changes
state inside ``transaction.atomic()`` and writes exactly one audit entry. Which *records* an actor may
reach is the view's job (``access_enterprise``); the services check what the actor may *do*.

The importer (another app's code) writes annual figures in bulk and then calls
:func:`refresh_derived_figures`, which recomputes the derived columns of Enterprise set-based.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django.db import models, transaction
from django.db.models import Case, CharField, Exists, ExpressionWrapper, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from wutong.accounts.services import require
from wutong.core import audit
from wutong.core.choices import SourceKind
from wutong.core.exceptions import DomainError
from wutong.enterprises import rules
from wutong.enterprises.choices import DuplicateStatus, SizeClass
from wutong.enterprises.identity import compact_uscc, find_probable_duplicates, validate_uscc
from wutong.enterprises.models import (
    AnnualReport,
    Contact,
    DuplicateCandidate,
    Enterprise,
    FormerName,
    IPAsset,
    QualificationHolding,
    Tag,
)

# The fields staff edit on the enterprise form (the derived ones are computed, never typed).
ENTERPRISE_FIELDS = (
    "uscc", "name", "legal_representative", "established", "registered_capital", "status",
    "registered_address", "operating_address", "street", "park", "industry", "high_tech_field",
    "emerging_industry", "source", "as_of",
)  # fmt: skip
CHANGE = "enterprises.change"
MERGE = "enterprises.merge"
VIEW_PII = "enterprises.view_pii"


def _check_fields(allowed: Iterable[str], fields: dict[str, Any]) -> None:
    allowed = set(allowed)
    allowed |= {f"{name}_id" for name in allowed}  # foreign keys may be given by id (industry_id="65")
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


def _clean_uscc(code: str, *, exclude_pk: int | None = None) -> str:
    result = validate_uscc(code)
    if not result.valid:
        raise DomainError("；".join(result.errors), field="uscc")
    existing = Enterprise.objects.filter(uscc=result.code)
    if exclude_pk is not None:
        existing = existing.exclude(pk=exclude_pk)
    holder = existing.first()
    if holder is not None:
        raise DomainError(
            _("统一社会信用代码 %(code)s 已登记为“%(name)s”") % {"code": result.code, "name": holder.name},
            field="uscc",
        )
    return result.code


def _clean_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("企业名称不能为空"), field="name")
    return name


def _record_duplicates(enterprise: Enterprise) -> list[Enterprise]:
    """Flag enterprises whose name or former name normalises like this one's (an open review item
    per pair, never two rows for one pair)."""
    duplicates = list(find_probable_duplicates(enterprise.name, exclude_pk=enterprise.pk))
    for other in duplicates:
        pair = Q(enterprise=enterprise, other=other) | Q(enterprise=other, other=enterprise)
        if not DuplicateCandidate.objects.filter(pair).exists():
            DuplicateCandidate.objects.create(
                enterprise=enterprise,
                other=other,
                reason=_("规范化名称相同：%(name)s") % {"name": enterprise.name_normalized},
            )
    return duplicates


def _keep_former_name(
    enterprise: Enterprise, old_name: str, *, changed_on: dt.date | None, note: str
) -> None:
    if old_name and old_name != enterprise.name:
        FormerName.objects.get_or_create(
            enterprise=enterprise, name=old_name, defaults={"changed_on": changed_on, "note": note[:200]}
        )


# --- The enterprise -------------------------------------------------------------------------------


def create_enterprise(*, actor: Any, **fields: Any) -> tuple[Enterprise, list[Enterprise]]:
    """Register an enterprise. The USCC must be valid and new; enterprises with the same normalised
    name (or former name) are returned as probable duplicates and queued for review, not refused:
    a group's branches can legitimately share a trade name."""
    require(actor, CHANGE)
    tags = fields.pop("tags", None)
    _check_fields(ENTERPRISE_FIELDS, fields)
    fields["uscc"] = _clean_uscc(fields.get("uscc", ""))
    fields["name"] = _clean_name(fields.get("name"))
    fields.setdefault("source", SourceKind.STAFF)
    with transaction.atomic():
        enterprise = Enterprise(**fields)
        enterprise.save()
        if tags:
            enterprise.tags.set(_tags_from(tags))
        duplicates = _record_duplicates(enterprise)
        audit.record(
            "enterprises.enterprise.created",
            actor=actor,
            target=enterprise,
            changes=audit.diff({}, audit.snapshot(enterprise, ENTERPRISE_FIELDS)),
            data={
                "probable_duplicates": [{"id": d.pk, "uscc": d.uscc, "name": d.name} for d in duplicates],
                "tags": sorted(t.name for t in enterprise.tags.all()),
            },
        )
    return enterprise, duplicates


def update_enterprise(enterprise: Enterprise, *, actor: Any, **fields: Any) -> Enterprise:
    """Change the profile. A new name keeps the old one as a former name (still searchable and
    matched); a changed USCC must be valid and not held by another enterprise."""
    require(actor, CHANGE)
    _check_fields(ENTERPRISE_FIELDS, fields)
    if "uscc" in fields and compact_uscc(fields["uscc"]) != enterprise.uscc:
        fields["uscc"] = _clean_uscc(fields["uscc"], exclude_pk=enterprise.pk)
    elif "uscc" in fields:
        fields["uscc"] = enterprise.uscc
    if "name" in fields:
        fields["name"] = _clean_name(fields["name"])
    with transaction.atomic():
        before = audit.snapshot(enterprise, ENTERPRISE_FIELDS)
        old_name = enterprise.name
        for name, value in fields.items():
            setattr(enterprise, name, value)
        enterprise.save()
        data: dict[str, Any] = {}
        if enterprise.name != old_name:
            _keep_former_name(enterprise, old_name, changed_on=timezone.localdate(), note=_("更名"))
            data["former_name_kept"] = old_name
            data["probable_duplicates"] = [d.pk for d in _record_duplicates(enterprise)]
        changes = audit.diff(before, audit.snapshot(enterprise, ENTERPRISE_FIELDS))
        if changes:
            audit.record(
                "enterprises.enterprise.updated", actor=actor, target=enterprise, changes=changes, data=data
            )
    return enterprise


def rename_enterprise(
    enterprise: Enterprise, *, actor: Any, new_name: str, changed_on: dt.date | None = None, note: str = ""
) -> Enterprise:
    """Record a registered name change (工商变更): the old name becomes a former name dated ``changed_on``."""
    require(actor, CHANGE)
    new_name = _clean_name(new_name)
    if new_name == enterprise.name:
        raise DomainError(_("新名称与现名称相同"), field="new_name")
    with transaction.atomic():
        old_name = enterprise.name
        enterprise.name = new_name
        enterprise.save()
        _keep_former_name(
            enterprise, old_name, changed_on=changed_on or timezone.localdate(), note=note or _("更名")
        )
        duplicates = _record_duplicates(enterprise)
        audit.record(
            "enterprises.enterprise.renamed",
            actor=actor,
            target=enterprise,
            changes={"name": [old_name, new_name]},
            data={"changed_on": changed_on, "note": note, "probable_duplicates": [d.pk for d in duplicates]},
        )
    return enterprise


rename = rename_enterprise


def _tags_from(tags: Iterable[Tag | str]) -> list[Tag]:
    result = []
    for tag in tags:
        if isinstance(tag, Tag):
            result.append(tag)
        elif str(tag).strip():
            result.append(Tag.objects.get_or_create(name=str(tag).strip()[:30])[0])
    return result


def set_tags(enterprise: Enterprise, *, actor: Any, tags: Iterable[Tag | str]) -> Enterprise:
    """Replace the enterprise's tags (Tag objects or names; unknown names become new tags)."""
    require(actor, CHANGE)
    with transaction.atomic():
        before = sorted(t.name for t in enterprise.tags.all())
        enterprise.tags.set(_tags_from(tags))
        after = sorted(t.name for t in enterprise.tags.all())
        audit.record(
            "enterprises.enterprise.tags_changed",
            actor=actor,
            target=enterprise,
            changes={"tags": [before, after]},
        )
    return enterprise


# --- Annual figures, IP, qualifications, contacts --------------------------------------------------

_COUNT_FIELDS = ("employees", "tech_staff", "rd_staff")
_MAY_BE_NEGATIVE = ("net_assets", "tax_paid")


def save_annual_report(
    enterprise: Enterprise, *, actor: Any, year: int, as_of: dt.date | None = None, **figures: Any
) -> AnnualReport:
    """Create or update the figures of one fiscal year as typed by staff (source 人工录入), then
    recompute the enterprise's latest-year columns and size class."""
    require(actor, CHANGE)
    _check_fields(AnnualReport.FIGURE_FIELDS, figures)
    this_year = timezone.localdate().year
    if not 1949 <= int(year) <= this_year:
        raise DomainError(_("年度应在 1949 至 %(y)d 之间") % {"y": this_year}, field="year")
    for name, value in figures.items():
        if value is not None and name not in _MAY_BE_NEGATIVE and Decimal(value) < 0:
            raise DomainError(_("该数值不能为负数"), field=name)
    for part, whole in (("rd_staff", "employees"), ("tech_staff", "employees")):
        if (
            figures.get(part) is not None
            and figures.get(whole) is not None
            and figures[part] > figures[whole]
        ):
            raise DomainError(_("不能超过从业人员数"), field=part)
    with transaction.atomic():
        report = AnnualReport.objects.select_for_update().filter(enterprise=enterprise, year=year).first()
        created = report is None
        if report is None:
            report = AnnualReport(enterprise=enterprise, year=year)
        fields = ("year", *AnnualReport.FIGURE_FIELDS, "source", "as_of")
        before = {} if created else audit.snapshot(report, fields)
        for name, value in figures.items():
            setattr(report, name, value)
        report.source = SourceKind.STAFF
        report.source_batch = None
        report.as_of = as_of or timezone.localdate()
        report.save()
        refresh_derived_figures([enterprise.pk])
        audit.record(
            "enterprises.annual_report.created" if created else "enterprises.annual_report.updated",
            actor=actor,
            target=enterprise,
            changes=audit.diff(before, audit.snapshot(report, fields)),
            data={"annual_report": report.pk, "year": year},
        )
    return report


def add_ip_asset(enterprise: Enterprise, *, actor: Any, kind: str, number: str, **fields: Any) -> IPAsset:
    """Record a patent, software copyright … held by the enterprise. A number is one right: it
    cannot be recorded twice (under this or another enterprise)."""
    require(actor, CHANGE)
    number = re.sub(r"\s+", "", number or "").upper()
    if not number:
        raise DomainError(_("请填写申请号/登记号"), field="number")
    holder = IPAsset.objects.filter(kind=kind, number=number).select_related("enterprise").first()
    if holder is not None:
        raise DomainError(
            _("该知识产权已登记在“%(name)s”名下") % {"name": holder.enterprise.name}, field="number"
        )
    with transaction.atomic():
        asset = IPAsset.objects.create(enterprise=enterprise, kind=kind, number=number, **fields)
        audit.record(
            "enterprises.ip_asset.added",
            actor=actor,
            target=enterprise,
            changes=audit.diff({}, audit.snapshot(asset)),
            data={"ip_asset": asset.pk},
        )
    return asset


def add_holding(enterprise: Enterprise, *, actor: Any, kind: str, **fields: Any) -> QualificationHolding:
    """Record a qualification the enterprise holds (国高, 科小 …) with its certificate dates."""
    require(actor, CHANGE)
    issued, expires = fields.get("issued_on"), fields.get("expires_on")
    if issued and expires and expires <= issued:
        raise DomainError(_("有效期至应晚于发证日期"), field="expires_on")
    with transaction.atomic():
        holding = QualificationHolding.objects.create(enterprise=enterprise, kind=kind, **fields)
        audit.record(
            "enterprises.qualification_holding.added",
            actor=actor,
            target=enterprise,
            changes=audit.diff({}, audit.snapshot(holding)),
            data={"qualification_holding": holding.pk},
        )
    return holding


def mask_phone(phone: str | None) -> str:
    """A phone as roles without PII access see it: 13812345678 → 138****5678."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits:
        return ""
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}****{digits[-4:]}"


def add_contact(enterprise: Enterprise, *, actor: Any, name: str, **fields: Any) -> Contact:
    """Add a person at the enterprise; a new primary contact replaces the previous primary one.
    The audit log keeps the phone masked (it is PII)."""
    require(actor, CHANGE)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("请填写姓名"), field="name")
    with transaction.atomic():
        if fields.get("is_primary"):
            enterprise.contacts.filter(is_primary=True).update(is_primary=False)
        contact = Contact.objects.create(enterprise=enterprise, name=name, **fields)
        after = audit.snapshot(contact)
        after["phone"] = mask_phone(contact.phone)
        audit.record(
            "enterprises.contact.added",
            actor=actor,
            target=enterprise,
            changes=audit.diff({}, after),
            data={"contact": contact.pk},
        )
    return contact


def reveal_contact_phone(contact: Contact, *, actor: Any) -> str:
    """The unmasked phone, for roles that may see PII. Every reveal is audited: who saw whose phone."""
    require(actor, VIEW_PII)
    with transaction.atomic():
        audit.record(
            "enterprises.contact.phone_revealed",
            actor=actor,
            target=contact.enterprise,
            data={"contact": contact.pk, "contact_name": contact.name, "phone": mask_phone(contact.phone)},
        )
    return contact.phone


# --- Duplicates and merge -------------------------------------------------------------------------


def dismiss_duplicate(candidate: DuplicateCandidate, *, actor: Any, note: str = "") -> DuplicateCandidate:
    """Close a duplicate review item as "not a duplicate" (e.g. two branches sharing a trade name)."""
    require(actor, MERGE)
    if candidate.status != DuplicateStatus.OPEN:
        raise DomainError(_("该疑似重复记录已处理"))
    with transaction.atomic():
        candidate.status = DuplicateStatus.DISMISSED
        candidate.save(update_fields=["status", "updated_at"])
        audit.record(
            "enterprises.duplicate_candidate.dismissed",
            actor=actor,
            target=candidate,
            changes={"status": [DuplicateStatus.OPEN, DuplicateStatus.DISMISSED]},
            data={"enterprise": candidate.enterprise_id, "other": candidate.other_id, "note": note},
        )
    return candidate


def _reverse_foreign_keys() -> list[models.ForeignKey]:
    """Every ForeignKey/OneToOneField pointing at Enterprise, in any installed app, including hidden
    ones (``related_name="+"``) and the through tables of many-to-many fields. Found through the
    model meta so apps added later are merged without touching this code."""
    found: list[models.ForeignKey] = []
    for rel in Enterprise._meta.get_fields(include_hidden=True):
        if isinstance(rel, models.ForeignObjectRel) and not rel.many_to_many:
            found.append(cast(models.ForeignKey, rel.field))
    return found


def _unique_sets(model: type[models.Model], field: models.Field) -> list[tuple[tuple[str, ...], Q]]:
    """The unique field sets of ``model`` that include ``field``, each with the condition under which
    it holds (``Q()`` for an unconditional one; e.g. "one *current* 挂点 per enterprise")."""
    sets: list[tuple[tuple[str, ...], Q]] = []
    if field.unique:
        sets.append(((field.name,), Q()))
    for together in model._meta.unique_together:
        sets.append((tuple(together), Q()))
    for constraint in model._meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.fields
            and not constraint.expressions
        ):
            sets.append((tuple(constraint.fields), constraint.condition or Q()))
    return [(names, condition) for names, condition in sets if field.name in names]


def _move_rows(
    field: models.ForeignKey, survivor: Enterprise, duplicate: Enterprise, conflicts: list[dict[str, Any]]
) -> int:
    """Point the duplicate's rows of one relation at the survivor. A row that would break a unique
    constraint (the same year's report, the same tag, a second current 挂点 …) is not moved: the
    survivor's row wins and the dropped row is kept, whole, in the audit data."""
    model = field.model
    manager = model._base_manager
    rows = manager.filter(**{field.name: duplicate})
    for unique, condition in _unique_sets(model, field):
        others = [name for name in unique if name != field.name]
        clash = manager.filter(
            condition, **{field.name: survivor}, **{name: OuterRef(name) for name in others}
        )
        for row in rows.filter(condition).filter(Exists(clash)):
            kept = manager.filter(
                condition, **{field.name: survivor}, **{name: getattr(row, name) for name in others}
            ).first()
            conflicts.append(
                {
                    "model": model._meta.label_lower,
                    "kept": kept.pk if kept else None,
                    "dropped": audit.snapshot(row),
                }
            )
            row.delete()
    return rows.update(**{field.name: survivor})


def merge_enterprises(survivor: Enterprise, duplicate: Enterprise, *, actor: Any, reason: str) -> Enterprise:
    """Fold ``duplicate`` into ``survivor`` and delete it, losing no history.

    Every row pointing at the duplicate (in this app or any later one) moves to the survivor; where
    both have a row for the same key (an annual report for the same year) the survivor's is kept and
    the duplicate's is recorded in the audit entry. The duplicate's name and former names become
    former names of the survivor; blank profile fields of the survivor are filled from the
    duplicate. One audit entry ``enterprises.enterprise.merged`` records the duplicate's USCC, name,
    the counts moved per model and every conflict.
    """
    require(actor, MERGE)
    if survivor.pk == duplicate.pk:
        raise DomainError(_("不能将企业与其自身合并"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写合并原因"), field="reason")
    with transaction.atomic():
        locked = {
            e.pk: e for e in Enterprise.objects.select_for_update().filter(pk__in=[survivor.pk, duplicate.pk])
        }
        if len(locked) != 2:
            raise DomainError(_("企业不存在或已被合并"))
        survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
        before = audit.snapshot(survivor, ENTERPRISE_FIELDS)
        gone = {
            "id": duplicate.pk,
            "uscc": duplicate.uscc,
            "name": duplicate.name,
            "snapshot": audit.snapshot(duplicate),
        }
        gone["former_names"] = list(duplicate.former_names.values_list("name", flat=True))

        # The review items between the two are settled by this merge; they would become self-pairs.
        pair = Q(enterprise=survivor, other=duplicate) | Q(enterprise=duplicate, other=survivor)
        resolved = list(DuplicateCandidate.objects.filter(pair).values_list("pk", flat=True))
        DuplicateCandidate.objects.filter(pk__in=resolved).delete()

        moved: dict[str, int] = {}
        conflicts: list[dict[str, Any]] = []
        for field in _reverse_foreign_keys():
            count = _move_rows(field, survivor, duplicate, conflicts)
            if count:
                label = field.model._meta.label_lower
                moved[label] = moved.get(label, 0) + count

        _keep_former_name(
            survivor, duplicate.name, changed_on=None, note=_("合并：%(uscc)s") % {"uscc": duplicate.uscc}
        )
        # A former name equal to the survivor's own name says nothing.
        survivor.former_names.filter(name=survivor.name).delete()

        filled = []
        for name in ENTERPRISE_FIELDS:
            if name in {"uscc", "name", "source", "as_of", "status"}:
                continue
            attname = cast(models.Field, Enterprise._meta.get_field(name)).attname
            if getattr(survivor, attname) in (None, "") and getattr(duplicate, attname) not in (None, ""):
                setattr(survivor, attname, getattr(duplicate, attname))
                filled.append(name)
        duplicate.delete()
        survivor.save()
        refresh_derived_figures([survivor.pk])
        survivor.refresh_from_db()
        audit.record(
            "enterprises.enterprise.merged",
            actor=actor,
            target=survivor,
            changes=audit.diff(before, audit.snapshot(survivor, ENTERPRISE_FIELDS)),
            data={
                "reason": reason,
                "duplicate": gone,
                "moved": moved,
                "conflicts": conflicts,
                "filled_from_duplicate": filled,
                "resolved_candidates": resolved,
            },
        )
    return survivor


# --- Derived figures (set-based) ----------------------------------------------------------------

_REPORT_COLUMN = {
    rules.EMPLOYEES: "employees",
    rules.REVENUE: "revenue_for_size",
    rules.ASSETS: "total_assets",
}


def _bounds_q(bounds: dict[str, Any]) -> Q:
    return Q(**{f"{_REPORT_COLUMN[name]}__gte": value for name, value in bounds.items()})


def _size_case(sector: rules.Sector) -> Case:
    """The 划型 of one sector as SQL over an AnnualReport row (mirrors rules.size_class_for)."""
    missing = Q()
    for name in sector.indicators:
        missing |= Q(**{f"{_REPORT_COLUMN[name]}__isnull": True})
    return Case(
        When(missing, then=Value(SizeClass.UNKNOWN.value)),
        When(_bounds_q(sector.large), then=Value(SizeClass.LARGE.value)),
        When(_bounds_q(sector.medium), then=Value(SizeClass.MEDIUM.value)),
        When(_bounds_q(sector.small), then=Value(SizeClass.SMALL.value)),
        default=Value(SizeClass.MICRO.value),
        output_field=CharField(),
    )


def size_class_expression(industry_path: str = "industry_code") -> Case:
    """rules.size_class_for translated to one SQL CASE over an AnnualReport queryset annotated with
    ``revenue_for_size`` and ``industry_code``."""
    whens = [
        When(
            Q(**{f"{industry_path}__isnull": True}) | Q(**{industry_path: ""}),
            then=Value(SizeClass.UNKNOWN.value),
        )
    ]
    # Group consecutive prefixes of the same length and sector (longest first, as rules.PREFIXES).
    groups: dict[tuple[int, str | None], list[str]] = {}
    for prefix, key in rules.PREFIXES:
        groups.setdefault((len(prefix), key), []).append(prefix)
    for (_length, key), prefixes in groups.items():
        condition = Q()
        for prefix in prefixes:
            condition |= Q(**{f"{industry_path}__startswith": prefix})
        then = _size_case(rules.SECTORS[key]) if key else Value(SizeClass.UNKNOWN.value)
        whens.append(When(condition, then=then))
    return Case(*whens, default=_size_case(rules.SECTORS[rules.FALLBACK_SECTOR]), output_field=CharField())


def revenue_expression() -> Coalesce:
    """营业收入, falling back to 销售收入 and then 主营业务收入 (old ledgers fill only one of them)."""
    return Coalesce("operating_revenue", "sales_revenue", "main_business_revenue")


def refresh_derived_figures(enterprise_ids: Iterable[int] | None = None) -> int:
    """Recompute Enterprise.latest_year, latest_revenue and size_class from each enterprise's latest
    AnnualReport, in one UPDATE per chunk of 5000 ids (all enterprises when ``enterprise_ids`` is None;
    a queryset of ids is used as a subquery, so it is one UPDATE too).

    Set-based on purpose: the importer calls this after writing figures for up to millions of firms.
    Not audited: these columns are derived, the audit log holds the figures they derive from.
    Returns the number of enterprise rows updated.
    """
    latest = AnnualReport.objects.filter(enterprise=OuterRef("pk")).order_by("-year")
    with_revenue = latest.annotate(revenue_for_size=revenue_expression())
    # The enterprise's own industry code, read from the outer row (no join inside the subquery).
    with_industry = with_revenue.annotate(
        industry_code=ExpressionWrapper(OuterRef("industry_id"), output_field=CharField())
    )
    values = {
        "latest_year": Subquery(latest.values("year")[:1]),
        "latest_revenue": Subquery(with_revenue.values("revenue_for_size")[:1]),
        "size_class": Coalesce(
            Subquery(with_industry.annotate(size=size_class_expression()).values("size")[:1]),
            Value(SizeClass.UNKNOWN.value),
            output_field=CharField(),
        ),
    }
    if enterprise_ids is None:
        return Enterprise.objects.update(**values)
    if isinstance(enterprise_ids, models.QuerySet):  # a subquery: still one statement
        return Enterprise.objects.filter(pk__in=enterprise_ids).update(**values)
    ids = list(dict.fromkeys(enterprise_ids))
    updated = 0
    for start in range(0, len(ids), 5000):
        updated += Enterprise.objects.filter(pk__in=ids[start : start + 5000]).update(**values)
    return updated
