"""Every change to a demand: guard (rules + access), change in one transaction, one audit entry.

Other apps call these, never the models: the visits app calls :func:`submit_demand` with
``channel=DemandChannel.VISIT`` and ``source_visit_id`` when a visit records a 诉求.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wutong.accounts.choices import OrgUnitKind, Role
from wutong.accounts.models import OrgUnit, User
from wutong.accounts.roles import CAPABILITIES, has_capability, role_of
from wutong.accounts.services import require
from wutong.core import audit
from wutong.core.exceptions import DomainError
from wutong.demands import rules
from wutong.demands.choices import (
    AssignmentRole,
    AssignmentStatus,
    DemandChannel,
    DemandStatus,
    EscalationLevel,
    EventKind,
    GroupStatus,
    RejectionReason,
)
from wutong.demands.models import (
    ApiKey,
    Demand,
    DemandAssignment,
    DemandCategory,
    DemandComment,
    DemandEvent,
    DemandGroup,
)

S = DemandStatus

DEMAND_FIELDS = [
    "status",
    "category",
    "lead_department",
    "accept_due",
    "reply_due",
    "reply",
    "rating",
    "rejection_reason",
    "escalation_level",
    "merged_into",
    "group",
]


# --- helpers ----------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _label(actor: Any) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(getattr(actor, "display_label", None) or actor)
    return "系统"


def _actor_or_none(actor: Any) -> User | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _event(
    demand: Demand,
    kind: str,
    *,
    actor: Any,
    from_status: str = "",
    note: str = "",
    is_public: bool = True,
    at: dt.datetime | None = None,
) -> DemandEvent:
    return DemandEvent.objects.create(
        demand=demand,
        created_at=at or timezone.now(),
        kind=kind,
        actor=_actor_or_none(actor),
        actor_label=_label(actor),
        from_status=from_status,
        to_status=demand.status,
        note=note,
        is_public=is_public,
    )


def facts_for(demand: Demand, actor: Any) -> rules.Facts:
    """What :func:`rules.decide` needs about ``actor`` and ``demand``."""
    role = role_of(actor)
    capabilities = frozenset(name for name in CAPABILITIES if has_capability(actor, name))
    unit_id = getattr(actor, "org_unit_id", None)
    in_lead = bool(unit_id) and demand.lead_department_id == unit_id
    own = False
    if role == Role.ENTERPRISE and unit_id:
        own = bool(actor.org_unit.uscc) and actor.org_unit.uscc == demand.enterprise.uscc
    return rules.Facts(
        status=demand.status,
        role=role,
        capabilities=capabilities,
        in_lead_department=in_lead,
        own_enterprise=own,
    )


def _guard(demand: Demand, action: str, actor: Any) -> None:
    decision = rules.decide(action, facts_for(demand, actor))
    if not decision:
        if action in rules.TRANSITIONS and decision.reason and demand.status in rules.TRANSITIONS[action][0]:
            raise PermissionDenied(decision.reason)
        raise DomainError(decision.reason, code="transition")


def _lock(demand: Demand) -> Demand:
    """Re-read the row under a lock inside the transaction (two handlers clicking at once)."""
    locked = Demand.objects.select_for_update().get(pk=demand.pk)
    for field in locked._meta.concrete_fields:
        setattr(demand, field.attname, getattr(locked, field.attname))
    return demand


def _set_clock(demand: Demand, start: dt.date) -> None:
    c = rules.clock(start, demand.category.reply_days)
    demand.clock_started_on, demand.reply_due, demand.reply_warn_on = c.start, c.due, c.warn_on


def calendar_warnings_for(demand: Demand) -> list[str]:
    """Warnings to show on the demand when a clock crossed a year without holiday data."""
    from wutong.core import workdays

    return workdays.calendar_warnings(demand.submitted_at.date(), max(demand.reply_due, demand.accept_due))


# --- submission -------------------------------------------------------------------------------


def submit_demand(
    *,
    enterprise: Any,
    category: DemandCategory,
    content: str,
    actor: Any,
    channel: str = DemandChannel.STAFF,
    source_visit_id: int | None = None,
    title: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    address: str = "",
    lat: Any = None,
    long: Any = None,
    submitted_at: dt.datetime | None = None,
    api_key: ApiKey | None = None,
) -> Demand:
    """An enterprise's 诉求 enters the ledger and both clocks start.

    Called by staff (any enterprise), by an enterprise contact (their own enterprise only), by
    the visits app (``channel=visit``, ``source_visit_id``) and by the Open311 endpoint (``actor``
    is then ``None`` and ``api_key`` names the calling system).
    """
    if api_key is None or actor is not None:
        require(actor, "demands.submit")
        if role_of(actor) == Role.ENTERPRISE:
            unit = actor.org_unit
            if unit is None or not unit.uscc or unit.uscc != enterprise.uscc:
                raise PermissionDenied(_("企业用户只能为本企业提交诉求"))
    content = (content or "").strip()
    if not content:
        raise DomainError(_("请填写诉求内容"), field="content")
    if len(content) < 5:
        raise DomainError(_("诉求内容太短，请具体说明需要解决的问题"), field="content")
    if not category.is_active:
        raise DomainError(_("该诉求类别已停用"), field="category")
    now = submitted_at or timezone.now()
    day = timezone.localtime(now).date()
    accept = rules.clock(day, category.accept_days)
    reply = rules.clock(day, category.reply_days)
    with transaction.atomic():
        demand = Demand(
            number="",
            enterprise=enterprise,
            category=category,
            title=title.strip()[:200],
            content=content,
            channel=channel,
            source_visit_id=source_visit_id,
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            address=address or enterprise.operating_address or enterprise.registered_address,
            lat=lat,
            long=long,
            status=S.SUBMITTED,
            submitted_by=_actor_or_none(actor),
            submitted_at=now,
            accept_due=accept.due,
            clock_started_on=reply.start,
            reply_due=reply.due,
            reply_warn_on=reply.warn_on,
        )
        demand.number = f"TMP-{demand.token.hex[:12]}"
        demand.save()
        demand.number = f"SQ{day:%Y}{demand.pk:06d}"
        demand.save(update_fields=["number"])
        _event(demand, EventKind.SUBMITTED, actor=actor, note=str(DemandChannel(channel).label), at=now)
        audit.record(
            "demands.demand.submitted",
            actor=actor,
            target=demand,
            target_label=f"{demand.number} {enterprise.name}" if api_key else None,
            changes=audit.diff({}, audit.snapshot(demand, DEMAND_FIELDS)),
            data={
                "channel": channel,
                "source_visit_id": source_visit_id,
                "enterprise": enterprise.pk,
                "api_key": api_key.pk if api_key else None,
            },
        )
    return demand


# --- the desk: accept, route, reject ----------------------------------------------------------


def accept_demand(
    demand: Demand, *, actor: Any, category: DemandCategory | None = None, note: str = ""
) -> Demand:
    """签收: the bureau takes responsibility for the demand (and may correct its category, which
    recomputes the reply clock from the submission date)."""
    _guard(demand, "accept", actor)
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "accept", actor)
        before = audit.snapshot(demand, DEMAND_FIELDS)
        previous = demand.status
        if category is not None and category.pk != demand.category_id:
            demand.category = category
            _set_clock(demand, demand.clock_started_on)
        demand.status = S.ACCEPTED
        demand.accepted_at = timezone.now()
        demand.save()
        _event(demand, EventKind.ACCEPTED, actor=actor, from_status=previous, note=note)
        audit.record(
            "demands.demand.accepted",
            actor=actor,
            target=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"on_time": timezone.localdate() <= demand.accept_due},
        )
    return demand


def _check_departments(lead: OrgUnit, assisting: list[OrgUnit]) -> None:
    allowed = {OrgUnitKind.PARTNER_DEPARTMENT, OrgUnitKind.SECTION}
    for unit in [lead, *assisting]:
        if unit.kind not in allowed or not unit.is_active:
            raise DomainError(
                _("“%(unit)s”不是可承办诉求的部门或科室") % {"unit": unit.name}, field="lead_department"
            )
    if lead.pk in {u.pk for u in assisting}:
        raise DomainError(_("主办单位不能同时是协办单位"), field="assisting_departments")


def route_demand(
    demand: Demand,
    *,
    lead_department: OrgUnit,
    assisting_departments: list[OrgUnit] | None = None,
    note: str = "",
    actor: Any,
) -> Demand:
    """交办: one lead department (answers) and any assisting ones; one assignment per department.

    A demand a department returned is routed again the same way (to another department)."""
    assisting = list(assisting_departments or [])
    _guard(demand, "route", actor)
    _check_departments(lead_department, assisting)
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "route", actor)
        before = audit.snapshot(demand, DEMAND_FIELDS)
        previous = demand.status
        demand.assignments.filter(status=AssignmentStatus.ACTIVE).update(
            status=AssignmentStatus.TRANSFERRED, ended_at=timezone.now(), end_reason=_("重新交办")
        )
        DemandAssignment.objects.bulk_create(
            [
                DemandAssignment(
                    demand=demand,
                    department=unit,
                    role=AssignmentRole.LEAD if unit == lead_department else AssignmentRole.ASSIST,
                    assigned_by=_actor_or_none(actor),
                    note=note,
                )
                for unit in [lead_department, *assisting]
            ]
        )
        demand.lead_department = lead_department
        demand.status = S.ROUTED
        if demand.accepted_at is None:
            demand.accepted_at = timezone.now()
        demand.save()
        names = "、".join(u.name for u in assisting)
        _event(
            demand,
            EventKind.ROUTED,
            actor=actor,
            from_status=previous,
            note=_("主办：%(lead)s") % {"lead": lead_department.name}
            + (_("；协办：%(names)s") % {"names": names} if names else ""),
        )
        audit.record(
            "demands.demand.routed",
            actor=actor,
            target=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"lead": lead_department.pk, "assisting": [u.pk for u in assisting], "note": note},
        )
    return demand


def reject_demand(demand: Demand, *, reason: str, note: str = "", actor: Any) -> Demand:
    """不予受理, with a reason from the fixed list; the enterprise sees the reason on its demand."""
    if reason not in RejectionReason.values:
        raise DomainError(_("请选择不予受理的原因"), field="reason")
    _guard(demand, "reject", actor)
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "reject", actor)
        before = audit.snapshot(demand, DEMAND_FIELDS)
        previous = demand.status
        demand.status = S.REJECTED
        demand.rejection_reason = reason
        demand.rejection_note = note.strip()[:500]
        demand.closed_at = timezone.now()
        demand.save()
        _end_assignments(demand, AssignmentStatus.DONE, _("不予受理"))
        _event(
            demand,
            EventKind.REJECTED,
            actor=actor,
            from_status=previous,
            note=f"{RejectionReason(reason).label}{('：' + note) if note else ''}",
        )
        audit.record(
            "demands.demand.rejected",
            actor=actor,
            target=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"reason": reason, "note": note},
        )
    return demand


def _end_assignments(demand: Demand, status: str, reason: str, department: OrgUnit | None = None) -> int:
    qs = demand.assignments.filter(status=AssignmentStatus.ACTIVE)
    if department is not None:
        qs = qs.filter(department=department)
    return qs.update(status=status, ended_at=timezone.now(), end_reason=reason)


# --- the departments: start, transfer, return, reply ------------------------------------------


def start_demand(demand: Demand, *, actor: Any) -> Demand:
    """The lead department starts work (已交办 → 办理中). Recorded in the timeline only; the audit
    entry is ``demands.demand.started``."""
    _guard(demand, "start", actor)
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "start", actor)
        previous = demand.status
        demand.status = S.IN_PROGRESS
        demand.save(update_fields=["status", "updated_at"])
        _event(demand, EventKind.STARTED, actor=actor, from_status=previous)
        audit.record(
            "demands.demand.started",
            actor=actor,
            target=demand,
            changes={"status": [previous, S.IN_PROGRESS]},
        )
    return demand


def transfer_demand(demand: Demand, *, to_department: OrgUnit, reason: str, actor: Any) -> Demand:
    """改派: a section head moves the lead from one department to another. The old assignment is
    kept (marked transferred) so the old department still sees what it handed over."""
    _guard(demand, "transfer", actor)
    if not reason.strip():
        raise DomainError(_("请说明改派理由"), field="reason")
    _check_departments(to_department, [])
    if to_department.pk == demand.lead_department_id:
        raise DomainError(_("新的主办单位与原主办单位相同"), field="to_department")
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "transfer", actor)
        before = audit.snapshot(demand, DEMAND_FIELDS)
        previous = demand.status
        old = demand.lead_department
        demand.assignments.filter(status=AssignmentStatus.ACTIVE, role=AssignmentRole.LEAD).update(
            status=AssignmentStatus.TRANSFERRED, ended_at=timezone.now(), end_reason=reason
        )
        # the new lead may have been assisting: that assignment becomes the lead one
        demand.assignments.filter(status=AssignmentStatus.ACTIVE, department=to_department).update(
            status=AssignmentStatus.TRANSFERRED, ended_at=timezone.now(), end_reason=_("改为主办")
        )
        DemandAssignment.objects.create(
            demand=demand,
            department=to_department,
            role=AssignmentRole.LEAD,
            assigned_by=_actor_or_none(actor),
            note=reason,
        )
        demand.lead_department = to_department
        demand.status = S.ROUTED
        demand.save()
        _event(
            demand,
            EventKind.TRANSFERRED,
            actor=actor,
            from_status=previous,
            note=_("%(old)s → %(new)s：%(reason)s")
            % {"old": old.name if old else "-", "new": to_department.name, "reason": reason},
        )
        audit.record(
            "demands.demand.transferred",
            actor=actor,
            target=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"from": old.pk if old else None, "to": to_department.pk, "reason": reason},
        )
    return demand


def return_demand(demand: Demand, *, reason: str, actor: Any) -> Demand:
    """退回: the lead department says "not ours" with a reason. The demand goes back to the bureau's
    desk to be routed again, and the enterprise is told (a public comment on its demand)."""
    _guard(demand, "return", actor)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("请说明退回理由"), field="reason")
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "return", actor)
        before = audit.snapshot(demand, DEMAND_FIELDS)
        previous = demand.status
        department = demand.lead_department
        _end_assignments(demand, AssignmentStatus.RETURNED, reason)
        demand.lead_department = None
        demand.status = S.RETURNED
        demand.save()
        DemandComment.objects.create(
            demand=demand,
            author=_actor_or_none(actor),
            author_label=_label(actor),
            body=_("%(unit)s 认为该诉求不属于本单位职责，已退回区科技创新局重新交办。理由：%(reason)s")
            % {"unit": department.name if department else "", "reason": reason},
            is_public=True,
        )
        _event(demand, EventKind.RETURNED, actor=actor, from_status=previous, note=reason)
        audit.record(
            "demands.demand.returned",
            actor=actor,
            target=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"department": department.pk if department else None, "reason": reason},
        )
    return demand


def reply_demand(demand: Demand, *, reply: str, actor: Any) -> Demand:
    """答复: the lead department's answer to the enterprise; the clock stops."""
    _guard(demand, "reply", actor)
    reply = reply.strip()
    if len(reply) < 5:
        raise DomainError(_("请填写答复内容（办理结果）"), field="reply")
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "reply", actor)
        before = audit.snapshot(demand, DEMAND_FIELDS)
        previous = demand.status
        now = timezone.now()
        demand.status = S.REPLIED
        demand.reply = reply
        demand.replied_at = now
        demand.replied_by = _actor_or_none(actor)
        demand.save()
        _event(demand, EventKind.REPLIED, actor=actor, from_status=previous, note=reply)
        audit.record(
            "demands.demand.replied",
            actor=actor,
            target=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"on_time": timezone.localtime(now).date() <= demand.reply_due},
        )
    return demand


