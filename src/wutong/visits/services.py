"""Every change to lists, 挂点 assignments and visits: guard, change in one transaction, one audit entry.

Double visits are *warned about*, not refused: the pages ask
:func:`wutong.visits.queries.nearby_visits` before and after saving, the services do not block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wutong.accounts.choices import Role
from wutong.accounts.models import OrgUnit, User
from wutong.accounts.roles import INTERNAL_ROLES, role_of
from wutong.accounts.services import require
from wutong.core import audit
from wutong.core.exceptions import DomainError
from wutong.enterprises.models import Enterprise
from wutong.visits import rules
from wutong.visits.access import can_visit
from wutong.visits.choices import Confidentiality, VisitStatus, VisitType
from wutong.visits.models import KeyList, KeyListMember, KeyListTier, LeaderAssignment, Visit

VISIT_FIELDS = [
    "enterprise",
    "visit_date",
    "status",
    "visit_type",
    "organising_unit",
    "purpose",
    "confidentiality",
    "cancel_reason",
]
#: Leaders and staff who can be put in charge of an enterprise (挂点).
ASSIGNABLE_ROLES = frozenset({Role.DISTRICT_LEADER, Role.BUREAU_LEADER, Role.SECTION_HEAD, Role.STAFF})


def _today() -> dt.date:
    return timezone.localdate()


def _snapshot(visit: Visit) -> dict[str, Any]:
    """The audited fields; notes of a 机密 visit are never copied into the audit log."""
    data = audit.snapshot(visit, VISIT_FIELDS)
    data["visitors"] = sorted(u.pk for u in visit.visitors.all()) if visit.pk else []
    if visit.confidentiality != Confidentiality.SECRET:
        data["notes"] = visit.notes
        data["next_steps"] = visit.next_steps
    return data


def _check_visitors(visitors: Iterable[User]) -> list[User]:
    people = list(visitors)
    if not people:
        raise DomainError(_("请至少选择一名走访人员"), field="visitors")
    outsiders = [u.display_label for u in people if role_of(u) not in INTERNAL_ROLES]
    if outsiders:
        raise DomainError(
            _("走访人员须为本局工作人员或区领导：%(n)s") % {"n": "、".join(outsiders)}, field="visitors"
        )
    return people


def _check_text(value: str, field_name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, field=field_name)
    return value


def _check_choices(visit_type: str | None, confidentiality: str | None) -> None:
    if visit_type is not None and visit_type not in VisitType.values:
        raise DomainError(_("未知的走访类型"), field="visit_type")
    if confidentiality is not None and confidentiality not in Confidentiality.values:
        raise DomainError(_("未知的密级"), field="confidentiality")


def _guard_step(visit: Visit, step: str, actor: Any) -> None:
    if not can_visit(actor, step, visit):
        raise PermissionDenied(_("无权操作该走访"))
    decision = rules.can_step(step, visit.status)
    if not decision:
        raise DomainError(decision.reason, code="transition")


# --- lists ------------------------------------------------------------------------------------


def create_key_list(
    *,
    name: str,
    tiers: Sequence[tuple[str, str, int]],
    actor: Any,
    description: str = "",
    double_visit_days: int | None = None,
    owner_unit: OrgUnit | None = None,
) -> KeyList:
    """A new key-enterprise list with its tiers: ``tiers`` = (code, name, cadence in days), in order."""
    require(actor, "visits.manage_lists")
    name = _check_text(name, "name", _("请填写名单名称"))
    if not tiers:
        raise DomainError(_("名单至少需要一个档次"), field="tiers")
    codes = [code.strip() for code, _name, _days in tiers]
    if len(set(codes)) != len(codes) or not all(codes):
        raise DomainError(_("档次代码不能为空或重复"), field="tiers")
    if any(not 1 <= int(days) <= 3660 for _c, _n, days in tiers):
        raise DomainError(_("走访周期须在 1 到 3660 天之间"), field="tiers")
    if KeyList.objects.filter(name=name).exists():
        raise DomainError(_("已有同名名单"), field="name")
    with transaction.atomic():
        key_list = KeyList.objects.create(
            name=name,
            description=description.strip(),
            double_visit_days=double_visit_days,
            owner_unit=owner_unit,
        )
        KeyListTier.objects.bulk_create(
            KeyListTier(key_list=key_list, code=code.strip(), name=tier_name, cadence_days=int(days), order=i)
            for i, (code, tier_name, days) in enumerate(tiers)
        )
        audit.record(
            "visits.key_list.created",
            actor=actor,
            target=key_list,
            changes=audit.diff({}, audit.snapshot(key_list)),
            data={"tiers": [[c, n, int(d)] for c, n, d in tiers]},
        )
    return key_list


@dataclass
class AddResult:
    """What a bulk add did: USCCs added, already on the list, and not in the registry."""

    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def add_members(
    key_list: KeyList,
    *,
    usccs: Iterable[str],
    tier: KeyListTier,
    actor: Any,
    added_on: dt.date | None = None,
    note: str = "",
) -> AddResult:
    """Put enterprises on a list by USCC (pasted from Excel or taken from a filtered enterprise
    list). Set-based: one read of the registry, one of the list, one bulk insert, one audit entry."""
    require(actor, "visits.manage_members")
    if tier.key_list_id != key_list.pk:
        raise DomainError(_("档次不属于该名单"), field="tier")
    wanted = list(dict.fromkeys(u.strip().upper() for u in usccs if u and u.strip()))
    if not wanted:
        raise DomainError(_("请填写至少一个统一社会信用代码"), field="usccs")
    found = dict(Enterprise.objects.filter(uscc__in=wanted).values_list("uscc", "pk"))
    result = AddResult(unknown=[u for u in wanted if u not in found])
    with transaction.atomic():
        present = set(
            KeyListMember.objects.filter(key_list=key_list, enterprise_id__in=found.values()).values_list(
                "enterprise__uscc", flat=True
            )
        )
        result.already = [u for u in wanted if u in present]
        result.added = [u for u in wanted if u in found and u not in present]
        day = added_on or _today()
        KeyListMember.objects.bulk_create(
            KeyListMember(
                key_list=key_list, enterprise_id=found[u], tier=tier, added_on=day, note=note.strip()
            )
            for u in result.added
        )
        audit.record(
            "visits.key_list.members_added",
            actor=actor,
            target=key_list,
            data={
                "tier": tier.code,
                "added_on": day,
                "added": result.added,
                "already": result.already,
                "unknown": result.unknown,
            },
        )
    return result


def remove_member(member: KeyListMember, *, actor: Any, reason: str = "") -> None:
    """Take an enterprise off a list (its visits stay in the ledger)."""
    require(actor, "visits.manage_members")
    with transaction.atomic():
        audit.record(
            "visits.key_list_member.removed",
            actor=actor,
            target=member.key_list,
            target_label=str(member),
            data={"enterprise": member.enterprise_id, "tier": member.tier.code, "reason": reason},
        )
        member.delete()


def change_member_tier(member: KeyListMember, *, tier: KeyListTier, actor: Any) -> KeyListMember:
    """Move a member to another tier of the same list (its cadence changes from today on)."""
    require(actor, "visits.manage_members")
    if tier.key_list_id != member.key_list_id:
        raise DomainError(_("档次不属于该名单"), field="tier")
    if tier.pk == member.tier_id:
        raise DomainError(_("该企业已在此档次"), field="tier")
    with transaction.atomic():
        before = member.tier.code
        member.tier = tier
        member.save(update_fields=["tier", "updated_at"])
        audit.record(
            "visits.key_list_member.tier_changed",
            actor=actor,
            target=member,
            changes={"tier": [before, tier.code]},
        )
    return member


def assign_leader(
    enterprise: Enterprise,
    *,
    leader: User,
    actor: Any,
    contact_staff: User | None = None,
    since: dt.date | None = None,
    note: str = "",
) -> LeaderAssignment:
    """挂点: put a leader (or a staff member) in charge of an enterprise. The current assignment,
    if any, ends the day before ``since``; assigning the same people again is refused."""
    require(actor, "visits.assign_leaders")
    if role_of(leader) not in ASSIGNABLE_ROLES:
        raise DomainError(_("挂点人员须为区领导、局领导或本局工作人员"), field="leader")
    if contact_staff is not None and role_of(contact_staff) not in ASSIGNABLE_ROLES - {Role.DISTRICT_LEADER}:
        raise DomainError(_("联络员须为本局工作人员"), field="contact_staff")
    since = since or _today()
    with transaction.atomic():
        current = (
            LeaderAssignment.objects.select_for_update()
            .filter(enterprise=enterprise, until__isnull=True)
            .first()
        )
        if current is not None:
            if current.leader_id == leader.pk and current.contact_staff_id == getattr(
                contact_staff, "pk", None
            ):
                raise DomainError(_("该企业已由 %(n)s 挂点") % {"n": leader.display_label}, field="leader")
            if since <= current.since:
                raise DomainError(
                    _("新的挂点起始日须晚于当前挂点起始日 %(d)s") % {"d": current.since}, field="since"
                )
            current.until = since - dt.timedelta(days=1)
            current.save(update_fields=["until", "updated_at"])
        assignment = LeaderAssignment.objects.create(
            enterprise=enterprise, leader=leader, contact_staff=contact_staff, since=since, note=note.strip()
        )
        audit.record(
            "visits.leader_assignment.assigned",
            actor=actor,
            target=assignment,
            changes=audit.diff({}, audit.snapshot(assignment)),
            data={"ended": current.pk if current is not None else None},
        )
    return assignment


# --- visits -----------------------------------------------------------------------------------


def plan_visit(
    *,
    enterprise: Enterprise,
    visit_date: dt.date,
    visit_type: str,
    organising_unit: OrgUnit,
    visitors: Iterable[User],
    purpose: str,
    actor: Any,
    confidentiality: str = Confidentiality.NORMAL,
) -> Visit:
    """Put a visit in the plan. Another unit's visit nearby is warned about by the page, not refused."""
    require(actor, "visits.plan")
    decision = rules.check_plan_date(visit_date, _today())
    if not decision:
        raise DomainError(decision.reason, field="visit_date")
    people = _check_visitors(visitors)
    purpose = _check_text(purpose, "purpose", _("请填写走访事由"))
    _check_choices(visit_type, confidentiality)
    with transaction.atomic():
        visit = Visit.objects.create(
            enterprise=enterprise,
            visit_date=visit_date,
            status=VisitStatus.PLANNED,
            visit_type=visit_type,
            organising_unit=organising_unit,
            purpose=purpose,
            confidentiality=confidentiality,
            created_by=actor,
        )
        visit.visitors.set(people)
        audit.record(
            "visits.visit.planned", actor=actor, target=visit, changes=audit.diff({}, _snapshot(visit))
        )
    return visit


