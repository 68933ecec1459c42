"""One user per role, in one small org chart, for permission tests.

* ``alice`` — 科员 in the 科技/国高 section; ``bob`` — her section head; ``carol`` — 科员 in 产业/招商
* ``leader`` — 局领导; ``district`` — 区领导; ``admin_user`` — 系统管理员
* ``partner`` — handler at 区住建局; ``reviewer``; ``agency`` user; ``enterprise_user``
"""

from __future__ import annotations

import pytest

from wutong.accounts.choices import OrgUnitKind, Role
from wutong.accounts.models import OrgUnit, User

PASSWORD = "Wutong-Test-2026!"


def make_user(username: str, role: str, unit: OrgUnit | None, **extra: object) -> User:
    user = User(
        username=username, display_name=extra.pop("display_name", username), role=role, org_unit=unit, **extra
    )
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def org(db):  # type: ignore[no-untyped-def]
    bureau = OrgUnit.objects.create(name="区科技创新局", kind=OrgUnitKind.BUREAU)
    return {
        "bureau": bureau,
        "tech": OrgUnit.objects.create(name="科技科", kind=OrgUnitKind.SECTION, parent=bureau),
        "industry": OrgUnit.objects.create(name="产业科", kind=OrgUnitKind.SECTION, parent=bureau),
        "partner": OrgUnit.objects.create(name="区住房和建设局", kind=OrgUnitKind.PARTNER_DEPARTMENT),
        "agency": OrgUnit.objects.create(name="深圳某科技咨询有限公司", kind=OrgUnitKind.AGENCY),
        "enterprise": OrgUnit.objects.create(
            name="深圳市梧桐示范科技有限公司", kind=OrgUnitKind.ENTERPRISE, uscc="91440300MA5F000001"
        ),
        "district": OrgUnit.objects.create(name="区领导", kind=OrgUnitKind.DISTRICT),
        "experts": OrgUnit.objects.create(name="评审专家库", kind=OrgUnitKind.EXPERT_POOL),
    }


@pytest.fixture
def alice(org):  # type: ignore[no-untyped-def]
    return make_user("alice", Role.STAFF, org["tech"], display_name="李文")


@pytest.fixture
def bob(org):  # type: ignore[no-untyped-def]
    return make_user("bob", Role.SECTION_HEAD, org["tech"], display_name="王强")


@pytest.fixture
def carol(org):  # type: ignore[no-untyped-def]
    return make_user("carol", Role.STAFF, org["industry"], display_name="陈静")


@pytest.fixture
def leader(org):  # type: ignore[no-untyped-def]
    return make_user("leader", Role.BUREAU_LEADER, org["bureau"], display_name="张局")


@pytest.fixture
def district_leader(org):  # type: ignore[no-untyped-def]
    return make_user("district", Role.DISTRICT_LEADER, org["district"], display_name="刘区长")


@pytest.fixture
def admin_user(org):  # type: ignore[no-untyped-def]
    return make_user("root", Role.ADMIN, org["bureau"], display_name="管理员")


@pytest.fixture
def partner(org):  # type: ignore[no-untyped-def]
    return make_user("partner", Role.PARTNER, org["partner"], display_name="赵经办")


@pytest.fixture
def reviewer(org):  # type: ignore[no-untyped-def]
    return make_user("reviewer", Role.REVIEWER, org["experts"], display_name="孙专家")


@pytest.fixture
def agency_user(org):  # type: ignore[no-untyped-def]
    return make_user("agency", Role.AGENCY, org["agency"], display_name="周顾问")


@pytest.fixture
def enterprise_user(org):  # type: ignore[no-untyped-def]
    return make_user("ent", Role.ENTERPRISE, org["enterprise"], display_name="吴联络")


@pytest.fixture
def everyone(
    alice, bob, carol, leader, district_leader, admin_user, partner, reviewer, agency_user, enterprise_user
):  # type: ignore[no-untyped-def]
    return {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "leader": leader,
        "district": district_leader,
        "admin": admin_user,
        "partner": partner,
        "reviewer": reviewer,
        "agency": agency_user,
        "enterprise": enterprise_user,
    }