# --- the enterprise and the desk: rate, close, reopen -----------------------------------------


def _reopen_in_place(demand: Demand) -> None:
    demand.status = S.IN_PROGRESS if demand.lead_department_id else S.ACCEPTED
    demand.reopen_count += 1
    demand.closed_at = None
    # the previous reply stays in the timeline; the ledger's reply time is the next one
    demand.replied_at = None
    demand.escalation_level = EscalationLevel.NONE
    demand.escalated_at = None
    demand.escalated_to = None
    _set_clock(demand, timezone.localdate())


def rate_demand(demand: Demand, *, rating: int, comment: str = "", actor: Any) -> Demand:
    """The enterprise confirms the reply and rates it 1–5. 3 or more closes the demand; 1–2 reopens
    it for the lead department with a fresh reply clock (企事速办's 不满意重办)."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise DomainError(_("满意度须为 1–5 分"), field="rating")
    _guard(demand, "rate", actor)
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "rate", actor)
        before = audit.snapshot(demand, DEMAND_FIELDS)
        previous = demand.status
        now = timezone.now()
        demand.rating = rating
        demand.rating_comment = comment.strip()[:500]
        demand.rated_at = now
        reopened = rules.status_after_rating(rating) != S.CLOSED
        if reopened:
            _reopen_in_place(demand)
        else:
            demand.status = S.CLOSED
            demand.closed_at = now
            _end_assignments(demand, AssignmentStatus.DONE, _("办结"))
        demand.save()
        _event(
            demand,
            EventKind.RATED,
            actor=actor,
            from_status=previous,
            note=_("%(n)s 分") % {"n": rating} + (f"：{comment}" if comment else ""),
        )
        if reopened:
            _event(
                demand, EventKind.REOPENED, actor=actor, from_status=S.REPLIED, note=_("企业不满意，重新办理")
            )
        audit.record(
            "demands.demand.rated",
            actor=actor,
            target=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"rating": rating, "reopened": reopened},
        )
    return demand


def close_demand(demand: Demand, *, note: str = "", actor: Any) -> Demand:
    """办结 without a rating (the enterprise did not rate in time, or confirmed by phone)."""
    _guard(demand, "close", actor)
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "close", actor)
        before = audit.snapshot(demand, DEMAND_FIELDS)
        previous = demand.status
        demand.status = S.CLOSED
        demand.closed_at = timezone.now()
        demand.save()
        _end_assignments(demand, AssignmentStatus.DONE, _("办结"))
        _event(demand, EventKind.CLOSED, actor=actor, from_status=previous, note=note)
        audit.record(
            "demands.demand.closed",
            actor=actor,
            target=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"note": note},
        )
    return demand


def reopen_demand(demand: Demand, *, reason: str, actor: Any) -> Demand:
    """重新办理 by staff (a reply that did not solve the problem): back to the lead department with a
    fresh reply clock."""
    _guard(demand, "reopen", actor)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("请说明重新办理的理由"), field="reason")
    with transaction.atomic():
        _lock(demand)
        _guard(demand, "reopen", actor)
        before = audit.snapshot(demand, DEMAND_FIELDS)
        previous = demand.status
        _reopen_in_place(demand)
        demand.save()
        if (
            demand.lead_department_id
            and not demand.assignments.filter(
                status=AssignmentStatus.ACTIVE, role=AssignmentRole.LEAD
            ).exists()
        ):
            DemandAssignment.objects.create(
                demand=demand,
                department_id=demand.lead_department_id,
                role=AssignmentRole.LEAD,
                assigned_by=_actor_or_none(actor),
                note=reason,
            )
        _event(demand, EventKind.REOPENED, actor=actor, from_status=previous, note=reason)
        audit.record(
            "demands.demand.reopened",
            actor=actor,
            target=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"reason": reason, "reopen_count": demand.reopen_count},
        )
    return demand


def comment_demand(demand: Demand, *, body: str, is_public: bool = False, actor: Any) -> DemandComment:
    """A note on the demand. Enterprise users' notes are always public (they are the public)."""
    _guard(demand, "comment", actor)
    body = body.strip()
    if not body:
        raise DomainError(_("请填写留言内容"), field="body")
    if role_of(actor) == Role.ENTERPRISE:
        is_public = True
    with transaction.atomic():
        comment = DemandComment.objects.create(
            demand=demand,
            author=_actor_or_none(actor),
            author_label=_label(actor),
            body=body,
            is_public=is_public,
        )
        audit.record(
            "demands.demand.commented",
            actor=actor,
            target=demand,
            data={"comment": comment.pk, "is_public": is_public},
        )
    return comment


