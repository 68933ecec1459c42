"""Who sees which demands.

* bureau staff, section heads, leaders, admins: every demand;
* a partner department's handler: only demands routed to their department (an assignment of
  their unit, current or ended, so a department still sees what it returned or handed over);
* an enterprise contact: only their enterprise's demands, and only the public comments;
* anyone else: nothing.

Comments, assignments and events follow their demand. What a user may *do* to a demand is
decided by :func:`wutong.demands.rules.decide` (state + role + lead department).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from wutong.accounts.choices import Role
from wutong.accounts.roles import INTERNAL_ROLES, has_capability, role_of
from wutong.core import access
from wutong.demands import models as m


def demand_filter(user: Any, prefix: str = "") -> Q | None:
    """A Q over demands (``prefix`` = path to the demand) the user may see; None = all."""
    role = role_of(user)
    if role in INTERNAL_ROLES:
        return None
    unit_id = getattr(user, "org_unit_id", None)
    if role == Role.PARTNER and unit_id:
        ids = m.DemandAssignment.objects.filter(department_id=unit_id).values("demand_id")
        return Q(**{f"{prefix}pk__in": ids})
    if role == Role.ENTERPRISE and unit_id and user.org_unit.uscc:
        return Q(**{f"{prefix}enterprise__uscc": user.org_unit.uscc})
    return Q(pk__in=[])


def scope_demands(qs: QuerySet[m.Demand], user: Any) -> QuerySet[m.Demand]:
    if not has_capability(user, "demands.view"):
        return qs.none()
    condition = demand_filter(user)
    return qs if condition is None else qs.filter(condition)


def _scope_related(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    if not has_capability(user, "demands.view"):
        return qs.none()
    condition = demand_filter(user, prefix="demand__")
    return qs if condition is None else qs.filter(condition)


def scope_comments(qs: QuerySet[m.DemandComment], user: Any) -> QuerySet[m.DemandComment]:
    qs = _scope_related(qs, user)
    if role_of(user) == Role.ENTERPRISE:
        qs = qs.filter(is_public=True)
    return qs


def can_demand(user: Any, action: str, obj: m.Demand) -> bool:
    from wutong.demands import rules, services

    return bool(rules.decide(action, services.facts_for(obj, user)))


def register() -> None:
    access.register(m.Demand, scope=scope_demands, can=can_demand)
    access.register(m.DemandAssignment, scope=_scope_related)
    access.register(m.DemandComment, scope=scope_comments)
    access.register(
        m.DemandCategory,
        scope=lambda qs, user: qs if has_capability(user, "demands.view") else qs.none(),
        can=lambda user, action, obj: has_capability(user, "demands.manage_categories"),
    )
    access.register(
        m.DemandGroup,
        scope=lambda qs, user: qs if role_of(user) in INTERNAL_ROLES else qs.none(),
        can=lambda user, action, obj: has_capability(user, "demands.manage_groups"),
    )
    access.register(
        m.ApiKey,
        scope=lambda qs, user: qs if has_capability(user, "demands.manage_api_keys") else qs.none(),
        can=lambda user, action, obj: has_capability(user, "demands.manage_api_keys"),
    )


def access_demand(user: Any, pk: Any, action: str = access.VIEW) -> m.Demand:
    qs = m.Demand.objects.select_related("enterprise", "category", "lead_department", "merged_into")
    return access.access_object(qs, user, pk, action)


def access_group(user: Any, pk: Any, action: str = access.VIEW) -> m.DemandGroup:
    return access.access_object(m.DemandGroup.objects.select_related("category", "owner"), user, pk, action)


def access_category(user: Any, pk: Any, action: str = access.VIEW) -> m.DemandCategory:
    return access.access_object(m.DemandCategory.objects.all(), user, pk, action)


def access_api_key(user: Any, pk: Any, action: str = access.VIEW) -> m.ApiKey:
    return access.access_object(m.ApiKey.objects.select_related("org_unit"), user, pk, action)
