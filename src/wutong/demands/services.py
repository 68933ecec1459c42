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
from django.db.models import F
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
) -> Demand:
    """An enterprise's 诉求 enters the ledger and both clocks start.

    Called by staff (any enterprise), by an enterprise contact (their own enterprise only), by
    the visits app (``channel=visit``, ``source_visit_id``) and by the Open311 endpoint (``actor``
    is then the API key's org unit's system, passed as ``None`` with ``channel=open311``).
    """
    if channel != DemandChannel.OPEN311 or actor is not None:
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
        _event(demand, EventKind.SUBMITTED, actor=actor, note=DemandChannel(channel).label, at=now)
        audit.record(
            "demands.demand.submitted",
            actor=actor,
            target=demand,
            changes=audit.diff({}, audit.snapshot(demand, DEMAND_FIELDS)),
            data={"channel": channel, "source_visit_id": source_visit_id, "enterprise": enterprise.pk},
        )
    return demand