# --- duplicates and 共性诉求 -------------------------------------------------------------------


def merge_demands(duplicate: Demand, *, into: Demand, actor: Any) -> Demand:
    """A duplicate demand is merged into the survivor: its comments, assignments and timeline move
    to the survivor; the duplicate stays as a stub pointing at it (status 已合并)."""
    _guard(duplicate, "merge", actor)
    if duplicate.pk == into.pk:
        raise DomainError(_("不能合并到自身"), field="into")
    if into.status == S.MERGED:
        raise DomainError(_("目标诉求本身已被合并"), field="into")
    if duplicate.enterprise_id != into.enterprise_id:
        raise DomainError(_("只能合并同一企业的重复诉求；不同企业的相似诉求请归入共性诉求"), field="into")
    with transaction.atomic():
        _lock(duplicate)
        before = audit.snapshot(duplicate, DEMAND_FIELDS)
        previous = duplicate.status
        moved = {
            "comments": DemandComment.objects.filter(demand=duplicate).update(demand=into),
            "events": DemandEvent.objects.filter(demand=duplicate).update(demand=into),
        }
        # an active assignment of a department the survivor already has stays with the duplicate, ended
        survivor_units = set(
            into.assignments.filter(status=AssignmentStatus.ACTIVE).values_list("department_id", flat=True)
        )
        duplicate.assignments.filter(status=AssignmentStatus.ACTIVE, department_id__in=survivor_units).update(
            status=AssignmentStatus.DONE,
            ended_at=timezone.now(),
            end_reason=_("并入 %(n)s") % {"n": into.number},
        )
        lead_taken = into.assignments.filter(
            status=AssignmentStatus.ACTIVE, role=AssignmentRole.LEAD
        ).exists()
        if lead_taken:
            duplicate.assignments.filter(status=AssignmentStatus.ACTIVE, role=AssignmentRole.LEAD).update(
                role=AssignmentRole.ASSIST
            )
        moved["assignments"] = DemandAssignment.objects.filter(demand=duplicate).update(demand=into)
        Demand.objects.filter(merged_into=duplicate).update(merged_into=into)
        duplicate.status = S.MERGED
        duplicate.merged_into = into
        duplicate.closed_at = timezone.now()
        duplicate.save()
        DemandEvent.objects.create(
            demand=into,
            created_at=timezone.now(),
            kind=EventKind.MERGED,
            actor=_actor_or_none(actor),
            actor_label=_label(actor),
            from_status=previous,
            to_status=into.status,
            note=_("%(dup)s 作为重复诉求并入本诉求") % {"dup": duplicate.number},
        )
        audit.record(
            "demands.demand.merged",
            actor=actor,
            target=into,
            changes=audit.diff(before, audit.snapshot(duplicate, DEMAND_FIELDS)),
            data={"duplicate": duplicate.pk, "duplicate_number": duplicate.number, "moved": moved},
        )
    return into


