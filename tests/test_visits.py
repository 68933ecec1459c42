"""The visit services and who sees what: plan → record / cancel, lists and 挂点, confidential
notes, the district leader's scope, the double-visit warning, raising a demand from a visit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.fixtures.clock import frozen_today  # noqa: F401  (autouse: today is 2026-11-24)
from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry
from wutong.demands.choices import DemandChannel, DemandStatus
from wutong.demands.models import Demand, DemandCategory
from wutong.enterprises.models import Enterprise
from wutong.visits import queries, services
from wutong.visits.access import access_visit, can_read_notes
from wutong.visits.choices import Confidentiality, VisitStatus, VisitType
from wutong.visits.models import KeyListMember, LeaderAssignment, Visit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)
_counter = iter(range(1, 10**6))


def make_enterprise(name: str = "深圳市梧桐示范科技有限公司", uscc: str | None = None) -> Enterprise:
    return Enterprise.objects.create(name=name, uscc=uscc or f"91440303MA{next(_counter):08d}")


def done_visit(enterprise, unit, visitors, day, actor, **extra):  # type: ignore[no-untyped-def]
    return services.record_visit(
        None,
        enterprise=enterprise,
        visit_date=day,
        visit_type=extra.pop("visit_type", VisitType.ROUTINE),
        organising_unit=unit,
        visitors=visitors,
        purpose=extra.pop("purpose", "了解经营情况"),
        notes=extra.pop("notes", "企业经营正常，计划扩产"),
        next_steps=extra.pop("next_steps", "协调用房需求"),
        actor=actor,
        **extra,
    )


# --- plan, record, cancel ---------------------------------------------------------------------


def test_a_planned_visit_is_recorded_with_its_notes_and_each_step_is_audited(alice, carol, org):
    firm = make_enterprise()
    visit = services.plan_visit(
        enterprise=firm,
        visit_date=TODAY + dt.timedelta(days=3),
        visit_type=VisitType.GAOXIN,
        organising_unit=org["tech"],
        visitors=[alice],
        purpose="国高申报辅导",
        actor=alice,
    )
    assert visit.status == VisitStatus.PLANNED
    services.record_visit(
        visit,
        visit_date=TODAY,
        notes="研发费用归集不规范",
        next_steps="下周组织财务辅导",
        visitors=[alice, carol],
        actor=alice,
    )
    visit.refresh_from_db()
    assert (visit.status, visit.visit_date, visit.notes) == (VisitStatus.DONE, TODAY, "研发费用归集不规范")
    assert sorted(u.username for u in visit.visitors.all()) == ["alice", "carol"]
    actions = list(AuditEntry.objects.filter(target_id=str(visit.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["visits.visit.planned", "visits.visit.recorded"]
    recorded = AuditEntry.objects.get(action="visits.visit.recorded")
    assert recorded.changes["status"] == ["planned", "done"]
    assert recorded.changes["visitors"] == [[alice.pk], sorted([alice.pk, carol.pk])]


def test_a_visit_cannot_be_planned_in_the_past_or_recorded_in_the_future(alice, org):
    firm = make_enterprise()
    with pytest.raises(DomainError) as planned:
        services.plan_visit(
            enterprise=firm,
            visit_date=TODAY - dt.timedelta(days=1),
            visit_type=VisitType.ROUTINE,
            organising_unit=org["tech"],
            visitors=[alice],
            purpose="走访",
            actor=alice,
        )
    assert planned.value.field == "visit_date"
    with pytest.raises(DomainError) as recorded:
        done_visit(firm, org["tech"], [alice], TODAY + dt.timedelta(days=1), alice)
    assert "未来的走访请先登记为计划" in recorded.value.message
    assert not Visit.objects.exists()


def test_cancelling_needs_a_reason_and_a_cancelled_visit_cannot_be_recorded(alice, org):
    firm = make_enterprise()
    visit = services.plan_visit(
        enterprise=firm,
        visit_date=TODAY,
        visit_type=VisitType.ROUTINE,
        organising_unit=org["tech"],
        visitors=[alice],
        purpose="走访",
        actor=alice,
    )
    with pytest.raises(DomainError):
        services.cancel_visit(visit, reason="  ", actor=alice)
    services.cancel_visit(visit, reason="企业负责人出差", actor=alice)
    visit.refresh_from_db()
    assert (visit.status, visit.cancel_reason) == (VisitStatus.CANCELLED, "企业负责人出差")
    with pytest.raises(DomainError) as exc:
        services.record_visit(visit, visit_date=TODAY, notes="补记", actor=alice)
    assert "只能记录计划中的走访" in exc.value.message


def test_visitors_must_be_bureau_staff_or_leaders(alice, partner, org):
    with pytest.raises(DomainError) as exc:
        done_visit(make_enterprise(), org["tech"], [alice, partner], TODAY, alice)
    assert exc.value.field == "visitors" and "赵经办" in exc.value.message


def test_only_editors_may_plan_and_record_visits(district_leader, enterprise_user, partner, org, alice):
    firm = make_enterprise()
    for outsider in (district_leader, enterprise_user, partner):
        with pytest.raises(PermissionDenied):
            done_visit(firm, org["tech"], [alice], TODAY, outsider)


# --- access -----------------------------------------------------------------------------------


def test_secret_notes_are_read_by_visitors_their_section_head_and_leaders_only(
    alice, bob, carol, leader, admin_user, org
):
    firm = make_enterprise()
    visit = done_visit(firm, org["tech"], [alice], TODAY, alice, confidentiality=Confidentiality.SECRET)
    readers = {
        u.username: can_read_notes(u, access_visit(u, visit.pk))
        for u in (alice, bob, carol, leader, admin_user)
    }
    assert readers == {"alice": True, "bob": True, "carol": False, "leader": True, "root": False}
    # and the audit log does not copy the secret notes
    entry = AuditEntry.objects.get(action="visits.visit.recorded")
    assert "notes" not in entry.changes and "next_steps" not in entry.changes
    # a staff member who may not read the notes may not record over them either
    planned = services.plan_visit(
        enterprise=firm,
        visit_date=TODAY,
        visit_type=VisitType.RETENTION,
        organising_unit=org["tech"],
        visitors=[alice],
        purpose="外迁意向摸排",
        confidentiality=Confidentiality.SECRET,
        actor=alice,
    )
    with pytest.raises(PermissionDenied):
        access_visit(carol, planned.pk, "change")


def test_normal_notes_are_read_by_everyone_who_sees_the_visit(alice, carol, org):
    visit = done_visit(make_enterprise(), org["tech"], [alice], TODAY, alice)
    assert can_read_notes(carol, access_visit(carol, visit.pk))


def test_district_leader_sees_visits_of_their_assigned_enterprises_and_visits_they_joined(
    alice, bob, district_leader, org
):
    mine, joined, other = (
        make_enterprise("挂点企业"),
        make_enterprise("陪同企业"),
        make_enterprise("其他企业"),
    )
    services.assign_leader(mine, leader=district_leader, contact_staff=alice, actor=bob)
    v_mine = done_visit(mine, org["tech"], [alice], TODAY, alice)
    v_joined = done_visit(joined, org["tech"], [alice, district_leader], TODAY, alice)
    v_other = done_visit(other, org["tech"], [alice], TODAY, alice)
    visible = set(Visit.objects.visible_to(district_leader).values_list("pk", flat=True))
    assert visible == {v_mine.pk, v_joined.pk}
    with pytest.raises(Http404):
        access_visit(district_leader, v_other.pk)
    assert set(Visit.objects.visible_to(alice).values_list("pk", flat=True)) == {
        v_mine.pk,
        v_joined.pk,
        v_other.pk,
    }


def test_enterprise_users_partners_reviewers_and_agencies_see_no_visits(everyone, org):
    firm = make_enterprise("梧桐示范", uscc="91440300MA5F000001")  # the enterprise user's own firm
    visit = done_visit(firm, org["tech"], [everyone["alice"]], TODAY, everyone["alice"])
    for name in ("enterprise", "partner", "reviewer", "agency"):
        assert not Visit.objects.visible_to(everyone[name]).exists(), name
        with pytest.raises(Http404):
            access_visit(everyone[name], visit.pk)
    for name in ("alice", "bob", "carol", "leader", "admin"):
        assert Visit.objects.visible_to(everyone[name]).count() == 1, name


# --- lists and 挂点 ----------------------------------------------------------------------------


def test_members_are_added_in_bulk_by_uscc_reporting_duplicates_and_unknown_codes(bob):
    a, b = make_enterprise("甲公司"), make_enterprise("乙公司")
    key_list = services.create_key_list(
        name="重点企业名单", tiers=[("A", "A类", 30), ("B", "B类", 90)], actor=bob
    )
    tier_a = key_list.tiers.get(code="A")
    first = services.add_members(key_list, usccs=[a.uscc], tier=tier_a, actor=bob)
    result = services.add_members(
        key_list, usccs=[a.uscc.lower(), b.uscc, "91440303MA99999999", b.uscc], tier=tier_a, actor=bob
    )
    assert (first.added, result.added, result.already, result.unknown) == (
        [a.uscc],
        [b.uscc],
        [a.uscc],
        ["91440303MA99999999"],
    )
    assert KeyListMember.objects.filter(key_list=key_list).count() == 2
    entries = AuditEntry.objects.filter(action="visits.key_list.members_added").order_by("id")
    assert [e.data["added"] for e in entries] == [[a.uscc], [b.uscc]]


def test_staff_may_maintain_members_but_only_heads_create_lists_and_assign_leaders(
    alice, bob, district_leader
):
    with pytest.raises(PermissionDenied):
        services.create_key_list(name="名单", tiers=[("A", "A类", 30)], actor=alice)
    with pytest.raises(PermissionDenied):
        services.assign_leader(make_enterprise(), leader=district_leader, actor=alice)
    key_list = services.create_key_list(name="名单", tiers=[("A", "A类", 30)], actor=bob)
    firm = make_enterprise()
    services.add_members(key_list, usccs=[firm.uscc], tier=key_list.tiers.get(), actor=alice)
    member = KeyListMember.objects.get()
    services.remove_member(member, actor=alice, reason="已迁出本区")
    assert not KeyListMember.objects.exists()
    assert AuditEntry.objects.filter(action="visits.key_list_member.removed").count() == 1


def test_a_new_assignment_ends_the_current_one_the_day_before(alice, bob, district_leader, leader):
    firm = make_enterprise()
    first = services.assign_leader(firm, leader=district_leader, since=dt.date(2026, 1, 1), actor=bob)
    second = services.assign_leader(
        firm, leader=leader, contact_staff=alice, since=dt.date(2026, 7, 1), actor=bob
    )
    first.refresh_from_db()
    assert first.until == dt.date(2026, 6, 30)
    assert list(LeaderAssignment.objects.filter(until__isnull=True)) == [second]
    with pytest.raises(DomainError):
        services.assign_leader(firm, leader=leader, contact_staff=alice, since=dt.date(2026, 8, 1), actor=bob)


def test_partners_cannot_be_assigned_as_leaders(bob, partner):
    with pytest.raises(DomainError) as exc:
        services.assign_leader(make_enterprise(), leader=partner, actor=bob)
    assert exc.value.field == "leader"


# --- double visits ----------------------------------------------------------------------------


def test_another_units_visit_within_the_window_is_warned_about_but_not_refused(alice, carol, bob, org):
    firm = make_enterprise()
    done_visit(firm, org["industry"], [carol], TODAY - dt.timedelta(days=10), carol)
    planned = services.plan_visit(
        enterprise=firm,
        visit_date=TODAY + dt.timedelta(days=3),
        visit_type=VisitType.ROUTINE,
        organising_unit=org["tech"],
        visitors=[alice],
        purpose="走访",
        actor=alice,
    )
    assert planned.pk  # saved despite the nearby visit
    # 13 days apart: inside the default 14-day window
    warnings = queries.double_visit_warnings(
        firm.pk, planned.visit_date, organising_unit_id=org["tech"].pk, exclude_pk=planned.pk
    )
    assert warnings == [f"产业科 已于 {TODAY - dt.timedelta(days=10):%Y-%m-%d} 走访该企业（14 天内）"]
    # a unit's own visits are not a double visit: 产业科 is warned only about 科技科's plan
    assert queries.double_visit_warnings(
        firm.pk, TODAY - dt.timedelta(days=10), organising_unit_id=org["industry"].pk
    ) == [f"科技科 计划于 {TODAY + dt.timedelta(days=3):%Y-%m-%d} 走访该企业（14 天内）"]
    # 15 days after the other visit is outside the window
    assert not queries.double_visit_warnings(
        firm.pk, TODAY + dt.timedelta(days=5), organising_unit_id=org["tech"].pk, exclude_pk=planned.pk
    )
    # the planned visit warns the other unit in turn
    assert queries.double_visit_warnings(
        firm.pk, TODAY + dt.timedelta(days=10), organising_unit_id=org["industry"].pk
    ) == [f"科技科 计划于 {TODAY + dt.timedelta(days=3):%Y-%m-%d} 走访该企业（14 天内）"]


def test_a_lists_window_replaces_the_default_and_the_widest_list_wins(alice, carol, bob, org):
    firm = make_enterprise()
    done_visit(firm, org["industry"], [carol], TODAY - dt.timedelta(days=20), carol)
    assert queries.double_visit_window(firm.pk) == 14
    assert not queries.double_visit_warnings(firm.pk, TODAY, organising_unit_id=org["tech"].pk)
    narrow = services.create_key_list(name="窄", tiers=[("A", "A", 30)], double_visit_days=7, actor=bob)
    wide = services.create_key_list(name="宽", tiers=[("A", "A", 30)], double_visit_days=30, actor=bob)
    for key_list in (narrow, wide):
        services.add_members(key_list, usccs=[firm.uscc], tier=key_list.tiers.get(), actor=bob)
    assert queries.double_visit_window(firm.pk) == 30
    assert len(queries.double_visit_warnings(firm.pk, TODAY, organising_unit_id=org["tech"].pk)) == 1


def test_cancelled_visits_do_not_warn(alice, carol, org):
    firm = make_enterprise()
    planned = services.plan_visit(
        enterprise=firm,
        visit_date=TODAY + dt.timedelta(days=2),
        visit_type=VisitType.ROUTINE,
        organising_unit=org["industry"],
        visitors=[carol],
        purpose="走访",
        actor=carol,
    )
    assert queries.double_visit_warnings(firm.pk, TODAY, organising_unit_id=org["tech"].pk)
    services.cancel_visit(planned, reason="改期", actor=carol)
    assert not queries.double_visit_warnings(firm.pk, TODAY, organising_unit_id=org["tech"].pk)


# --- raising a demand -------------------------------------------------------------------------


def test_a_recorded_visit_raises_a_demand_linked_to_it(alice, org):
    firm = make_enterprise()
    visit = done_visit(firm, org["tech"], [alice], TODAY, alice)
    category = DemandCategory.objects.get(code="space")
    demand = services.raise_demand_from_visit(
        visit, category=category, content="扩产需要新增2000平方米厂房", actor=alice
    )
    demand = Demand.objects.get(pk=demand.pk)
    assert (demand.source_visit_id, demand.channel, demand.status, demand.enterprise) == (
        visit.pk,
        DemandChannel.VISIT,
        DemandStatus.SUBMITTED,
        firm,
    )
    assert AuditEntry.objects.filter(action="demands.demand.submitted", target_id=str(demand.pk)).count() == 1


def test_a_planned_visit_cannot_raise_demands_yet(alice, org):
    visit = services.plan_visit(
        enterprise=make_enterprise(),
        visit_date=TODAY,
        visit_type=VisitType.ROUTINE,
        organising_unit=org["tech"],
        visitors=[alice],
        purpose="走访",
        actor=alice,
    )
    with pytest.raises(DomainError) as exc:
        services.raise_demand_from_visit(
            visit, category=DemandCategory.objects.get(code="space"), content="需要厂房用地支持", actor=alice
        )
    assert "走访记录完成后" in exc.value.message
    assert not Demand.objects.exists()


def test_moving_a_member_to_another_tier_changes_its_cadence_and_is_audited(alice, bob):
    key_list = services.create_key_list(name="名单", tiers=[("A", "A类", 30), ("C", "C类", 180)], actor=bob)
    other = services.create_key_list(name="另一名单", tiers=[("A", "A类", 30)], actor=bob)
    firm = make_enterprise()
    services.add_members(
        key_list,
        usccs=[firm.uscc],
        tier=key_list.tiers.get(code="A"),
        added_on=dt.date(2026, 9, 1),
        actor=bob,
    )
    member = KeyListMember.objects.get()
    assert queries.overdue_members(TODAY).count() == 1  # 2026-09-01 + 30 < 11-24
    with pytest.raises(DomainError):
        services.change_member_tier(member, tier=other.tiers.get(), actor=alice)
    services.change_member_tier(member, tier=key_list.tiers.get(code="C"), actor=alice)
    assert queries.overdue_members(TODAY).count() == 0  # 09-01 + 180 is in 2027
    entry = AuditEntry.objects.get(action="visits.key_list_member.tier_changed")
    assert entry.changes == {"tier": ["A", "C"]}
