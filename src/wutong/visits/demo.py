"""The demo district's 走访 ledger: three key lists, district leaders' 挂点 enterprises and a year of visits.

For the default 20,000 enterprises: 重点企业名单 149 firms, 区领导挂点企业 30, 重点科技企业 360 (the
seeds' numbers), each tiered A/B/C (visit every 30/90/180 days); about 1,500 visits over the year
before the as-of date, about 5 % planned in the next month and 3 % cancelled. Every member's latest
visit falls within its cadence except for about one in six, which has fallen behind (so the
coverage page has overdue firms); earlier visits follow the cadence back as far as the budget
goes. Other sizes scale the lists and the visits with the number of enterprises.

Visits are written with explicit ids through :meth:`DemoContext.insert` (COPY on PostgreSQL), the
visitors through the M2M table the same way. Every draw comes from ``ctx.rng("visits")``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.db.models import Max

from wutong.accounts.choices import Role
from wutong.core.choices import SourceKind
from wutong.core.demo import DEMO_EMAIL_DOMAIN, DemoContext, register_builder, reset_sequences
from wutong.visits.choices import Confidentiality, VisitStatus, VisitType

LISTS = (
    # name, description, size at 20,000 firms, double-visit window, tier shares (A, B)
    ("重点企业名单", "梳理的重点企业149家，建立一企一档", 149, None, (0.2, 0.4)),
    ("区领导挂点企业", "区领导走访挂点服务企业", 30, 30, (0.5, 0.5)),
    ("重点科技企业", "走访服务重点科技企业360家", 360, 21, (0.15, 0.35)),
)
TIERS = (("A", "A类", 30), ("B", "B类", 90), ("C", "C类", 180))
VISITS_PER_20K = 1_500
#: (type, weight, purposes)
TYPES = (
    (VisitType.ROUTINE, 30, ("了解企业经营情况", "季度走访对接服务", "收集企业诉求")),
    (VisitType.GAOXIN, 18, ("国高申报辅导", "研发费用归集辅导", "高企复审政策解读")),
    (VisitType.POLICY, 14, ("产业扶持政策宣讲", "科技创新专项资金申报辅导", "科技金融政策宣讲")),
    (VisitType.INVESTMENT, 10, ("增资扩产项目对接", "招商引资项目洽谈")),
    (VisitType.RETENTION, 10, ("稳商留企走访", "了解企业用房续租安排", "了解企业外迁意向")),
    (VisitType.OTHER, 4, ("人才住房需求调研", "知识产权保护座谈")),
)
NOTES = (
    "企业经营总体平稳，今年营业收入预计增长约{g}%，研发投入持续增加。",
    "企业反映办公用房租约将于明年到期，希望协助对接园区空间。",
    "企业计划申报国家高新技术企业，知识产权数量基本满足，研发费用归集尚需规范。",
    "企业订单充足，拟扩大产能，反映招工难、人才住房需求较大。",
    "企业融资需求约{m}万元，希望对接科技金融产品。",
    "企业对区产业政策了解不够，现场讲解了研发投入补贴申报条件。",
)
NEXT_STEPS = (
    "联系区住房和建设局了解人才住房配租安排。",
    "组织财务人员参加研发费用归集专题辅导。",
    "推送科技金融产品清单，跟进融资对接。",
    "对接产业园区，提供可选空间清单。",
    "下季度回访，跟进高企申报进度。",
    "",
)


def _demo_users(ctx: DemoContext, role: str) -> list[Any]:
    users = list(ctx.users.get(role, []))
    if not users:
        from wutong.accounts.models import User

        users = list(User.objects.filter(role=role, email__endswith=DEMO_EMAIL_DOMAIN).order_by("username"))
    return users


def _enterprise_pool(ctx: DemoContext) -> list[tuple[int, bool, bool, bool]]:
    """(id, 重点企业 tag, 区领导挂点 tag, holds 国高) for every demo firm, by revenue, largest first."""
    from wutong.enterprises.choices import QualificationKind
    from wutong.enterprises.models import Enterprise, QualificationHolding

    demo = Enterprise.objects.filter(source=SourceKind.DEMO)
    tagged = {
        name: set(demo.filter(tags__name=name).values_list("pk", flat=True))
        for name in ("重点企业", "区领导挂点")
    }
    gaoxin = set(
        QualificationHolding.objects.filter(
            enterprise__source=SourceKind.DEMO, kind=QualificationKind.GAOXIN
        ).values_list("enterprise_id", flat=True)
    )
    ids = demo.order_by("-latest_revenue", "pk").values_list("pk", flat=True)
    return [(pk, pk in tagged["重点企业"], pk in tagged["区领导挂点"], pk in gaoxin) for pk in ids]


def _pick(rng: random.Random, pool: list[int], preferred: list[int], size: int) -> list[int]:
    chosen = preferred[:size]
    rest = [pk for pk in pool if pk not in set(chosen)]
    chosen += rng.sample(rest, min(len(rest), size - len(chosen)))
    return chosen


def build_visits(ctx: DemoContext) -> None:
    from wutong.visits.models import KeyList, KeyListMember, KeyListTier, LeaderAssignment, Visit

    rng = ctx.rng("visits")
    pool = _enterprise_pool(ctx)
    if not pool:
        ctx.log("走访: 没有演示企业，跳过")
        return
    ids = [row[0] for row in pool]
    scale = ctx.enterprises / 20_000
    staff = _demo_users(ctx, Role.STAFF) + _demo_users(ctx, Role.SECTION_HEAD)
    district = _demo_users(ctx, Role.DISTRICT_LEADER)
    bureau = _demo_users(ctx, Role.BUREAU_LEADER)
    if not staff:
        ctx.log("走访: 没有演示工作人员，跳过")
        return
    by_unit: dict[int, list[Any]] = {}
    for user in staff:
        by_unit.setdefault(user.org_unit_id, []).append(user)
    units = sorted(by_unit)
    contacts = [u for u in staff if u.role == Role.STAFF] or staff
    leaders = district or bureau
    as_of = ctx.as_of
    year_start = as_of - dt.timedelta(days=365)

    members: dict[int, tuple[int, int]] = {}  # enterprise id -> (cadence, list index) of its tightest list
    leader_firms: list[int] = []
    with transaction.atomic():
        for index, (name, description, size20k, window, (share_a, share_b)) in enumerate(LISTS):
            size = min(len(ids), max(5, round(size20k * scale)))
            if index == 0:
                preferred = [pk for pk, key, _l, _g in pool if key]
            elif index == 1:
                preferred = [pk for pk, _k, lead, _g in pool if lead]
            else:
                preferred = [pk for pk, _k, _l, gx in pool if gx]
            chosen = _pick(rng, ids, preferred, size)
            key_list = KeyList.objects.create(name=name, description=description, double_visit_days=window)
            tiers = KeyListTier.objects.bulk_create(
                KeyListTier(key_list=key_list, code=code, name=label, cadence_days=days, order=i)
                for i, (code, label, days) in enumerate(TIERS)
            )
            rows = []
            for rank, pk in enumerate(chosen):
                share = rank / max(len(chosen), 1)
                tier = tiers[0] if share < share_a else tiers[1] if share < share_a + share_b else tiers[2]
                added = (
                    year_start - dt.timedelta(days=rng.randint(0, 400))
                    if rng.random() < 0.85
                    else (as_of - dt.timedelta(days=rng.randint(5, 300)))
                )
                rows.append(KeyListMember(key_list=key_list, enterprise_id=pk, tier=tier, added_on=added))
                cadence = tier.cadence_days
                if pk not in members or cadence < members[pk][0]:
                    members[pk] = (cadence, index)
            KeyListMember.objects.bulk_create(rows)
            if index == 1:
                leader_firms = chosen
        if leaders:
            LeaderAssignment.objects.bulk_create(
                LeaderAssignment(
                    enterprise_id=pk,
                    leader=leaders[i % len(leaders)],
                    contact_staff=contacts[rng.randrange(len(contacts))],
                    since=dt.date(as_of.year, 1, 1) - dt.timedelta(days=rng.randint(0, 200)),
                )
                for i, pk in enumerate(leader_firms)
            )
    leader_of = {pk: leaders[i % len(leaders)] for i, pk in enumerate(leader_firms)} if leaders else {}

    # --- visits: members roughly on cadence (one in six falls behind), then the rest at random
    target = max(10, round(VISITS_PER_20K * scale))
    plans: list[tuple[int, dt.date]] = []
    # each member's latest visit: within its cadence, or (one in six) fallen behind
    latest: dict[int, dt.date] = {}
    ordered = sorted(members)
    behind = set(rng.sample(ordered, max(1, round(len(ordered) / 6))))
    for pk in ordered:
        cadence = members[pk][0]
        if pk in behind:
            day = as_of - dt.timedelta(days=cadence + rng.randint(3, 60))
        else:
            day = as_of - dt.timedelta(days=rng.randint(0, cadence - 1))
        if day >= year_start:
            latest[pk] = day
            plans.append((pk, day))
    # then earlier visits on roughly the same cadence, round-robin, while the budget lasts
    budget = int(target * 0.8)
    frontier = dict(latest)
    while len(plans) < budget and frontier:
        for pk in rng.sample(sorted(frontier), len(frontier)):
            cadence = members[pk][0]
            day = frontier[pk] - dt.timedelta(days=max(7, int(cadence * rng.uniform(0.7, 1.0))))
            if day < year_start:
                del frontier[pk]
                continue
            frontier[pk] = day
            plans.append((pk, day))
            if len(plans) >= budget:
                break
    while len(plans) < target:
        plans.append((rng.choice(ids), year_start + dt.timedelta(days=rng.randint(0, 365))))
    # about 5 % planned in the coming month
    for _ in range(max(1, round(target * 0.05))):
        plans.append((rng.choice(list(members) or ids), as_of + dt.timedelta(days=rng.randint(1, 30))))

    first_id = (Visit.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    visit_rows: list[tuple[Any, ...]] = []
    visitor_rows: list[tuple[int, int]] = []
    types = [t for t, w, _p in TYPES for _ in range(w)]
    purposes = {t: p for t, _w, p in TYPES}
    for offset, (pk, day) in enumerate(sorted(plans, key=lambda p: (p[1], p[0]))):
        vid = first_id + offset
        unit = units[rng.randrange(len(units))]
        people = rng.sample(by_unit[unit], min(len(by_unit[unit]), rng.choice((1, 2, 2, 3))))
        visit_type = VisitType.LEADER if pk in leader_of and rng.random() < 0.5 else rng.choice(types)
        if visit_type == VisitType.LEADER:
            people.append(leader_of[pk])
        if day > as_of:
            status = VisitStatus.PLANNED
        elif rng.random() < 0.03:
            status = VisitStatus.CANCELLED
        else:
            status = VisitStatus.DONE
        done = status == VisitStatus.DONE
        purpose = rng.choice(purposes.get(visit_type, ("挂点服务走访", "区领导挂点走访，听取企业诉求")))
        notes = rng.choice(NOTES).format(g=rng.randint(3, 30), m=rng.randint(3, 50) * 100) if done else ""
        steps = rng.choice(NEXT_STEPS) if done else ""
        secrecy = (
            Confidentiality.SECRET
            if visit_type == VisitType.RETENTION and rng.random() < 0.3
            else Confidentiality.INTERNAL
            if rng.random() < 0.1
            else Confidentiality.NORMAL
        )
        visit_rows.append(
            (
                vid, ctx.db_now, ctx.db_now, pk, day, status, visit_type, unit, purpose, notes, steps,
                secrecy, "企业负责人临时出差，改期" if status == VisitStatus.CANCELLED else "",
                people[0].pk, ctx.db_now if done else None,
            )
        )  # fmt: skip
        visitor_rows.extend((vid, user.pk) for user in {u.pk: u for u in people}.values())
    columns = [
        "id", "created_at", "updated_at", "enterprise_id", "visit_date", "status", "visit_type",
        "organising_unit_id", "purpose", "notes", "next_steps", "confidentiality", "cancel_reason",
        "created_by_id", "recorded_at",
    ]  # fmt: skip
    with transaction.atomic():
        for start in range(0, len(visit_rows), ctx.chunk_size):
            ctx.insert(Visit, columns, visit_rows[start : start + ctx.chunk_size])
        through = Visit.visitors.through
        for start in range(0, len(visitor_rows), ctx.chunk_size):
            ctx.insert(through, ["visit_id", "user_id"], visitor_rows[start : start + ctx.chunk_size])
    reset_sequences(Visit)
    ctx.log(
        f"走访: 名单 {len(LISTS)} 个、名单企业 {len(members):,} 家、挂点 {len(leader_firms)} 家、"
        f"走访 {len(visit_rows):,} 次"
    )


def demo_visits_exist(ctx: DemoContext) -> bool:
    from wutong.visits.models import KeyList

    return KeyList.objects.filter(name__in=[name for name, *_rest in LISTS]).exists()


def reset_visits(ctx: DemoContext) -> None:
    """Remove the demo lists, 挂点 assignments and the visits to demo firms."""
    from wutong.visits.models import KeyList, KeyListMember, LeaderAssignment, Visit

    with transaction.atomic():
        lists = KeyList.objects.filter(name__in=[name for name, *_rest in LISTS])
        KeyListMember.objects.filter(key_list__in=lists).delete()  # members first: tiers are PROTECTed
        lists.delete()
        LeaderAssignment.objects.filter(enterprise__source=SourceKind.DEMO).delete()
    demo = Visit.objects.filter(enterprise__source=SourceKind.DEMO).order_by("pk")
    while batch := list(demo.values_list("pk", flat=True)[:2_000]):
        with transaction.atomic():
            Visit.objects.filter(pk__in=batch).delete()


# After the enterprises (20) and the enterprise logins (30); before demands (300), which may point at visits.
register_builder("visits", build_visits, order=250, exists=demo_visits_exist, reset=reset_visits)