def create_demand_group(
    *, title: str, demands: list[Demand], note: str = "", owner: Any = None, actor: Any
) -> DemandGroup:
    """A section head raises one policy-fix task (共性诉求) for similar demands of several enterprises."""
    require(actor, "demands.manage_groups")
    title = title.strip()
    if not title:
        raise DomainError(_("请填写共性问题"), field="title")
    if len(demands) < 2:
        raise DomainError(_("共性诉求至少包含两件诉求"), field="demands")
    categories = {d.category_id for d in demands}
    if len(categories) != 1:
        raise DomainError(_("共性诉求中的诉求须属于同一类别"), field="demands")
    with transaction.atomic():
        group = DemandGroup.objects.create(
            title=title, category_id=categories.pop(), note=note, owner=owner or _actor_or_none(actor)
        )
        Demand.objects.filter(pk__in=[d.pk for d in demands]).update(group=group)
        DemandEvent.objects.bulk_create(
            [
                DemandEvent(
                    demand=d,
                    created_at=timezone.now(),
                    kind=EventKind.GROUPED,
                    actor=_actor_or_none(actor),
                    actor_label=_label(actor),
                    from_status=d.status,
                    to_status=d.status,
                    note=title,
                    is_public=False,
                )
                for d in demands
            ]
        )
        audit.record(
            "demands.demandgroup.created",
            actor=actor,
            target=group,
            data={"demands": [d.pk for d in demands], "title": title},
        )
    return group


