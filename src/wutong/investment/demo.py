"""The demo district's 招商 work: chains with segments, the seeds' target lists (市外招商目标清单 139
家, 募投目标企业清单 25 家), fundraising announcements scored into leads, projects in every stage
with their stage history, a year of activities against the plan (市外招商活动 6 场, 精准上门招商 20
次, 对接重点企业 100 家), available space following the park-to-industry layout, and some chain
leaders' suppliers and customers.

Volumes are small (hundreds of rows), so the builder uses the ORM. Landed projects are linked to
demo enterprises of the registry (so promise vs actual reads their annual reports).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from wutong.accounts.choices import Role
from wutong.core.choices import SourceKind
from wutong.core.demo import DemoContext, register_builder
from wutong.investment.choices import (
    PIPELINE,
    ActivityKind,
    ChainLinkKind,
    ChainPosition,
    Channel,
    LostReason,
    PlanMetric,
    SpaceUse,
    Stage,
)

U, M, D = ChainPosition.UPSTREAM, ChainPosition.MIDSTREAM, ChainPosition.DOWNSTREAM

#: chain -> [(position, segment, industry codes, keywords)]
CHAINS: dict[str, list[tuple[str, str, str, str]]] = {
    "软件与信息服务": [
        (U, "基础软件与集成电路设计", "6511,6512,6520", "操作系统,数据库,芯片设计,EDA"),
        (M, "应用软件开发", "6513", "应用软件,SaaS,工业软件"),
        (M, "信息系统集成与运维", "6531,6540", "系统集成,运维"),
        (D, "数据处理与信息技术咨询", "6550,6560,6450", "数据中心,云计算,大数据,算力"),
        (D, "数字内容", "6572,6579", "游戏,动漫,数字内容"),
    ],
    "大健康": [
        (U, "原料药与生物药", "2710,2760", "原料药,生物药,疫苗"),
        (M, "化学药品制剂", "2720", "制剂,创新药"),
        (M, "医疗器械", "3581,3586,3589", "医疗器械,影像,监护,体外诊断"),
        (D, "医学研究与试验", "7340", "临床,CRO,医学研究"),
    ],
    "新材料": [
        (U, "化工新材料", "2651,2669", "树脂,高分子"),
        (M, "碳材料与电子材料", "3091,3985", "石墨烯,碳纤维,电子材料,靶材"),
        (D, "材料研发与检测", "7320", "材料研发,中试"),
    ],
    "区块链": [
        (U, "底层平台", "6511", "区块链底层,共识,联盟链"),
        (M, "区块链应用服务", "6431,6434", "区块链,数字身份,存证"),
        (D, "金融科技应用", "6450", "供应链金融,数字人民币,跨境支付"),
    ],
    "安全应急与节能环保": [
        (U, "环保专用设备", "3591,3599", "环保设备,应急装备,消防"),
        (M, "固废与危废治理", "7723,7724", "固废,危废,资源化"),
        (D, "清洁能源", "4417", "生物质,储能,节能"),
    ],
}

CITIES = ("北京", "上海", "杭州", "合肥", "青岛", "香港", "苏州", "成都", "武汉", "西安", "南京", "广州")
WORDS = (
    "智算",
    "云图",
    "芯源",
    "康瑞",
    "博恩",
    "华医",
    "睿材",
    "碳谷",
    "链信",
    "数安",
    "绿能",
    "清源",
    "星河",
    "极光",
    "远景",
    "启明",
    "天衡",
    "和光",
    "弘毅",
    "致远",
)
SUFFIX = (
    "科技股份有限公司",
    "信息技术有限公司",
    "生物医药股份有限公司",
    "新材料科技有限公司",
    "环保科技有限公司",
)
CHANNEL_WEIGHTS = {
    Channel.ASSOCIATION: 12,
    Channel.INVESTOR: 14,
    Channel.THIRD_PARTY: 18,
    Channel.PROPERTY_OWNER: 8,
    Channel.EXPO: 8,
    Channel.COMPETITION: 6,
    Channel.REFERRAL: 8,
    Channel.CHAIN: 10,
    Channel.PLATFORM: 6,
    Channel.OTHER: 4,
}
LIST_OUTBOUND = "市外招商目标清单"
LIST_FUNDRAISING = "募投目标企业清单"
DEMO_NOTE = "演示数据"

#: park -> (use, areas) following the 2021 report's layout
SPACES = {
    "中设广场": (SpaceUse.OFFICE, (300, 520, 800, 1200, 1800)),
    "清水河智丰大厦": (SpaceUse.RD, (450, 900, 1500, 2400)),
    "布心工业区": (SpaceUse.FACTORY, (1200, 2500, 4000)),
    "笋岗-清水河片区": (SpaceUse.RD, (800, 1600, 3000, 5000)),
    "红岭新兴金融产业带": (SpaceUse.OFFICE, (200, 400, 650, 1000)),
}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


def _staff(ctx: DemoContext) -> list[Any]:
    cy = ctx.units.get("cy")
    pool = [u for role in (Role.STAFF, Role.SECTION_HEAD) for u in ctx.users.get(role, [])]
    section = [u for u in pool if cy is not None and u.org_unit_id == cy.pk]
    return section or pool or [None]


def build_investment(ctx: DemoContext) -> None:
    from wutong.core.models import Park
    from wutong.enterprises.models import Enterprise
    from wutong.investment import queries, services
    from wutong.investment.models import (
        Activity,
        Announcement,
        Chain,
        ChainLink,
        ChainSegment,
        PlanTarget,
        Project,
        ProjectStageChange,
        Space,
        Target,
        TargetList,
    )

    rng = ctx.rng("investment")
    staff = _staff(ctx)
    head = next((u for u in staff if u is not None and u.role == Role.SECTION_HEAD), staff[0])
    today = ctx.as_of
    year = today.year
    with transaction.atomic():
        segments: list[ChainSegment] = []
        for order, (chain_name, rows) in enumerate(CHAINS.items()):
            chain, _ = Chain.objects.get_or_create(name=chain_name, defaults={"order": order})
            for i, (position, name, codes, keywords) in enumerate(rows):
                seg, _ = ChainSegment.objects.get_or_create(
                    chain=chain,
                    name=name,
                    defaults={
                        "position": position,
                        "industry_codes": codes,
                        "keywords": keywords,
                        "order": i,
                    },
                )
                segments.append(seg)

        parks = {p.name: p for p in Park.objects.filter(name__in=list(SPACES))}
        spaces = []
        for name, (use, areas) in SPACES.items():
            park = parks.get(name)
            if park is None:
                continue
            for area in areas:
                spaces.append(
                    Space(
                        park=park,
                        building=f"{rng.choice('ABCD')}座",
                        floor=f"{rng.randint(3, 28)}层",
                        area=Decimal(area),
                        use=use,
                        rent=Decimal(rng.randint(60, 180)),
                        available_from=today + dt.timedelta(days=rng.randint(-60, 180)),
                        note=DEMO_NOTE,
                    )
                )
        Space.objects.bulk_create(spaces)

        outbound, _ = TargetList.objects.get_or_create(
            name=LIST_OUTBOUND,
            defaults={
                "year": year,
                "owner": head,
                "description": "行业龙头、高成长性企业（2023年下半年工作计划）",
            },
        )
        fundraising, _ = TargetList.objects.get_or_create(
            name=LIST_FUNDRAISING,
            defaults={"year": year, "owner": head, "description": "未拿地上市公司募投公告梳理"},
        )

        names: set[str] = set()

        def company() -> str:
            while True:
                name = f"{rng.choice(CITIES)}{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.choice(SUFFIX)}"
                if name not in names:
                    names.add(name)
                    return name

        channels = list(CHANNEL_WEIGHTS)
        weights = list(CHANNEL_WEIGHTS.values())
        targets: list[Target] = []
        for _i in range(139 + 40):
            seg = rng.choice(segments)
            listed = rng.random() < 0.3
            targets.append(
                Target(
                    name=company(),
                    hq_city=rng.choice(CITIES),
                    industry_id=seg.codes[0],
                    segment=seg,
                    size_class=rng.choice(["large", "medium", "small"]),
                    is_listed=listed,
                    stock_code=f"{rng.choice(['300', '688', '002', '600'])}{rng.randint(100, 999)}"
                    if listed
                    else "",
                    channel=rng.choices(channels, weights)[0],
                    source_detail="",
                    owner=rng.choice(staff),
                    source=SourceKind.DEMO,
                    as_of=today,
                )
            )
        fund_targets = []
        for _i in range(25):
            seg = rng.choice(segments)
            fund_targets.append(
                Target(
                    name=company(),
                    hq_city=rng.choice(CITIES),
                    industry_id=seg.codes[0],
                    segment=seg,
                    size_class="large",
                    is_listed=True,
                    stock_code=f"688{rng.randint(100, 999)}",
                    channel=Channel.LISTED_FUNDRAISING,
                    source_detail="募投公告",
                    owner=rng.choice(staff),
                    source=SourceKind.DEMO,
                    as_of=today,
                )
            )
        Target.objects.bulk_create(targets + fund_targets)
        outbound.targets.add(*targets[:139])
        fundraising.targets.add(*fund_targets)

        announcements = []
        for t in fund_targets:
            fund_segment = t.segment
            assert fund_segment is not None
            topic = (fund_segment.keyword_list or [fund_segment.name])[0]
            announcements.append(
                Announcement(
                    company_name=t.name,
                    stock_code=t.stock_code,
                    announced_on=today - dt.timedelta(days=rng.randint(5, 300)),
                    project_name=rng.choice(
                        [
                            "华南研发中心建设项目",
                            "总部及研发基地项目",
                            "智能制造基地项目",
                            "数字化平台升级项目",
                        ]
                    ),
                    amount=Decimal(rng.choice([8000, 20000, 50000, 120000])) * 10_000,
                    location=rng.choice(
                        ["深圳市（待定）", "待定", "广东省深圳市", "江苏省苏州市", "浙江省杭州市"]
                    ),
                    industry_id=t.industry_id,
                    area_needed=Decimal(rng.choice([500, 900, 1500, 3000])),
                    space_use=rng.choice([SpaceUse.RD, SpaceUse.OFFICE]),
                    text=f"公司拟使用募集资金投资{topic}相关项目。",
                    source=SourceKind.DEMO,
                    as_of=today,
                )
            )
        Announcement.objects.bulk_create(announcements)
        services.score_announcements([a.pk for a in announcements], today=today)

        # Projects: weights per furthest stage, ~12 % lost; landed ones take demo enterprises.
        ent_ids = list(ctx.enterprise_ids) or list(
            Enterprise.objects.filter(source=SourceKind.DEMO).values_list("pk", flat=True)[:5000]
        )
        landed_pool = rng.sample(ent_ids, min(len(ent_ids), 40))
        # Firms holding a valid 国高 land mostly through third parties (2021 report: 第三方机构 brought
        # 60 % of the 国高 brought in), so the attribution page tells the seeds' story.
        gaoxin_pool = sorted(
            queries.valid_gaoxin_ids(ent_ids, today) if len(ent_ids) <= 50_000 else set(), reverse=True
        )[:40]
        rng.shuffle(gaoxin_pool)
        landed_pool = [pk for pk in landed_pool if pk not in set(gaoxin_pool)]
        firms = {e.pk: e for e in Enterprise.objects.filter(pk__in=landed_pool + gaoxin_pool)}
        stage_weights = [22, 18, 14, 10, 12, 6]
        pool = targets + fund_targets
        rng.shuffle(pool)
        projects, changes = 0, []
        for target in pool[:90]:
            furthest = rng.choices(range(len(PIPELINE)), stage_weights)[0]
            lost = furthest < PIPELINE.index(Stage.LANDED) and rng.random() < 0.15
            if furthest >= PIPELINE.index(Stage.LANDED) and not (landed_pool or gaoxin_pool):
                furthest = PIPELINE.index(Stage.SIGNED)
            start = today - dt.timedelta(days=rng.randint(60, 700))
            day, history = start, [(start, "", str(Stage.LEAD))]
            for i in range(1, furthest + 1):
                day = day + dt.timedelta(days=rng.randint(10, 90))
                history.append((day, str(PIPELINE[i - 1]), str(PIPELINE[i])))
            if lost:
                day = day + dt.timedelta(days=rng.randint(10, 60))
                history.append((day, str(PIPELINE[furthest]), str(Stage.LOST)))
            if history[-1][0] > today:  # keep the story in the past
                shift = history[-1][0] - today + dt.timedelta(days=1)
                history = [(d - shift, a, b) for d, a, b in history]
            amount = Decimal(rng.choice([2000, 5000, 10000, 30000, 80000])) * 10_000
            p = Project(
                name=f"{target.name}·区域总部项目",
                target=target,
                channel=target.channel,
                owner=target.owner,
                industry_id=target.industry_id,
                segment=target.segment,
                investment_amount=amount,
                space_area=Decimal(rng.choice([300, 600, 1000, 1600])),
                space_use=rng.choice(SpaceUse.values),
                stage=Stage.LOST if lost else PIPELINE[furthest],
                stage_since=_at(history[-1][0]),
                notes=DEMO_NOTE,
            )
            if lost:
                p.lost_reason = rng.choice(LostReason.values)
                p.lost_from_stage = PIPELINE[furthest]
            if furthest >= PIPELINE.index(Stage.SIGNED):
                p.registered_capital = amount / 5
                p.paid_in_capital = amount / 10
                p.expected_revenue = amount * Decimal("0.6")
                p.expected_tax = amount * Decimal("0.04")
                p.expected_headcount = rng.choice([30, 60, 120, 300])
                p.signed_on = history[PIPELINE.index(Stage.SIGNED)][0]
                p.move_in_on = p.signed_on + dt.timedelta(days=rng.choice([60, 90, 180]))
            if furthest >= PIPELINE.index(Stage.LANDED):
                wants_gaoxin = rng.random() < (0.7 if target.channel == Channel.THIRD_PARTY else 0.15)
                source = gaoxin_pool if (wants_gaoxin and gaoxin_pool) or not landed_pool else landed_pool
                firm = firms[source.pop()]
                p.enterprise, p.uscc = firm, firm.uscc
                p.landed_on = history[PIPELINE.index(Stage.LANDED)][0]
            if furthest >= PIPELINE.index(Stage.OPERATING):
                p.operating_on = history[-1][0]
            p.save()
            projects += 1
            for d, frm, to in history:
                changes.append(
                    ProjectStageChange(
                        project=p, from_stage=frm, to_stage=to, changed_at=_at(d), actor=p.owner
                    )
                )
        ProjectStageChange.objects.bulk_create(changes)

        kinds = (
            [ActivityKind.OUTBOUND] * 5
            + [ActivityKind.VISIT] * 16
            + [ActivityKind.CALL] * 20
            + [ActivityKind.PROMOTION] * 4
            + [ActivityKind.EXPO] * 3
            + [ActivityKind.MEETING] * 8
        )
        for kind in kinds:
            day = dt.date(year, 1, 1) + dt.timedelta(
                days=rng.randint(0, max(0, (today - dt.date(year, 1, 1)).days))
            )
            city = (
                rng.choice(CITIES)
                if kind in (ActivityKind.OUTBOUND, ActivityKind.VISIT, ActivityKind.EXPO)
                else "深圳"
            )
            activity = Activity.objects.create(
                kind=kind,
                title=f"{city}{ActivityKind(kind).label}",
                date=day,
                city=city,
                participants="产业/招商科",
                participant_count=rng.randint(2, 30),
                owner=rng.choice(staff),
                notes=DEMO_NOTE,
            )
            activity.targets.set(rng.sample(pool, rng.randint(1, 6) if kind != ActivityKind.OUTBOUND else 12))

        for metric, target_value in (
            (PlanMetric.OUTBOUND_EVENTS, 6),
            (PlanMetric.DOOR_VISITS, 20),
            (PlanMetric.KEY_ENTERPRISES, 100),
            (PlanMetric.SIGNED_PROJECTS, 15),
            (PlanMetric.LANDED_PROJECTS, 10),
        ):
            PlanTarget.objects.get_or_create(
                year=year, metric=metric, defaults={"target": target_value, "note": DEMO_NOTE}
            )

        leaders = rng.sample(ent_ids, min(3, len(ent_ids)))
        for leader in leaders:
            for _k in range(3):
                counterpart = rng.choice(pool)
                ChainLink.objects.create(
                    leader_id=leader,
                    kind=rng.choice(ChainLinkKind.values),
                    counterpart_target=counterpart,
                    segment=counterpart.segment,
                    note=DEMO_NOTE,
                )
            other = rng.choice(ent_ids)
            if other != leader:
                ChainLink.objects.create(
                    leader_id=leader,
                    kind=ChainLinkKind.SUPPLIER,
                    counterpart_enterprise_id=other,
                    note=DEMO_NOTE,
                )
    ctx.counts["investment.Project"] += projects
    ctx.log(
        f"招商: 目标 {len(pool)} 家，募投公告 {len(announcements)} 条，"
        f"项目 {projects} 个，空间 {len(spaces)} 处"
    )


def demo_investment_exists(ctx: DemoContext) -> bool:
    from wutong.investment.models import Target

    return Target.objects.filter(source=SourceKind.DEMO).exists()


def reset_investment(ctx: DemoContext) -> None:
    """Remove the demo's 招商 rows (before the enterprises go: a landed project protects its firm)."""
    from wutong.investment.models import (
        Activity,
        Announcement,
        ChainLink,
        PlanTarget,
        Project,
        Space,
        Target,
        TargetList,
    )

    with transaction.atomic():
        Activity.objects.filter(notes=DEMO_NOTE).delete()
        ChainLink.objects.filter(note=DEMO_NOTE).delete()
        Project.objects.filter(notes=DEMO_NOTE).delete()
        Announcement.objects.filter(source=SourceKind.DEMO).delete()
        Project.objects.filter(target__source=SourceKind.DEMO).delete()
        Target.objects.filter(source=SourceKind.DEMO).delete()
        TargetList.objects.filter(name__in=[LIST_OUTBOUND, LIST_FUNDRAISING], targets__isnull=True).delete()
        Space.objects.filter(note=DEMO_NOTE).delete()
        PlanTarget.objects.filter(note=DEMO_NOTE).delete()
    ctx.log("已删除演示招商数据")


register_builder(
    "investment", build_investment, order=400, exists=demo_investment_exists, reset=reset_investment
)
