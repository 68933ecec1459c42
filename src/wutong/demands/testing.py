"""Factories for demands in each state (``routed_demand`` …), used by the tests and the browser
journey. They go through the services, so a factory's demand is one the rules allow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from wutong.accounts.choices import OrgUnitKind
from wutong.accounts.models import OrgUnit
from wutong.demands import services
from wutong.demands.models import Demand, DemandCategory
from wutong.enterprises.models import Enterprise

USCC_OWN = "91440300MA5F000001"  # the personas' enterprise_user's firm
USCC_OTHER = "91440300MA5F000002"


def category(
    code: str = "housing", *, reply_days: int = 5, department: OrgUnit | None = None
) -> DemandCategory:
    """The category from the data migration (re-created when a transactional test flushed it)."""
    names = {
        "housing": "人才住房",
        "finance": "融资",
        "space": "产业空间/用房",
        "other": "其他",
        "ip": "知识产权",
    }
    cat, _ = DemandCategory.objects.get_or_create(
        code=code, defaults={"name": names.get(code, code), "reply_days": reply_days, "accept_days": 1}
    )
    changed = False
    if cat.reply_days != reply_days:
        cat.reply_days = reply_days
        changed = True
    if department is not None and cat.default_department_id != department.pk:
        cat.default_department = department
        changed = True
    if changed:
        cat.save()
    return cat


def enterprise(uscc: str = USCC_OWN, name: str = "深圳市梧桐示范科技有限公司") -> Enterprise:
    firm, _ = Enterprise.objects.get_or_create(
        uscc=uscc, defaults={"name": name, "operating_address": "深圳市罗湖区桂园街道深南东路5016号"}
    )
    return firm


def other_department(name: str = "区金融工作局") -> OrgUnit:
    unit, _ = OrgUnit.objects.get_or_create(kind=OrgUnitKind.PARTNER_DEPARTMENT, name=name)
    return unit


def submitted_demand(
    actor: Any, *, at: dt.datetime | None = None, firm: Enterprise | None = None, **kw: Any
) -> Demand:
    return services.submit_demand(
        enterprise=firm or enterprise(),
        category=kw.pop("cat", None) or category(),
        content=kw.pop("content", "人才住房配租申请已提交三个月，希望了解审核进度"),
        actor=actor,
        submitted_at=at or timezone.now(),
        **kw,
    )


def routed_demand(staff: Any, lead: OrgUnit, *, assisting: list[OrgUnit] | None = None, **kw: Any) -> Demand:
    demand = submitted_demand(staff, **kw)
    services.accept_demand(demand, actor=staff)
    return services.route_demand(demand, lead_department=lead, assisting_departments=assisting, actor=staff)


def replied_demand(staff: Any, lead: OrgUnit, handler: Any, **kw: Any) -> Demand:
    demand = routed_demand(staff, lead, **kw)
    return services.reply_demand(demand, reply="已协调住建局加快审核，预计本月底前完成配租。", actor=handler)