def update_demand_group(group: DemandGroup, *, actor: Any, **fields: Any) -> DemandGroup:
    """The owner records progress on a 共性诉求 (note, status, owner)."""
    require(actor, "demands.manage_groups")
    if "status" in fields and fields["status"] not in GroupStatus.values:
        raise DomainError(_("状态无效"), field="status")
    names = ["title", "note", "owner", "status"]
    with transaction.atomic():
        before = audit.snapshot(group, names)
        for name, value in fields.items():
            if name in names:
                setattr(group, name, value)
        group.save()
        changes = audit.diff(before, audit.snapshot(group, names))
        audit.record("demands.demandgroup.updated", actor=actor, target=group, changes=changes)
    return group


# --- categories -------------------------------------------------------------------------------

CATEGORY_FIELDS = [
    "code",
    "name",
    "description",
    "keywords",
    "default_department",
    "section",
    "accept_days",
    "reply_days",
    "order",
    "is_active",
]


def save_category(category: DemandCategory | None, *, actor: Any, **fields: Any) -> DemandCategory:
    """Staff add a category or change its department and time limits (affects new demands only)."""
    require(actor, "demands.manage_categories")
    for name in ("accept_days", "reply_days"):
        if name in fields and (fields[name] is None or int(fields[name]) < 1):
            raise DomainError(_("时限至少 1 个工作日"), field=name)
    creating = category is None
    category = category or DemandCategory()
    with transaction.atomic():
        before = {} if creating else audit.snapshot(category, CATEGORY_FIELDS)
        for name, value in fields.items():
            setattr(category, name, value)
        category.save()
        audit.record(
            "demands.demandcategory.created" if creating else "demands.demandcategory.updated",
            actor=actor,
            target=category,
            changes=audit.diff(before, audit.snapshot(category, CATEGORY_FIELDS)),
        )
    return category


