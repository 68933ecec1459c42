"""Who sees which enterprises: the bureau sees the registry; an enterprise user only their own
file; an agency only the enterprises assigned to it (assignment arrives with the cultivation pools).
Related records (annual reports, IP, contacts …) follow their enterprise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from wutong.accounts.choices import Role
from wutong.accounts.roles import INTERNAL_ROLES, has_capability, role_of
from wutong.core import access
from wutong.enterprises import models as m

# Later apps add the enterprises an agency coaches: callables (user) -> Q over Enterprise.
agency_scopes: list[Callable[[Any], Q]] = []


def enterprise_filter(user: Any, prefix: str = "") -> Q | None:
    """A Q over enterprises (``prefix`` = path to the enterprise) the user may see; None = all."""
    role = role_of(user)
    if role in INTERNAL_ROLES:
        return None
    if role == Role.ENTERPRISE and user.org_unit_id and user.org_unit.uscc:
        return Q(**{f"{prefix}uscc": user.org_unit.uscc})
    if role == Role.AGENCY and agency_scopes:
        combined = Q(pk__in=[])
        for scope_fn in agency_scopes:
            combined |= scope_fn(user)
        ids = m.Enterprise.objects.filter(combined).values("pk")
        return Q(**{f"{prefix}pk__in": ids})
    return Q(pk__in=[])


def scope_enterprises(qs: QuerySet[m.Enterprise], user: Any) -> QuerySet[m.Enterprise]:
    condition = enterprise_filter(user)
    return qs if condition is None else qs.filter(condition)


def _scope_related(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    condition = enterprise_filter(user, prefix="enterprise__")
    return qs if condition is None else qs.filter(condition)


def can_change(user: Any, action: str, obj: Any) -> bool:
    if action == "merge":
        return has_capability(user, "enterprises.merge")
    return has_capability(user, "enterprises.change")


RELATED_MODELS = (
    m.AnnualReport,
    m.IPAsset,
    m.QualificationHolding,
    m.Lease,
    m.SupportReceived,
    m.Relation,
    m.TalentHousing,
    m.Contact,
    m.FormerName,
)


def register() -> None:
    access.register(m.Enterprise, scope=scope_enterprises, can=can_change)
    for model in RELATED_MODELS:
        access.register(model, scope=_scope_related, can=can_change)
    access.register(
        m.DuplicateCandidate,
        scope=lambda qs, user: qs if role_of(user) in INTERNAL_ROLES else qs.none(),
        can=lambda user, action, obj: has_capability(user, "enterprises.merge"),
    )
    access.register(
        m.Tag, scope=lambda qs, user: qs, can=lambda u, a, o: has_capability(u, "enterprises.change")
    )


def access_enterprise(user: Any, pk: Any, action: str = access.VIEW) -> m.Enterprise:
    return access.access_object(m.Enterprise.objects.all(), user, pk, action)
