"""Who sees and touches 招商 records: every internal role sees all of them; only the 产业/招商
section manages them (:func:`wutong.investment.permissions.can_manage`); external roles see nothing."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from wutong.accounts.roles import has_capability
from wutong.core import access
from wutong.investment import models as m
from wutong.investment.permissions import can_manage

MODELS = (
    m.Chain,
    m.ChainSegment,
    m.TargetList,
    m.Target,
    m.TargetContact,
    m.Announcement,
    m.Lead,
    m.Project,
    m.ProjectStageChange,
    m.Activity,
    m.PlanTarget,
    m.ChainLink,
    m.Space,
)


def scope_investment(qs: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return qs if has_capability(user, "investment.view") else qs.none()


def can_investment(user: Any, action: str, obj: Any) -> bool:
    return can_manage(user)


def register() -> None:
    for model in MODELS:
        access.register(model, scope=scope_investment, can=can_investment)


def access_target(user: Any, pk: Any, action: str = access.VIEW) -> m.Target:
    return access.access_object(
        m.Target.objects.select_related("industry", "segment", "owner"), user, pk, action
    )


def access_project(user: Any, pk: Any, action: str = access.VIEW) -> m.Project:
    qs = m.Project.objects.select_related(
        "target", "industry", "segment__chain", "owner", "enterprise", "lead"
    )
    return access.access_object(qs, user, pk, action)


def access_target_list(user: Any, pk: Any, action: str = access.VIEW) -> m.TargetList:
    return access.access_object(m.TargetList.objects.select_related("owner"), user, pk, action)


def access_lead(user: Any, pk: Any, action: str = access.VIEW) -> m.Lead:
    return access.access_object(m.Lead.objects.select_related("announcement"), user, pk, action)


def access_chain(user: Any, pk: Any, action: str = access.VIEW) -> m.Chain:
    return access.access_object(m.Chain.objects.all(), user, pk, action)


def access_space(user: Any, pk: Any, action: str = access.VIEW) -> m.Space:
    return access.access_object(m.Space.objects.select_related("park"), user, pk, action)