# --- escalation -------------------------------------------------------------------------------


def escalate_overdue_demands(
    *, today: dt.date | None = None, level_two_after: int | None = None
) -> dict[str, int]:
    """Mark overdue demands escalated: level 1 to the category's section head once overdue, level 2
    (督办) to a bureau leader once more than ``level_two_after`` working days overdue.

    Idempotent: a demand is only touched when its target level is above its current level, so a
    second run the same day changes nothing and writes nothing. One audit entry per escalated
    demand (``demands.demand.escalated``), written by the system.
    """
    from django.conf import settings

    from wutong.core import workdays
    from wutong.demands.queries import overdue_demands

    today = today or timezone.localdate()
    if level_two_after is None:
        level_two_after = int(getattr(settings, "WUTONG_DEMAND_LEVEL_TWO_AFTER", 3))
    counts = {"level_1": 0, "level_2": 0, "checked": 0}
    leader = User.objects.filter(role=Role.BUREAU_LEADER, is_active=True).order_by("pk").first()
    heads = {
        unit_id: user
        for unit_id, user in (
            (u.org_unit_id, u)
            for u in User.objects.filter(role=Role.SECTION_HEAD, is_active=True).order_by("-pk")
        )
    }
    for demand in overdue_demands(today).filter(escalation_level__lt=2).select_related("category"):
        counts["checked"] += 1
        due = demand.accept_due if demand.status == S.SUBMITTED else demand.reply_due
        overdue_days = workdays.working_days_between(due, today)
        target = rules.escalation_target(
            overdue_working_days=max(overdue_days, 1), level_two_after=level_two_after
        )
        if target <= demand.escalation_level:
            continue
        with transaction.atomic():
            locked = Demand.objects.select_for_update().get(pk=demand.pk)
            if target <= locked.escalation_level:
                continue
            previous_level = locked.escalation_level
            to = leader if target == 2 else heads.get(demand.category.section_id)
            Demand.objects.filter(pk=demand.pk).update(
                escalation_level=target, escalated_at=timezone.now(), escalated_to=to
            )
            demand.escalation_level = target
            DemandEvent.objects.create(
                demand=demand,
                created_at=timezone.now(),
                kind=EventKind.ESCALATED,
                actor_label="系统",
                from_status=demand.status,
                to_status=demand.status,
                note=_("超期 %(days)s 个工作日，%(level)s%(to)s")
                % {
                    "days": overdue_days,
                    "level": EscalationLevel(target).label,
                    "to": f"（{to.display_label}）" if to else "",
                },
                is_public=False,
            )
            audit.record(
                "demands.demand.escalated",
                actor=None,
                target=demand,
                changes={"escalation_level": [previous_level, target]},
                data={"overdue_working_days": overdue_days, "escalated_to": to.pk if to else None},
            )
        counts[f"level_{target}"] += 1
    return counts


