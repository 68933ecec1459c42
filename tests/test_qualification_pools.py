"""Cultivation pools: stage transitions as a rule table, services that audit every change, agency
scope, enterprise users see nothing, coaching, batches and the counts that feed the KPIs; the calendar
and ladder queries on a hand-made fixture."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry
from wutong.enterprises.models import Enterprise, QualificationHolding
from wutong.qualifications import queries, services
from wutong.qualifications.access import access_member, access_pool
from wutong.qualifications.choices import PoolStage
from wutong.qualifications.models import CultivationPool, PoolMember, ScreeningResult
from wutong.qualifications.rules import stage_move

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("current", "target", "has_batch", "allowed", "reason"),
    [
        pytest.param("potential", "coaching", False, True, "", id="潜力→辅导"),
        pytest.param("coaching", "prereview", False, True, "", id="辅导→预审"),
        pytest.param("prereview", "applied", True, True, "", id="预审→申报 with a batch"),
        pytest.param("prereview", "applied", False, False, "须指定申报批次", id="申报 needs a batch"),
        pytest.param("applied", "certified", True, True, "", id="申报→认定"),
        pytest.param("applied", "rejected", True, True, "", id="申报→未通过"),
        pytest.param("rejected", "coaching", False, True, "", id="未通过→辅导 next round"),
        pytest.param("prereview", "coaching", False, True, "", id="预审→辅导 step back"),
        pytest.param("potential", "applied", True, False, "不能从“潜力”直接转为“申报”", id="no skipping"),
        pytest.param("certified", "coaching", False, False, "已认定的企业不再变更阶段", id="认定 is final"),
        pytest.param(
            "applied", "potential", True, False, "可转为：认定、未通过", id="no dropping after applying"
        ),
        pytest.param(
            "coaching", "coaching", False, False, "已处于“辅导”阶段", id="no move to the same stage"
        ),
    ],
)
def test_stage_transitions(current, target, has_batch, allowed, reason):  # type: ignore[no-untyped-def]
    decision = stage_move(current, target, has_batch=has_batch)
    assert decision.allowed is allowed
    assert reason in decision.reason


@pytest.fixture
def firms(db):  # type: ignore[no-untyped-def]
    return [
        Enterprise.objects.create(uscc=f"91440300MA5H00{i:04d}", name=f"培育企业{i}有限公司")
        for i in range(6)
    ]


@pytest.fixture
def pool(alice, firms):  # type: ignore[no-untyped-def]
    return services.create_pool(
        name="2026 国高培育库", rule_code="gaoxin", year=2026, target=4, actor=alice,
        enterprise_ids=[f.pk for f in firms],
    )  # fmt: skip


def test_creating_a_pool_adds_every_firm_at_potential_and_writes_one_audit_entry(pool, firms):
    assert pool.members.count() == 6
    assert set(pool.members.values_list("stage", flat=True)) == {PoolStage.POTENTIAL}
    entries = AuditEntry.objects.filter(action="qualifications.cultivationpool.created")
    assert entries.count() == 1


def test_moving_through_every_stage_keeps_history_and_audits_each_move(pool, alice):
    member = pool.members.first()
    batch = services.create_batch(pool, name="2026 第一批", actor=alice, submitted_on=dt.date(2026, 5, 20))
    for stage in ("coaching", "prereview", "applied", "certified"):
        services.move_member_stage(member, stage=stage, actor=alice, batch=batch)
    assert [(c.from_stage, c.to_stage) for c in member.stage_changes.all()] == [
        ("potential", "coaching"), ("coaching", "prereview"),
        ("prereview", "applied"), ("applied", "certified"),
    ]  # fmt: skip
    assert AuditEntry.objects.filter(action="qualifications.poolmember.stage_changed").count() == 4
    with pytest.raises(DomainError, match="已认定"):
        services.move_member_stage(member, stage="coaching", actor=alice)


def test_a_batch_of_another_pool_is_refused(pool, alice, firms):
    other = services.create_pool(name="另一个", rule_code="gaoxin", year=2026, actor=alice, enterprise_ids=[])
    foreign = services.create_batch(other, name="第一批", actor=alice)
    member = pool.members.first()
    services.move_member_stage(member, stage="coaching", actor=alice)
    services.move_member_stage(member, stage="prereview", actor=alice)
    with pytest.raises(DomainError, match="不属于该培育库"):
        services.move_member_stage(member, stage="applied", actor=alice, batch=foreign)


def test_pool_and_year_counts_feed_the_kpis(pool, alice):
    batch1 = services.create_batch(pool, name="2026 第一批", actor=alice)
    members = list(pool.members.order_by("pk"))
    plan = ["certified", "certified", "certified", "rejected", "coaching", "potential"]
    for member, final in zip(members, plan, strict=True):
        path = {"certified": ["coaching", "prereview", "applied", "certified"],
                "rejected": ["coaching", "prereview", "applied", "rejected"],
                "coaching": ["coaching"], "potential": []}[final]  # fmt: skip
        for stage in path:
            services.move_member_stage(member, stage=stage, actor=alice, batch=batch1)
    stats = queries.pool_stats(pool)
    assert (stats["members"], stats["applied"], stats["certified"], stats["target"]) == (6, 4, 3, 4)
    assert (stats["pass_rate"], stats["target_rate"]) == (75.0, 75.0)
    assert queries.year_counts("gaoxin", 2026) == {"applied": 4, "certified": 3, "target": 4}
    assert [(r["batch"].name, r["applied"], r["certified"]) for r in queries.batch_counts(pool)] == [
        ("2026 第一批", 4, 3)
    ]


def test_an_agency_sees_only_the_members_and_enterprises_assigned_to_it(pool, alice, agency_user, firms, org):
    from wutong.accounts.models import OrgUnit

    mine, other = pool.members.order_by("pk")[:2]
    services.assign_member(mine, owner=alice, agency=agency_user.org_unit, actor=alice)
    second_agency = OrgUnit.objects.create(name="另一家机构", kind="agency")
    services.assign_member(other, owner=alice, agency=second_agency, actor=alice)
    assert list(PoolMember.objects.visible_to(agency_user)) == [mine]
    assert list(CultivationPool.objects.visible_to(agency_user)) == [pool]
    assert list(Enterprise.objects.visible_to(agency_user)) == [mine.enterprise]
    assert access_member(agency_user, mine.pk) == mine
    with pytest.raises(Http404):
        access_member(agency_user, other.pk)
    # an agency coaches its own members, but may not move stages
    record = services.record_coaching(
        mine, date=dt.date(2026, 5, 1), content="梳理研发费用归集", actor=agency_user
    )
    assert record.agency == agency_user.org_unit
    with pytest.raises(DomainError, match="本机构"):
        services.record_coaching(other, date=dt.date(2026, 5, 1), content="x", actor=agency_user)
    with pytest.raises(PermissionDenied):
        services.move_member_stage(mine, stage="coaching", actor=agency_user)


def test_an_enterprise_user_sees_nothing_of_pools_or_screenings(pool, enterprise_user, firms):
    assert not PoolMember.objects.visible_to(enterprise_user).exists()
    assert not CultivationPool.objects.visible_to(enterprise_user).exists()
    assert not ScreeningResult.objects.visible_to(enterprise_user).exists()
    with pytest.raises(Http404):
        access_pool(enterprise_user, pool.pk)
    with pytest.raises(PermissionDenied):
        services.create_pool(name="x", rule_code="gaoxin", year=2026, actor=enterprise_user)


def test_only_agencies_may_be_assigned_and_only_heads_set_targets(pool, alice, bob, partner):
    member = pool.members.first()
    with pytest.raises(DomainError, match="第三方机构"):
        services.assign_member(member, agency=partner.org_unit, actor=alice)
    with pytest.raises(PermissionDenied):
        services.set_pool_target(pool, target=102, actor=alice)
    assert services.set_pool_target(pool, target=102, actor=bob).target == 102


# --- calendar and ladder on a hand-made fixture ------------------------------------------------


def _hold(firm, kind, issued, expires):  # type: ignore[no-untyped-def]
    QualificationHolding.objects.create(enterprise=firm, kind=kind, issued_on=issued, expires_on=expires)


@pytest.fixture
def ladder_fixture(firms):  # type: ignore[no-untyped-def]
    a, b, c, d, e, _f = firms
    _hold(a, "kexiao", dt.date(2024, 5, 1), dt.date(2025, 12, 31))
    _hold(a, "kexiao", dt.date(2025, 5, 1), dt.date(2026, 12, 31))
    _hold(a, "gaoxin", dt.date(2025, 11, 1), dt.date(2028, 10, 31))  # 科小 → 国高 in 2025
    _hold(b, "gaoxin", dt.date(2022, 12, 1), dt.date(2025, 11, 30))  # expires 2025-11: off the ladder
    _hold(c, "chuangxin", dt.date(2024, 3, 1), dt.date(2027, 2, 28))
    _hold(c, "zhuanjingtexin", dt.date(2025, 6, 1), dt.date(2028, 5, 31))  # 创新型 → 专精特新
    _hold(d, "kexiao", dt.date(2025, 6, 1), dt.date(2026, 12, 31))  # new in 2025
    _hold(e, "gaoxin", dt.date(2023, 10, 1), dt.date(2026, 9, 30))  # unchanged, expires 2026-09
    return firms


def test_ladder_counts_and_year_on_year_flows(ladder_fixture):
    assert queries.ladder_counts(dt.date(2024, 12, 31)) == {
        "kexiao": 1, "chuangxin": 1, "gaoxin": 2, "zhuanjingtexin": 0, "xiaojuren": 0,
    }  # fmt: skip
    assert queries.ladder_counts(dt.date(2025, 12, 31)) == {
        "kexiao": 2, "chuangxin": 1, "gaoxin": 2, "zhuanjingtexin": 1, "xiaojuren": 0,
    }  # fmt: skip
    flows = queries.ladder_flows(2024, 2025)
    assert (flows["up"], flows["new"], flows["same"], flows["down"]) == (2, 1, 1, 1)
    assert flows["pairs"] == [
        {"from": "", "to": "kexiao", "n": 1},
        {"from": "chuangxin", "to": "zhuanjingtexin", "n": 1},
        {"from": "kexiao", "to": "gaoxin", "n": 1},
    ]
    chart = queries.ladder_chart(2025)
    assert chart["series"] == {"2024": [1, 1, 2, 0, 0], "2025": [2, 1, 2, 1, 0]}


def test_expiries_by_month_and_the_reminder_list(ladder_fixture):
    months = queries.expiries_by_month(2026)
    assert [m["total"] for m in months] == [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 2]
    assert months[8]["by_kind"]["gaoxin"] == 1 and months[11]["by_kind"]["kexiao"] == 2
    upcoming = queries.upcoming_expiries(dt.date(2026, 6, 1), days=180)
    assert [(h.kind, h.expires_on) for h in upcoming] == [("gaoxin", dt.date(2026, 9, 30))]


def test_application_windows_open_or_upcoming_on_a_date():
    found = queries.windows_open_or_upcoming(dt.date(2026, 6, 15))
    names = [(w.rule_code, state) for w, state in found]
    assert ("kexiao", "open") in names
    assert ("gaoxin", "upcoming") in names
    assert all(w.closes >= dt.date(2026, 6, 15) for w, _ in found)
