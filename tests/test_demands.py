"""The demand lifecycle through its services: every path, one audit entry per step, the timeline,
and the permission boundaries (partner of another department, enterprise of another firm)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry
from wutong.demands import queries, rules, services
from wutong.demands import testing as t
from wutong.demands.access import access_demand
from wutong.demands.choices import (
    AssignmentRole,
    AssignmentStatus,
    DemandChannel,
    DemandStatus,
    EventKind,
    RejectionReason,
)
from wutong.demands.models import Demand, DemandAssignment, DemandComment
from wutong.demands.queries import similar_clusters, similarity, tokens

pytestmark = pytest.mark.django_db
S = DemandStatus


def actions_of(demand: Demand) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="demands.demand", target_id=str(demand.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_submit_demand_from_a_visit_starts_both_clocks_and_writes_one_audit_entry(alice):
    demand = t.submitted_demand(alice, channel=DemandChannel.VISIT, source_visit_id=42, title="住房进度")
    assert demand.status == S.SUBMITTED
    assert demand.number == f"SQ{demand.submitted_at.year}{demand.pk:06d}"
    assert demand.source_visit_id == 42 and demand.channel == DemandChannel.VISIT
    assert demand.address == "深圳市罗湖区桂园街道深南东路5016号"  # defaults to the enterprise's address
    assert actions_of(demand) == ["demands.demand.submitted"]
    assert list(demand.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED]


def test_the_happy_path_submitted_accepted_routed_replied_rated_closed(alice, partner, enterprise_user, org):
    demand = t.submitted_demand(alice)
    services.accept_demand(demand, actor=alice)
    assert demand.status == S.ACCEPTED and demand.accepted_at is not None
    services.route_demand(
        demand, lead_department=org["partner"], assisting_departments=[org["tech"]], actor=alice
    )
    assert demand.status == S.ROUTED and demand.lead_department == org["partner"]
    roles = dict(demand.assignments.values_list("department__name", "role"))
    assert roles == {"区住房和建设局": AssignmentRole.LEAD, "科技科": AssignmentRole.ASSIST}
    services.start_demand(demand, actor=partner)
    assert demand.status == S.IN_PROGRESS
    services.reply_demand(demand, reply="已完成审核，下周通知配租。", actor=partner)
    assert demand.status == S.REPLIED and demand.replied_by == partner
    services.rate_demand(demand, rating=5, comment="很快", actor=enterprise_user)
    demand.refresh_from_db()
    assert demand.status == S.CLOSED and demand.rating == 5 and demand.closed_at is not None
    assert not demand.assignments.filter(status=AssignmentStatus.ACTIVE).exists()
    assert actions_of(demand) == [
        "demands.demand.submitted",
        "demands.demand.accepted",
        "demands.demand.routed",
        "demands.demand.started",
        "demands.demand.replied",
        "demands.demand.rated",
    ]
    kinds = list(demand.events.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == ["submitted", "accepted", "routed", "started", "replied", "rated"]


def test_a_poor_rating_reopens_the_demand_with_a_fresh_reply_clock(alice, partner, enterprise_user, org):
    demand = t.replied_demand(alice, org["partner"], partner)
    services.rate_demand(demand, rating=2, comment="没有解决", actor=enterprise_user)
    demand.refresh_from_db()
    assert demand.status == S.IN_PROGRESS
    assert demand.reopen_count == 1 and demand.rating == 2
    assert demand.assignments.filter(status=AssignmentStatus.ACTIVE, role=AssignmentRole.LEAD).count() == 1
    assert actions_of(demand)[-1] == "demands.demand.rated"
    assert list(demand.events.values_list("kind", flat=True))[-2:] == ["rated", "reopened"]
    # the lead department can reply again
    services.reply_demand(demand, reply="再次协调后已安排配租。", actor=partner)
    assert demand.status == S.REPLIED


def test_staff_reopen_a_closed_demand_with_a_reason(alice, partner, enterprise_user, org):
    demand = t.replied_demand(alice, org["partner"], partner)
    services.rate_demand(demand, rating=4, actor=enterprise_user)
    with pytest.raises(DomainError):
        services.reopen_demand(demand, reason="  ", actor=alice)
    services.reopen_demand(demand, reason="企业反映问题反复出现", actor=alice)
    demand.refresh_from_db()
    assert demand.status == S.IN_PROGRESS and demand.reopen_count == 1 and demand.closed_at is None
    assert demand.assignments.filter(status=AssignmentStatus.ACTIVE, role=AssignmentRole.LEAD).count() == 1
    assert actions_of(demand)[-1] == "demands.demand.reopened"


def test_staff_close_a_replied_demand_the_enterprise_did_not_rate(alice, partner, org):
    demand = t.replied_demand(alice, org["partner"], partner)
    services.close_demand(demand, note="电话确认已解决", actor=alice)
    assert demand.status == S.CLOSED and demand.rating is None
    assert actions_of(demand)[-1] == "demands.demand.closed"


def test_the_lead_department_returns_a_demand_and_the_enterprise_is_told(
    alice, partner, enterprise_user, org
):
    demand = t.routed_demand(alice, org["partner"])
    with pytest.raises(DomainError):
        services.return_demand(demand, reason="", actor=partner)
    services.return_demand(demand, reason="融资事项不属于住建局职责", actor=partner)
    demand.refresh_from_db()
    assert demand.status == S.RETURNED and demand.lead_department is None
    assert demand.assignments.get().status == AssignmentStatus.RETURNED
    public = queries.comments_for(demand, enterprise_user)
    assert [c.is_public for c in public] == [True]
    assert "融资事项不属于住建局职责" in public[0].body
    # the department still sees what it returned; the bureau routes it again
    assert access_demand(partner, demand.pk) == demand
    services.route_demand(demand, lead_department=t.other_department(), actor=alice)
    assert demand.status == S.ROUTED
    assert actions_of(demand)[-2:] == ["demands.demand.returned", "demands.demand.routed"]


def test_a_section_head_transfers_the_lead_and_the_old_department_keeps_read_access(alice, bob, partner, org):
    demand = t.routed_demand(alice, org["partner"])
    finance = t.other_department()
    with pytest.raises(PermissionDenied):
        services.transfer_demand(
            demand, to_department=finance, reason="金融事项", actor=alice
        )  # staff may not
    services.transfer_demand(demand, to_department=finance, reason="金融事项", actor=bob)
    demand.refresh_from_db()
    assert demand.lead_department == finance and demand.status == S.ROUTED
    statuses = dict(demand.assignments.values_list("department__name", "status"))
    assert statuses == {
        "区住房和建设局": AssignmentStatus.TRANSFERRED,
        "区金融工作局": AssignmentStatus.ACTIVE,
    }
    assert access_demand(partner, demand.pk) == demand
    with pytest.raises(PermissionDenied):
        services.reply_demand(demand, reply="住建局答复内容", actor=partner)  # no longer the lead
    assert actions_of(demand)[-1] == "demands.demand.transferred"


@pytest.mark.parametrize("reason", [RejectionReason.LITIGATION, RejectionReason.NOT_IN_DISTRICT])
def test_rejection_needs_a_reason_from_the_list(alice, reason):
    demand = t.submitted_demand(alice)
    with pytest.raises(DomainError):
        services.reject_demand(demand, reason="because", actor=alice)
    services.reject_demand(demand, reason=reason, note="已立案", actor=alice)
    assert demand.status == S.REJECTED and demand.rejection_reason == reason
    assert actions_of(demand)[-1] == "demands.demand.rejected"


def test_comments_are_internal_or_public_and_enterprise_comments_are_always_public(
    alice, partner, enterprise_user, org
):
    demand = t.routed_demand(alice, org["partner"])
    services.comment_demand(demand, body="内部：请住建局优先办理", actor=alice)
    services.comment_demand(demand, body="已联系企业", is_public=True, actor=partner)
    services.comment_demand(demand, body="谢谢", is_public=False, actor=enterprise_user)
    assert [c.body for c in queries.comments_for(demand, enterprise_user)] == ["已联系企业", "谢谢"]
    assert queries.comments_for(demand, partner).count() == 3
    assert actions_of(demand).count("demands.demand.commented") == 3


def test_illegal_transitions_are_refused_with_the_reason(alice, partner, org):
    demand = t.submitted_demand(alice)
    with pytest.raises(DomainError, match="待签收"):
        services.reply_demand(demand, reply="答复内容很长", actor=alice)
    with pytest.raises(DomainError):
        services.route_demand(demand, lead_department=org["partner"], actor=alice)  # must be accepted first
    services.accept_demand(demand, actor=alice)
    with pytest.raises(DomainError):
        services.accept_demand(demand, actor=alice)
    with pytest.raises(DomainError, match="主办单位不能同时是协办单位"):
        services.route_demand(
            demand, lead_department=org["partner"], assisting_departments=[org["partner"]], actor=alice
        )
    with pytest.raises(DomainError):
        services.route_demand(demand, lead_department=org["agency"], actor=alice)  # not a department


@pytest.mark.parametrize(
    ("action", "status", "role", "lead", "own", "allowed"),
    [
        pytest.param("accept", S.SUBMITTED, "staff", False, False, True, id="staff-accepts"),
        pytest.param("accept", S.SUBMITTED, "partner", False, False, False, id="partner-cannot-accept"),
        pytest.param("reply", S.ROUTED, "partner", True, False, True, id="lead-partner-replies"),
        pytest.param("reply", S.ROUTED, "partner", False, False, False, id="assisting-partner-cannot-reply"),
        pytest.param("reply", S.ROUTED, "staff", False, False, False, id="staff-outside-lead-cannot-reply"),
        pytest.param("transfer", S.ROUTED, "staff", False, False, False, id="only-heads-reassign"),
        pytest.param("transfer", S.ROUTED, "section_head", False, False, True, id="head-reassigns"),
        pytest.param("rate", S.REPLIED, "enterprise", False, True, True, id="own-enterprise-rates"),
        pytest.param("rate", S.REPLIED, "enterprise", False, False, False, id="other-enterprise-cannot-rate"),
        pytest.param("reply", S.CLOSED, "partner", True, False, False, id="closed-cannot-be-replied"),
        pytest.param("reopen", S.CLOSED, "staff", False, False, True, id="staff-reopen-closed"),
        pytest.param("comment", S.MERGED, "staff", False, False, False, id="merged-is-frozen"),
    ],
)
def test_transition_rules_table(action, status, role, lead, own, allowed):
    from wutong.demands.permissions import DEMAND_CAPABILITIES

    caps = frozenset(name for name, roles in DEMAND_CAPABILITIES.items() if role in roles)
    decision = rules.decide(
        action,
        rules.Facts(status=status, role=role, capabilities=caps, in_lead_department=lead, own_enterprise=own),
    )
    assert decision.allowed is allowed
    assert decision.reason  # every answer explains itself


# --- access --------------------------------------------------------------------------------


def test_partner_department_sees_only_demands_routed_to_it(alice, partner, org):
    mine = t.routed_demand(alice, org["partner"])
    theirs = t.routed_demand(alice, t.other_department())
    unrouted = t.submitted_demand(alice)
    assert list(Demand.objects.visible_to(partner)) == [mine]
    with pytest.raises(Http404):
        access_demand(partner, theirs.pk)
    with pytest.raises(Http404):
        access_demand(partner, unrouted.pk)


def test_an_assisting_department_sees_the_demand_but_cannot_reply(alice, partner, org):
    demand = t.routed_demand(alice, t.other_department(), assisting=[org["partner"]])
    assert access_demand(partner, demand.pk) == demand
    with pytest.raises(PermissionDenied):
        services.reply_demand(demand, reply="协办单位的答复", actor=partner)


def test_enterprise_user_sees_only_their_enterprise_demands(alice, enterprise_user):
    mine = t.submitted_demand(alice)
    other = t.submitted_demand(alice, firm=t.enterprise(t.USCC_OTHER, "深圳市另一家科技有限公司"))
    assert list(Demand.objects.visible_to(enterprise_user)) == [mine]
    with pytest.raises(Http404):
        access_demand(enterprise_user, other.pk)


def test_enterprise_user_submits_only_for_their_own_enterprise(enterprise_user):
    demand = t.submitted_demand(enterprise_user, channel=DemandChannel.PORTAL)
    assert demand.submitted_by == enterprise_user
    with pytest.raises(PermissionDenied):
        t.submitted_demand(enterprise_user, firm=t.enterprise(t.USCC_OTHER, "深圳市另一家科技有限公司"))


def test_enterprise_user_of_another_firm_cannot_rate(alice, partner, org):
    from tests.personas import make_user
    from wutong.accounts.choices import OrgUnitKind, Role
    from wutong.accounts.models import OrgUnit

    t.enterprise(t.USCC_OTHER, "深圳市另一家科技有限公司")
    unit = OrgUnit.objects.create(name="另一家", kind=OrgUnitKind.ENTERPRISE, uscc=t.USCC_OTHER)
    stranger = make_user("stranger", Role.ENTERPRISE, unit)
    demand = t.replied_demand(alice, org["partner"], partner)
    with pytest.raises(Http404):
        access_demand(stranger, demand.pk)
    with pytest.raises(PermissionDenied):
        services.rate_demand(demand, rating=5, actor=stranger)


@pytest.mark.parametrize("persona", ["reviewer", "agency_user", "district_leader"])
def test_other_roles_see_no_demands_except_internal_leaders(persona, request, alice):
    t.submitted_demand(alice)
    user = request.getfixturevalue(persona)
    expected = 1 if persona == "district_leader" else 0
    assert Demand.objects.visible_to(user).count() == expected


def test_staff_of_another_section_see_all_but_cannot_reply_for_a_section_lead(alice, carol, org):
    demand = t.routed_demand(alice, org["tech"])  # the 科技科 section is the lead department
    assert access_demand(carol, demand.pk) == demand
    with pytest.raises(PermissionDenied):
        services.reply_demand(demand, reply="产业科代答复", actor=carol)
    services.reply_demand(demand, reply="科技科答复：已安排辅导。", actor=alice)
    assert demand.status == S.REPLIED


# --- duplicates and 共性诉求 -----------------------------------------------------------------


def test_merging_a_duplicate_moves_comments_assignments_and_timeline_to_the_survivor(alice, bob, org):
    survivor = t.routed_demand(alice, org["partner"])
    duplicate = t.routed_demand(alice, t.other_department())
    services.comment_demand(duplicate, body="重复登记", actor=alice)
    dup_events = duplicate.events.count()
    survivor_events = survivor.events.count()
    with pytest.raises(PermissionDenied):
        services.merge_demands(duplicate, into=survivor, actor=alice)
    services.merge_demands(duplicate, into=survivor, actor=bob)
    duplicate.refresh_from_db()
    assert duplicate.status == S.MERGED and duplicate.merged_into == survivor
    assert DemandComment.objects.filter(demand=survivor).count() == 1
    assert DemandComment.objects.filter(demand=duplicate).count() == 0
    assert survivor.events.count() == survivor_events + dup_events + 1
    # the duplicate's lead becomes an assisting department of the survivor: one active lead only
    active = DemandAssignment.objects.filter(demand=survivor, status=AssignmentStatus.ACTIVE)
    assert sorted(active.values_list("role", flat=True)) == [AssignmentRole.ASSIST, AssignmentRole.LEAD]
    entry = AuditEntry.objects.get(action="demands.demand.merged")
    assert entry.target_id == str(survivor.pk) and entry.data["moved"]["comments"] == 1


def test_demands_of_different_enterprises_are_not_merged_but_grouped(alice, bob):
    a = t.submitted_demand(alice)
    b = t.submitted_demand(alice, firm=t.enterprise(t.USCC_OTHER, "深圳市另一家科技有限公司"))
    with pytest.raises(DomainError, match="共性诉求"):
        services.merge_demands(b, into=a, actor=bob)


def test_token_overlap_finds_similar_demands_across_enterprises(alice, bob):
    firms = [t.enterprise(f"91440300MA5F0000{n:02d}", f"企业{n}") for n in range(3, 7)]
    texts = [
        "人才住房配租申请审核进度太慢，希望加快人才住房审核",
        "希望加快人才住房配租审核，申请已经三个月",
        "人才住房配租审核进度慢，请协调加快",
        "专利侵权维权需要法律援助",
    ]
    demands = [t.submitted_demand(alice, firm=f, content=text) for f, text in zip(firms, texts, strict=True)]
    assert similarity(tokens(texts[0]), tokens(texts[1])) >= queries.SIMILARITY_THRESHOLD
    assert similarity(tokens(texts[0]), tokens(texts[3])) < 0.1
    clusters = similar_clusters(Demand.objects.all())
    assert len(clusters) == 1
    assert {d.pk for d in clusters[0].demands} == {d.pk for d in demands[:3]}
    group = services.create_demand_group(
        title="人才住房审核周期长", demands=clusters[0].demands, note="推动住建局压缩审核时限", actor=bob
    )
    assert group.demands.count() == 3
    assert similar_clusters(Demand.objects.all()) == []  # grouped demands leave the suggestions
    with pytest.raises(PermissionDenied):
        services.create_demand_group(title="x", demands=demands[:2], actor=alice)


def test_auto_classification_picks_the_category_with_most_keyword_hits(db):
    from wutong.demands.models import DemandCategory

    finance, ip = (
        queries.suggest_category("申请银行贷款贴息和担保"),
        queries.suggest_category("发明专利被侵权"),
    )
    assert (getattr(finance, "code", None), getattr(ip, "code", None)) == ("finance", "ip")
    assert queries.suggest_category("无关内容") is None
    assert DemandCategory.objects.count() == 9


def test_the_visits_app_lists_the_demands_of_a_visit_as_the_user_may_see_them(alice, partner, org):
    routed = t.routed_demand(alice, org["partner"], channel=DemandChannel.VISIT, source_visit_id=7)
    t.submitted_demand(alice, channel=DemandChannel.VISIT, source_visit_id=7)
    t.submitted_demand(alice, channel=DemandChannel.VISIT, source_visit_id=8)
    assert queries.demands_from_visit(7, alice).count() == 2
    assert list(queries.demands_from_visit(7, partner)) == [routed]
