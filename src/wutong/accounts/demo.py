"""The demo district's org chart and one or more users for every role but the administrator.

The administrator (``admin``) is made by ``wutong serve`` with a random password; the demo users
share :data:`~wutong.core.demo.DEMO_PASSWORD`, which the command prints. Users are upserted by
username (usernames are fixed; display names depend on the seed), so this builder is idempotent
and a ``--reset`` keeps audit history pointing at the same accounts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from wutong.accounts.choices import OrgUnitKind, Role
from wutong.core.demo import DEMO_EMAIL_DOMAIN, DemoContext, register_builder
from wutong.core.demo_data import mobile_phone, person_name

#: (key, name, short name, kind, parent key). Names use the bureau's own style (区…局).
UNITS: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("bureau", "", "科创局", OrgUnitKind.BUREAU, None),  # name from settings.WUTONG_BUREAU_NAME
    ("cy", "产业发展科（招商科）", "产业/招商科", OrgUnitKind.SECTION, "bureau"),
    ("kj", "科技创新科（国高办）", "科技/国高科", OrgUnitKind.SECTION, "bureau"),
    ("zscq", "知识产权科", "知识产权科", OrgUnitKind.SECTION, "bureau"),
    ("rc", "人才工作科", "人才科", OrgUnitKind.SECTION, "bureau"),
    ("kp", "科学普及科（区科协办公室）", "科普/科协科", OrgUnitKind.SECTION, "bureau"),
    ("qf", "企业服务科", "企业服务科", OrgUnitKind.SECTION, "bureau"),
    ("district", "区领导", "区领导", OrgUnitKind.DISTRICT, None),
    ("zhujian", "区住房和建设局", "住建局", OrgUnitKind.PARTNER_DEPARTMENT, None),
    ("renshe", "区人力资源局", "人社局", OrgUnitKind.PARTNER_DEPARTMENT, None),
    ("guizi", "区规划和自然资源局", "规自局", OrgUnitKind.PARTNER_DEPARTMENT, None),
    ("shuiwu", "区税务局", "税务局", OrgUnitKind.PARTNER_DEPARTMENT, None),
    ("jinrong", "区金融工作局", "金融局", OrgUnitKind.PARTNER_DEPARTMENT, None),
    ("agency1", "深圳市梧桐创新科技咨询有限公司", "梧桐咨询", OrgUnitKind.AGENCY, None),
    ("agency2", "深圳市凤凰知识产权服务有限公司", "凤凰知产", OrgUnitKind.AGENCY, None),
    ("experts", "区科技专家库", "专家库", OrgUnitKind.EXPERT_POOL, None),
)

EXPERT_TITLES = (
    "教授",
    "研究员",
    "高级工程师",
    "正高级会计师",
    "副教授",
    "高级工程师",
    "专利代理师",
    "研究员",
)
#: (username, role, unit key, title).
USERS: tuple[tuple[str, str, str, str], ...] = (
    ("juzhang", Role.BUREAU_LEADER, "bureau", "局长"),
    ("fujuzhang1", Role.BUREAU_LEADER, "bureau", "副局长"),
    ("fujuzhang2", Role.BUREAU_LEADER, "bureau", "副局长"),
    *(
        row
        for code, n in (("cy", 3), ("kj", 3), ("zscq", 2), ("rc", 2), ("kp", 2), ("qf", 3))
        for row in (
            (f"{code}_head", Role.SECTION_HEAD, code, "科长"),
            *((f"{code}{i:02d}", Role.STAFF, code, "科员") for i in range(1, n + 1)),
        )
    ),
    ("quzhang", Role.DISTRICT_LEADER, "district", "区长"),
    ("fuquzhang1", Role.DISTRICT_LEADER, "district", "常务副区长"),
    ("fuquzhang2", Role.DISTRICT_LEADER, "district", "副区长"),
    *(
        (f"{code}{i}", Role.PARTNER, code, "经办人")
        for code in ("zhujian", "renshe", "guizi", "shuiwu", "jinrong")
        for i in (1, 2)
    ),
    *((f"expert{i:02d}", Role.REVIEWER, "experts", title) for i, title in enumerate(EXPERT_TITLES, start=1)),
    ("agency1_1", Role.AGENCY, "agency1", "项目经理"),
    ("agency1_2", Role.AGENCY, "agency1", "咨询顾问"),
    ("agency2_1", Role.AGENCY, "agency2", "专利代理师"),
)  # fmt: skip

#: How many enterprise contacts get a login (each with an org unit linked to the firm by USCC).
ENTERPRISE_LOGINS = 5


def _upsert_units(ctx: DemoContext) -> None:
    from wutong.accounts.models import OrgUnit

    for key, name, short, kind, parent in UNITS:
        name = name or settings.WUTONG_BUREAU_NAME
        unit, _ = OrgUnit.objects.update_or_create(
            kind=kind,
            name=name,
            defaults={
                "short_name": short,
                "parent": ctx.units.get(parent) if parent else None,
                "is_active": True,
            },
        )
        ctx.units[key] = unit


def _upsert_user(
    ctx: DemoContext,
    password_hash: str,
    username: str,
    role: str,
    unit: Any,
    title: str,
    display: str,
    phone: str,
) -> Any:
    from wutong.accounts.models import User

    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "display_name": display,
            "role": role,
            "org_unit": unit,
            "title": title,
            "phone": phone,
            "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
            "password": password_hash,
            "password_changed_at": ctx.now,
            "is_active": True,
            "is_staff": False,
            "is_superuser": False,
            "failed_login_count": 0,
            "locked_until": None,
        },
    )
    ctx.users.setdefault(role, []).append(user)
    return user


def _password_hash(ctx: DemoContext) -> str:
    # Hashing is deliberately slow (PBKDF2); the demo users share one password, so hash it once.
    if "password_hash" not in ctx.extra:
        ctx.extra["password_hash"] = make_password(ctx.password)
    return str(ctx.extra["password_hash"])


def build_org_and_users(ctx: DemoContext) -> None:
    """Bureau, sections, partner departments, agencies, expert pool, district leaders; their users."""
    rng = ctx.rng("accounts")
    password_hash = _password_hash(ctx)
    with transaction.atomic():
        _upsert_units(ctx)
        for username, role, unit_key, title in USERS:
            _upsert_user(
                ctx,
                password_hash,
                username,
                role,
                ctx.units[unit_key],
                title,
                person_name(rng),
                mobile_phone(rng),
            )
    ctx.log(f"组织与用户: {len(UNITS)} 个单位, {len(USERS)} 个用户 (统一密码 {ctx.password})")


def build_enterprise_logins(ctx: DemoContext) -> None:
    """A few demo enterprises get an org unit (linked by USCC) and a contact who can log in.

    Picks the first tech firms with annual reports, so the portal has something to show.
    """
    from wutong.accounts.models import OrgUnit
    from wutong.core.choices import SourceKind
    from wutong.enterprises.choices import EnterpriseStatus
    from wutong.enterprises.identity import normalize_name
    from wutong.enterprises.models import Enterprise

    rng = ctx.rng("accounts.enterprise")
    password_hash = _password_hash(ctx)
    firms = list(
        Enterprise.objects.filter(
            source=SourceKind.DEMO, status=EnterpriseStatus.ACTIVE, latest_year__isnull=False
        )
        .exclude(high_tech_field="")
        .order_by("pk")
        .values_list("name", "uscc")[:ENTERPRISE_LOGINS]
    )
    from wutong.accounts.models import User

    usernames = [f"ent{i:02d}" for i in range(1, ENTERPRISE_LOGINS + 1)]
    with transaction.atomic():
        # Units of an earlier demo's firms (their users move to the new firms below).
        earlier = set(
            User.objects.filter(username__in=usernames, org_unit__kind=OrgUnitKind.ENTERPRISE).values_list(
                "org_unit_id", flat=True
            )
        )
        for username, (name, uscc) in zip(usernames, firms, strict=False):
            unit, _ = OrgUnit.objects.update_or_create(
                kind=OrgUnitKind.ENTERPRISE,
                uscc=uscc,
                defaults={"name": name, "short_name": normalize_name(name)[:30]},
            )
            ctx.units[username] = unit
            _upsert_user(
                ctx,
                password_hash,
                username,
                Role.ENTERPRISE,
                unit,
                "企业联络人",
                person_name(rng),
                mobile_phone(rng),
            )
        OrgUnit.objects.filter(pk__in=earlier, users__isnull=True).delete()
    ctx.log(f"企业联络人: {len(firms)} 个")


register_builder("accounts.org", build_org_and_users, order=10)
register_builder("accounts.enterprise_logins", build_enterprise_logins, order=30)