# --- Open311 API keys -------------------------------------------------------------------------


def hash_api_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def issue_api_key(*, org_unit: OrgUnit, name: str, actor: Any) -> tuple[ApiKey, str]:
    """Issue a key to an org unit's system. Returns the key and the plain text, shown once."""
    require(actor, "demands.manage_api_keys")
    if not name.strip():
        raise DomainError(_("请填写密钥用途"), field="name")
    plain = "wt_" + secrets.token_urlsafe(30)
    with transaction.atomic():
        key = ApiKey.objects.create(
            name=name.strip(),
            org_unit=org_unit,
            prefix=plain[:8],
            key_hash=hash_api_key(plain),
            issued_by=_actor_or_none(actor),
        )
        audit.record("demands.apikey.issued", actor=actor, target=key, data={"org_unit": org_unit.pk})
    return key, plain


def revoke_api_key(key: ApiKey, *, actor: Any) -> ApiKey:
    require(actor, "demands.manage_api_keys")
    if not key.is_active:
        raise DomainError(_("该密钥已吊销"))
    with transaction.atomic():
        key.is_active = False
        key.revoked_at = timezone.now()
        key.save(update_fields=["is_active", "revoked_at", "updated_at"])
        audit.record("demands.apikey.revoked", actor=actor, target=key)
    return key


def authenticate_api_key(plain: str) -> ApiKey | None:
    """The active key matching ``plain`` (compared by hash), and mark it used."""
    if not plain:
        return None
    key = (
        ApiKey.objects.filter(key_hash=hash_api_key(plain), is_active=True).select_related("org_unit").first()
    )
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key
