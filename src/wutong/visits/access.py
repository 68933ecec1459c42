"""Who sees which visits, lists and 挂点 assignments.

* bureau staff, section heads, bureau leaders, admins: every visit, list and assignment;
* a district leader (区领导): the visits of the enterprises currently assigned to them (挂点) and
  every visit they took part in; all lists (they are the bureau's plan, not visit records);
* partner departments, reviewers, agencies, enterprise users: nothing.

The notes and next steps of a 机密 visit are read only by its visitors, whoever recorded it, the
section heads of the visitors' units and of the organising unit, and leaders (局领导; 区领导 within
their scope): :func:`can_read_notes`. The administrator account is deliberately not among them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from wutong.accounts.choices import Role
from wutong.accounts.roles import has_capability, role_of
from wutong.core import access
from wutong.visits import models as m
from wutong.visits.choices import Confidentiality


def visit_filter(user: Any) -> Q | None:
    """A Q over visits the user may see; None = all (after the capability check)."""
    if role_of(user) == Role.DISTRICT_LEADER:
        took_part = m.Visit.visitors.through.objects.filter(user_id=user.pk).values("visit_id")
        assigned = m.LeaderAssignment.objects.filter(leader_id=user.pk, until__isnull=True).values(
            "enterprise_id"
        )
        return Q(pk__in=took_part) | Q(enterprise_id__in=assigned)
    return None


def scope_visits(qs: QuerySet[m.Visit], user: Any) -> QuerySet[m.Visit]:
    if not has_capability(user, "visits.view"):
        return qs.none()
    condition = visit_filter(user)
    return qs if condition is None else qs.filter(condition)


def _scope_plan(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs if has_capability(user, "visits.view") else qs.none()


def can_read_notes(user: Any, visit: m.Visit) -> bool:
    """Whether ``user`` (who can already see ``visit``) may read its notes and next steps."""
    if visit.confidentiality != Confidentiality.SECRET:
        return True
    role = role_of(user)
    if role in (Role.BUREAU_LEADER, Role.DISTRICT_LEADER):
        return True
    visitors = list(visit.visitors.all())  # prefetched on lists
    if user.pk == visit.created_by_id or any(v.pk == user.pk for v in visitors):
        return True
    if role == Role.SECTION_HEAD and user.org_unit_id is not None:
        units = {visit.organising_unit_id, *(v.org_unit_id for v in visitors)}
        return user.org_unit_id in units
    return False


def can_visit(user: Any, action: str, visit: m.Visit) -> bool:
    """Recording, cancelling and following up need ``visits.record``; on a 机密 visit also the
    right to read its notes (recording writes them)."""
    return has_capability(user, "visits.record") and can_read_notes(user, visit)


def register() -> None:
    access.register(m.Visit, scope=scope_visits, can=can_visit)
    access.register(
        m.KeyList, scope=_scope_plan, can=lambda u, a, o: has_capability(u, "visits.manage_members")
    )
    access.register(
        m.KeyListTier, scope=_scope_plan, can=lambda u, a, o: has_capability(u, "visits.manage_lists")
    )
    access.register(
        m.KeyListMember, scope=_scope_plan, can=lambda u, a, o: has_capability(u, "visits.manage_members")
    )
    access.register(
        m.LeaderAssignment, scope=_scope_plan, can=lambda u, a, o: has_capability(u, "visits.assign_leaders")
    )


def access_visit(user: Any, pk: Any, action: str = access.VIEW) -> m.Visit:
    qs = m.Visit.objects.select_related("enterprise", "organising_unit", "created_by").prefetch_related(
        "visitors"
    )
    return access.access_object(qs, user, pk, action)


def access_key_list(user: Any, pk: Any, action: str = access.VIEW) -> m.KeyList:
    return access.access_object(m.KeyList.objects.all(), user, pk, action)


def access_member(user: Any, pk: Any, action: str = access.VIEW) -> m.KeyListMember:
    qs = m.KeyListMember.objects.select_related("key_list", "enterprise", "tier")
    return access.access_object(qs, user, pk, action)