def record_visit(
    visit: Visit | None,
    *,
    actor: Any,
    visit_date: dt.date,
    notes: str,
    next_steps: str = "",
    visitors: Iterable[User] | None = None,
    enterprise: Enterprise | None = None,
    visit_type: str | None = None,
    organising_unit: OrgUnit | None = None,
    purpose: str | None = None,
    confidentiality: str | None = None,
) -> Visit:
    """Record what happened: complete a planned visit (``visit``) or record one directly
    (``visit=None`` with the enterprise, type, unit and purpose)."""
    require(actor, "visits.record")
    if visit is not None:
        _guard_step(visit, "record", actor)
    elif enterprise is None or visit_type is None or organising_unit is None:
        raise DomainError(_("直接登记走访须填写企业、走访类型和组织单位"))
    decision = rules.check_record_date(visit_date, _today())
    if not decision:
        raise DomainError(decision.reason, field="visit_date")
    notes = _check_text(notes, "notes", _("请填写走访情况"))
    _check_choices(visit_type, confidentiality)
    with transaction.atomic():
        if visit is None:
            before: dict[str, Any] = {}
            assert enterprise is not None and organising_unit is not None and visit_type is not None
            people = _check_visitors(visitors or [])
            visit = Visit(
                enterprise=enterprise,
                visit_type=VisitType(visit_type),
                organising_unit=organising_unit,
                purpose=_check_text(purpose or "", "purpose", _("请填写走访事由")),
                confidentiality=Confidentiality(confidentiality or Confidentiality.NORMAL),
                created_by=actor,
            )
        else:
            visit = Visit.objects.select_for_update().get(pk=visit.pk)
            if visit.status != VisitStatus.PLANNED:  # someone else recorded or cancelled it meanwhile
                raise DomainError(rules.can_step("record", visit.status).reason, code="transition")
            before = _snapshot(visit)
            people = _check_visitors(visitors) if visitors is not None else list(visit.visitors.all())
            if purpose:
                visit.purpose = purpose.strip()
            if confidentiality:
                visit.confidentiality = Confidentiality(confidentiality)
        visit.visit_date = visit_date
        visit.status = VisitStatus.DONE
        visit.notes = notes
        visit.next_steps = (next_steps or "").strip()
        visit.recorded_at = timezone.now()
        visit.save()
        visit.visitors.set(people)
        audit.record(
            "visits.visit.recorded",
            actor=actor,
            target=visit,
            changes=audit.diff(before, _snapshot(visit)),
            data={"was_planned": bool(before)},
        )
    return visit


