"""Demo builder (order 500): a registry screening for 国高 on the as-of date, then the year's
国高培育库 built from it — members in every stage, owners and agencies, coaching records, two application
batches — with counts in the spirit of the seeds (2021: 申报 218, 认定 114, 目标 102).

Rows are written in bulk without audit entries, like the other demo builders' history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from wutong.accounts.choices import Role
from wutong.core.demo import DemoContext, register_builder
from wutong.qualifications import screening
from wutong.qualifications.choices import PoolStage
from wutong.qualifications.models import (
    ApplicationBatch,
    CoachingRecord,
    CultivationPool,
    PoolMember,
    PoolMemberStageChange,
    ScreeningResult,
    ScreeningRun,
)
from wutong.qualifications.rules import version_in_force
from wutong.qualifications.services import _version_row

DEMO_MARK = {"demo": True}
#: The stages members end in, as shares of the pool, and the way each one got there.
PATHS: dict[str, list[str]] = {
    PoolStage.POTENTIAL: [],
    PoolStage.COACHING: [PoolStage.COACHING],
    PoolStage.PREREVIEW: [PoolStage.COACHING, PoolStage.PREREVIEW],
    PoolStage.APPLIED: [PoolStage.COACHING, PoolStage.PREREVIEW, PoolStage.APPLIED],
    PoolStage.CERTIFIED: [PoolStage.COACHING, PoolStage.PREREVIEW, PoolStage.APPLIED, PoolStage.CERTIFIED],
    PoolStage.REJECTED: [PoolStage.COACHING, PoolStage.PREREVIEW, PoolStage.APPLIED, PoolStage.REJECTED],
}
SHARES = [
    (PoolStage.CERTIFIED, 0.26),
    (PoolStage.REJECTED, 0.18),
    (PoolStage.APPLIED, 0.06),
    (PoolStage.PREREVIEW, 0.12),
    (PoolStage.COACHING, 0.20),
    (PoolStage.POTENTIAL, 0.18),
]
COACHING_TOPICS = [
    ("梳理近三年研发费用归集口径，补齐辅助账", "按研发项目建立辅助账"),
    ("核对科技人员名单与社保缴纳记录", "补充科技人员劳动合同"),
    ("评估知识产权与主营产品的对应关系", "新申请软件著作权 2 项"),
    ("预审申报材料，指出高新收入证明不足", "补充高新技术产品收入专项审计"),
    ("讲解创新能力评价各项得分要点", "整理成果转化证明材料"),
]


def _staff(ctx: DemoContext) -> list[Any]:
    users = [u for role in (Role.STAFF, Role.SECTION_HEAD) for u in ctx.users.get(role, [])]
    return users or [None]


def build_qualifications(ctx: DemoContext) -> None:
    rng = ctx.rng("qualifications")
    on_date = ctx.as_of
    year = on_date.year
    version = _version_row(version_in_force("gaoxin", on_date))
    run = ScreeningRun.objects.create(rule_version=version, on_date=on_date)
    screening.execute_run(run)
    ctx.log(f"国高筛查: {run.processed} 家企业, {run.counts}")

    results = ScreeningResult.objects.filter(rule_version=version, holds=False)
    prospects = list(
        results.filter(prospect=True).order_by("-score_max").values_list("enterprise_id", flat=True)
    )
    near = list(
        results.filter(failing__in=["rd_expense_ratio", "tech_staff_ratio"])
        .order_by("rd_gap")
        .values_list("enterprise_id", flat=True)
    )
    size = max(12, min(420, ctx.enterprises // 50))
    chosen = list(dict.fromkeys(prospects[: size * 2 // 3] + near))[:size]
    if len(chosen) < 6:
        ctx.log("国高培育库: 可纳入的企业不足 6 家，跳过")
        return
    staff = _staff(ctx)
    agencies = [u for u in (ctx.units.get("agency1"), ctx.units.get("agency2")) if u is not None]
    agency_users = {u.org_unit_id: u for u in ctx.users.get(Role.AGENCY, [])}
    rng.shuffle(chosen)

    plan: list[str] = []
    for stage, share in SHARES:
        plan += [stage] * round(share * len(chosen))
    plan = (plan + [PoolStage.POTENTIAL] * len(chosen))[: len(chosen)]
    certified = plan.count(PoolStage.CERTIFIED)
    with transaction.atomic():
        pool = CultivationPool.objects.create(
            name=f"{year} 年国高培育库",
            rule_code="gaoxin",
            year=year,
            target=max(1, round(certified * 102 / 114)),
            description="建立国高培育库，全面摸排，发掘具备国高认定潜力企业；确保应报尽报。",
            source_filter={**DEMO_MARK, "preset": "likely_not_holding", "rule": "gaoxin"},
            owner=staff[0],
        )
        first = ApplicationBatch.objects.create(
            pool=pool,
            name=f"{year} 第一批",
            submitted_on=dt.date(year, 5, 20),
            published_on=dt.date(year, 10, 15),
        )
        second = ApplicationBatch.objects.create(
            pool=pool, name=f"{year} 第二批", submitted_on=dt.date(year, 8, 25)
        )
        start = dt.date(year, 1, 10)
        members = []
        for i, (enterprise_id, final) in enumerate(zip(chosen, plan, strict=True)):
            agency = agencies[i % len(agencies)] if agencies and final != PoolStage.POTENTIAL else None
            batch = None
            if PoolStage.APPLIED in PATHS[final]:
                batch = first if final != PoolStage.APPLIED else second
            members.append(
                PoolMember(
                    pool=pool,
                    enterprise_id=enterprise_id,
                    stage=final,
                    owner=staff[i % len(staff)],
                    agency=agency,
                    batch=batch,
                    stage_changed_on=start,
                )
            )
        PoolMember.objects.bulk_create(members)
        changes, records = [], []
        for member in members:
            day = start
            previous: str = PoolStage.POTENTIAL
            for step in PATHS[member.stage]:
                day = min(on_date, day + dt.timedelta(days=rng.randint(15, 50)))
                if step == PoolStage.APPLIED and member.batch is not None and member.batch.submitted_on:
                    day = min(on_date, member.batch.submitted_on)
                if step in (PoolStage.CERTIFIED, PoolStage.REJECTED):
                    day = min(on_date, first.published_on or on_date)
                changes.append(
                    PoolMemberStageChange(
                        member=member, from_stage=previous, to_stage=step, changed_on=day, by=member.owner
                    )
                )
                previous = step
            member.stage_changed_on = day
            if member.stage != PoolStage.POTENTIAL:
                for k in range(rng.randint(1, 3)):
                    content, next_step = COACHING_TOPICS[rng.randrange(len(COACHING_TOPICS))]
                    by = agency_users.get(member.agency_id) if member.agency_id else None
                    records.append(
                        CoachingRecord(
                            member=member,
                            date=min(on_date, start + dt.timedelta(days=20 + 30 * k + rng.randint(0, 10))),
                            by=by or member.owner,
                            agency=member.agency,
                            content=content,
                            next_step=next_step,
                        )
                    )
        PoolMember.objects.bulk_update(members, ["stage_changed_on"])
        PoolMemberStageChange.objects.bulk_create(changes)
        CoachingRecord.objects.bulk_create(records)
    stats = {stage: plan.count(stage) for stage in PoolStage.values}
    ctx.counts["qualifications.PoolMember"] += len(members)
    ctx.log(f"国高培育库: {len(members)} 家 {stats}, 目标 {pool.target}, 辅导记录 {len(records)} 条")


def demo_qualifications_exist(ctx: DemoContext) -> bool:
    return CultivationPool.objects.filter(source_filter__demo=True).exists()


def reset_qualifications(ctx: DemoContext) -> None:
    CultivationPool.objects.filter(source_filter__demo=True).delete()
    ScreeningResult.objects.all().delete()
    ScreeningRun.objects.all().delete()


register_builder(
    "qualifications",
    build_qualifications,
    order=500,
    exists=demo_qualifications_exist,
    reset=reset_qualifications,
)
