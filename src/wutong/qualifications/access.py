"""Who sees which screening results, pools and pool members.

* bureau (internal roles): everything;
* an agency (第三方机构): the pool members assigned to it, their pools (read-only) and — through
  ``wutong.enterprises.access.agency_scopes`` — the enterprise files of those members;
* everyone else (enterprise users, partners, reviewers): nothing of pools or screenings.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from wutong.accounts.choices import Role
from wutong.accounts.roles import EDITOR_ROLES, INTERNAL_ROLES, has_capability, role_of
from wutong.core import access
from wutong.enterprises import access as enterprise_access
from wutong.qualifications.models import CultivationPool, PoolMember, ScreeningResult


def _member_scope(qs: QuerySet[PoolMember], user: Any) -> QuerySet[PoolMember]:
    role = role_of(user)
    if role in INTERNAL_ROLES:
        return qs
    if role == Role.AGENCY and user.org_unit_id:
        return qs.filter(agency_id=user.org_unit_id)
    return qs.none()


def _pool_scope(qs: QuerySet[CultivationPool], user: Any) -> QuerySet[CultivationPool]:
    role = role_of(user)
    if role in INTERNAL_ROLES:
        return qs
    if role == Role.AGENCY and user.org_unit_id:
        return qs.filter(members__agency_id=user.org_unit_id).distinct()
    return qs.none()


def _result_scope(qs: QuerySet[ScreeningResult], user: Any) -> QuerySet[ScreeningResult]:
    return qs if role_of(user) in INTERNAL_ROLES else qs.none()


def _can_member(user: Any, action: str, obj: Any) -> bool:
    if action == "coach":
        return has_capability(user, "qualifications.coach")
    return role_of(user) in EDITOR_ROLES and has_capability(user, "qualifications.manage_pools")


def _can_pool(user: Any, action: str, obj: Any) -> bool:
    return role_of(user) in EDITOR_ROLES and has_capability(user, "qualifications.manage_pools")


def agency_enterprises(user: Any) -> Q:
    """The enterprises an agency coaches (appended to ``enterprises.access.agency_scopes``)."""
    if not getattr(user, "org_unit_id", None):
        return Q(pk__in=[])
    return Q(pk__in=PoolMember.objects.filter(agency_id=user.org_unit_id).values("enterprise_id"))


def register() -> None:
    access.register(PoolMember, scope=_member_scope, can=_can_member)
    access.register(CultivationPool, scope=_pool_scope, can=_can_pool)
    access.register(ScreeningResult, scope=_result_scope)
    if agency_enterprises not in enterprise_access.agency_scopes:
        enterprise_access.agency_scopes.append(agency_enterprises)


def access_pool(user: Any, pk: Any, action: str = access.VIEW) -> CultivationPool:
    return access.access_object(CultivationPool.objects.all(), user, pk, action)


def access_member(user: Any, pk: Any, action: str = access.VIEW) -> PoolMember:
    return access.access_object(
        PoolMember.objects.select_related("pool", "enterprise", "agency", "owner", "batch"), user, pk, action
    )