def cancel_visit(visit: Visit, *, reason: str, actor: Any) -> Visit:
    """Call off a planned visit, saying why (the plan stays in the ledger as cancelled)."""
    require(actor, "visits.plan")
    _guard_step(visit, "cancel", actor)
    reason = _check_text(reason, "reason", _("请填写取消原因"))
    with transaction.atomic():
        visit = Visit.objects.select_for_update().get(pk=visit.pk)
        if visit.status != VisitStatus.PLANNED:
            raise DomainError(rules.can_step("cancel", visit.status).reason, code="transition")
        before = _snapshot(visit)
        visit.status = VisitStatus.CANCELLED
        visit.cancel_reason = reason[:300]
        visit.save(update_fields=["status", "cancel_reason", "updated_at"])
        audit.record(
            "visits.visit.cancelled", actor=actor, target=visit, changes=audit.diff(before, _snapshot(visit))
        )
    return visit


def raise_demand_from_visit(
    visit: Visit,
    *,
    category: Any,
    content: str,
    actor: Any,
    title: str = "",
    contact_name: str = "",
    contact_phone: str = "",
) -> Any:
    """A 诉求 the enterprise raised during a recorded visit enters the demands ledger, linked back
    to the visit (``source_visit_id``, channel 走访收集). The demands service guards, writes and
    audits (``demands.demand.submitted``); this step only checks the visit side."""
    from wutong.demands.choices import DemandChannel
    from wutong.demands.services import submit_demand

    _guard_step(visit, "follow_up", actor)
    return submit_demand(
        enterprise=visit.enterprise,
        category=category,
        content=content,
        actor=actor,
        channel=DemandChannel.VISIT,
        source_visit_id=visit.pk,
        title=title,
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
