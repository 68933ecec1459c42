"""招商: services with their guards and audit entries, the landing link to the registry, access per
role, the funnel and attribution on a hand-computed fixture, time in stage, the plan, the chain map,
promise vs actual from annual reports, leads, and the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from tests.fixtures.import_files import uscc
from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry
from wutong.enterprises.choices import QualificationKind
from wutong.enterprises.models import AnnualReport, Enterprise, QualificationHolding
from wutong.investment import access, queries, services
from wutong.investment.choices import (
    ActivityKind,
    Channel,
    LeadStatus,
    LostReason,
    PlanMetric,
    SpaceUse,
    Stage,
)
from wutong.investment.models import (
    Activity,
    Announcement,
    Chain,
    ChainSegment,
    Lead,
    PlanTarget,
    Project,
    ProjectStageChange,
    Space,
    Target,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def actions(prefix: str = "investment.") -> list[str]:
    return list(
        AuditEntry.objects.filter(action__startswith=prefix).order_by("id").values_list("action", flat=True)
    )


@pytest.fixture
def target(carol):
    return services.create_target(
        actor=carol, name="北京云图智算科技股份有限公司", channel=Channel.ASSOCIATION
    )


def walk_to(project, stage, actor):
    """Fill what each gate needs and advance ``project`` stage by stage up to ``stage``."""
    fills = {
        Stage.CONTACT: {"owner": actor},
        Stage.NEGOTIATION: {
            "industry_id": "6513",
            "investment_amount": Decimal("1e8"),
            "space_area": Decimal(900),
        },
        Stage.SIGNED: {
            "signed_on": TODAY,
            "registered_capital": Decimal("2e7"),
            "expected_revenue": Decimal("5e7"),
            "expected_tax": Decimal("3e6"),
            "expected_headcount": 80,
            "move_in_on": TODAY,
        },
        Stage.LANDED: {"landed_on": TODAY},
        Stage.OPERATING: {"operating_on": TODAY},
    }
    order = [Stage.CONTACT, Stage.NEGOTIATION, Stage.SIGNED, Stage.LANDED, Stage.OPERATING]
    for step in order[: order.index(stage) + 1]:
        services.update_project(project, actor=actor, **fills[step])
        project = services.advance_project(project, to_stage=step, actor=actor)
    return project


# --- targets -----------------------------------------------------------------------------------


def test_the_investment_section_registers_a_target_with_one_audit_entry(carol):
    t = services.create_target(
        actor=carol,
        name=" 上海芯源科技有限公司 ",
        uscc=uscc(1).lower(),
        channel=Channel.THIRD_PARTY,
        is_listed=True,
        stock_code="688123",
        contacts=[{"name": "王总", "role": "董事长"}],
    )
    assert (t.name, t.uscc, t.contacts.get().name) == ("上海芯源科技有限公司", uscc(1), "王总")
    assert actions() == ["investment.target.created"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"uscc": "91440300MA5F00000X"}, "uscc", "第18位"),
        ({"stock_code": "600000"}, "stock_code", "非上市公司不应填写股票代码"),
        ({"channel": "tv"}, "channel", "请选择来源渠道"),
        ({"name": "  "}, "name", "请填写企业名称"),
    ],
    ids=["bad-uscc", "stock-code-unlisted", "unknown-channel", "blank-name"],
)
def test_a_bad_target_is_refused_with_the_field_and_reason(carol, fields, field, message):
    with pytest.raises(DomainError) as caught:
        services.create_target(actor=carol, **{"name": "某公司", "channel": Channel.EXPO, **fields})
    assert caught.value.field == field and message in caught.value.message
    assert not Target.objects.exists()


def test_a_uscc_belongs_to_one_target_only(carol, target):
    services.update_target(target, actor=carol, uscc=uscc(1))
    with pytest.raises(DomainError, match="已登记为招商目标“北京云图智算科技股份有限公司”"):
        services.create_target(actor=carol, name="另一家", uscc=uscc(1), channel=Channel.EXPO)


@pytest.mark.parametrize(
    "persona", ["alice", "bob", "leader", "district_leader", "partner", "enterprise_user"]
)
def test_only_the_investment_section_and_admins_change_records(persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.create_target(actor=user, name="某公司", channel=Channel.EXPO)


def test_an_administrator_may_manage_too(admin_user):
    assert services.create_target(actor=admin_user, name="某公司", channel=Channel.EXPO).pk


# --- projects and stages -------------------------------------------------------------------------


def test_a_project_inherits_its_targets_channel_and_starts_at_lead(carol, target):
    project = services.create_project(actor=carol, name="云图华南总部", target=target)
    assert (project.channel, project.stage) == (Channel.ASSOCIATION, Stage.LEAD)
    assert list(project.stage_changes.values_list("from_stage", "to_stage")) == [("", Stage.LEAD)]


def test_the_gate_refuses_a_stage_until_its_fields_are_filled(carol, target):
    project = services.create_project(actor=carol, name="云图华南总部", target=target)
    with pytest.raises(DomainError) as caught:
        services.advance_project(project, to_stage=Stage.CONTACT, actor=carol)
    assert caught.value.message == "项目负责人：接洽后须有专人跟进"
    assert caught.value.field == "owner" and caught.value.code == "gate"
    services.update_project(project, actor=carol, owner=carol)
    project = services.advance_project(project, to_stage=Stage.CONTACT, actor=carol)
    assert project.stage == Stage.CONTACT


def test_skipping_a_stage_is_refused(carol, target):
    project = services.create_project(actor=carol, name="x", target=target, owner=carol)
    with pytest.raises(DomainError, match="不能跳过阶段"):
        services.advance_project(project, to_stage=Stage.NEGOTIATION, actor=carol)


def test_every_stage_change_is_a_row_with_a_timestamp_and_an_audit_entry(carol, target):
    project = services.create_project(actor=carol, name="云图华南总部", target=target)
    project = walk_to(project, Stage.SIGNED, carol)
    rows = list(project.stage_changes.order_by("changed_at", "id").values_list("from_stage", "to_stage"))
    assert rows == [
        ("", Stage.LEAD),
        (Stage.LEAD, Stage.CONTACT),
        (Stage.CONTACT, Stage.NEGOTIATION),
        (Stage.NEGOTIATION, Stage.SIGNED),
    ]
    advanced = AuditEntry.objects.filter(action="investment.project.advanced", target_id=str(project.pk))
    assert [e.data["to"] for e in advanced.order_by("id")] == [Stage.CONTACT, Stage.NEGOTIATION, Stage.SIGNED]
    assert advanced.order_by("id").last().changes == {"stage": [Stage.NEGOTIATION, Stage.SIGNED]}


def test_landing_links_the_registry_enterprise_with_the_same_uscc(carol, target):
    existing = Enterprise.objects.create(uscc=uscc(7), name="深圳云图智算科技有限公司")
    before = Enterprise.objects.count()
    project = services.create_project(actor=carol, name="云图华南总部", target=target)
    project = walk_to(project, Stage.SIGNED, carol)
    services.update_project(project, actor=carol, uscc=uscc(7).lower())
    project = walk_to(project, Stage.LANDED, carol) if False else project
    services.update_project(project, actor=carol, landed_on=TODAY)
    project = services.advance_project(project, to_stage=Stage.LANDED, actor=carol)
    assert project.enterprise == existing and Enterprise.objects.count() == before
    target.refresh_from_db()
    assert target.uscc == uscc(7)
    entry = AuditEntry.objects.filter(action="investment.project.advanced").latest("id")
    assert (entry.data["enterprise"], entry.data["enterprise_created"]) == (existing.pk, False)


def test_landing_with_a_new_uscc_registers_the_enterprise_in_the_registry(carol, target):
    project = services.create_project(actor=carol, name="云图华南总部", target=target)
    project = walk_to(project, Stage.SIGNED, carol)
    services.update_project(project, actor=carol, uscc=uscc(8), landed_on=dt.date(2026, 5, 6))
    project = services.advance_project(project, to_stage=Stage.LANDED, actor=carol)
    enterprise = Enterprise.objects.get(uscc=uscc(8))
    assert project.enterprise == enterprise
    assert (
        enterprise.name,
        enterprise.industry_id,
        enterprise.registered_capital,
        enterprise.established,
    ) == (
        "北京云图智算科技股份有限公司",
        "6513",
        Decimal("20000000.00"),
        dt.date(2026, 5, 6),
    )
    assert "enterprises.enterprise.created" in actions("enterprises.")
    assert (
        AuditEntry.objects.filter(action="investment.project.advanced")
        .latest("id")
        .data["enterprise_created"]
    )


def test_landing_without_a_valid_uscc_stays_signed(carol, target):
    project = walk_to(services.create_project(actor=carol, name="x", target=target), Stage.SIGNED, carol)
    services.update_project(project, actor=carol, landed_on=TODAY)
    with pytest.raises(DomainError, match="落地企业信用代码：落地\\(注册\\)须有有效的统一社会信用代码"):
        services.advance_project(project, to_stage=Stage.LANDED, actor=carol)
    with pytest.raises(DomainError, match="第18位"):
        services.update_project(project, actor=carol, uscc="91440300MA5F00000X")
    project.refresh_from_db()
    assert project.stage == Stage.SIGNED and project.enterprise is None


def test_a_lost_project_keeps_the_stage_it_left_and_reopens_only_there(carol, target):
    project = walk_to(services.create_project(actor=carol, name="x", target=target), Stage.NEGOTIATION, carol)
    with pytest.raises(DomainError, match="流失原因"):
        services.mark_project_lost(project, reason="", actor=carol)
    project = services.mark_project_lost(
        project, reason=LostReason.NO_SPACE, note="需要 5000㎡ 厂房", actor=carol
    )
    assert (project.stage, project.lost_from_stage) == (Stage.LOST, Stage.NEGOTIATION)
    with pytest.raises(DomainError, match="流失项目只能恢复到流失前的“洽谈”阶段"):
        services.advance_project(project, to_stage=Stage.SIGNED, actor=carol)
    project = services.reopen_project(project, actor=carol)
    assert (project.stage, project.lost_reason, project.lost_from_stage) == (Stage.NEGOTIATION, "", "")
    assert actions()[-2:] == ["investment.project.lost", "investment.project.reopened"]
    assert project.stage_changes.count() == 5


def test_a_landed_project_cannot_be_lost_nor_change_its_uscc(carol, target):
    project = walk_to(services.create_project(actor=carol, name="x", target=target), Stage.SIGNED, carol)
    services.update_project(project, actor=carol, uscc=uscc(9), landed_on=TODAY)
    project = services.advance_project(project, to_stage=Stage.LANDED, actor=carol)
    with pytest.raises(DomainError, match="已落地的项目不能标记为流失"):
        services.mark_project_lost(project, reason=LostReason.OTHER, actor=carol)
    with pytest.raises(DomainError, match="不能修改"):
        services.update_project(project, actor=carol, uscc=uscc(10))


@pytest.mark.parametrize("persona", ["alice", "bob", "leader"])
def test_other_sections_cannot_move_a_project(persona, request, carol, target):
    project = services.create_project(actor=carol, name="x", target=target, owner=carol)
    with pytest.raises(PermissionDenied):
        services.advance_project(project, to_stage=Stage.CONTACT, actor=request.getfixturevalue(persona))
    with pytest.raises(PermissionDenied):
        services.mark_project_lost(project, reason=LostReason.OTHER, actor=request.getfixturevalue(persona))


# --- access --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "sees", "changes"),
    [
        ("carol", True, True),
        ("admin_user", True, True),
        ("alice", True, False),
        ("bob", True, False),
        ("leader", True, False),
        ("district_leader", True, False),
        ("partner", False, False),
        ("reviewer", False, False),
        ("agency_user", False, False),
        ("enterprise_user", False, False),
    ],
)
def test_internal_roles_read_only_the_investment_section_manages_external_roles_see_nothing(
    persona, sees, changes, request, carol, target
):
    project = services.create_project(actor=carol, name="x", target=target)
    user = request.getfixturevalue(persona)
    assert Project.objects.visible_to(user).count() == (1 if sees else 0)
    assert Target.objects.visible_to(user).count() == (1 if sees else 0)
    if not sees:
        with pytest.raises(Http404):
            access.access_project(user, project.pk)
        return
    assert access.access_project(user, project.pk) == project
    if changes:
        assert access.access_project(user, project.pk, "change") == project
    else:
        with pytest.raises(PermissionDenied):
            access.access_project(user, project.pk, "change")


# --- funnel and attribution on a hand-computed fixture ---------------------------------------------


def _firm(n, gaoxin_until=None):
    firm = Enterprise.objects.create(uscc=uscc(100 + n), name=f"落地企业{n}")
    if gaoxin_until is not None:
        QualificationHolding.objects.create(
            enterprise=firm, kind=QualificationKind.GAOXIN, issued_on=TODAY - dt.timedelta(days=400),
            expires_on=gaoxin_until,
        )  # fmt: skip
    return firm


def _project(name, channel, stage, *, lost_from="", firm=None):
    return Project.objects.create(
        name=name,
        channel=channel,
        stage=stage,
        lost_reason=LostReason.OTHER if stage == Stage.LOST else "",
        lost_from_stage=lost_from,
        enterprise=firm,
        landed_on=TODAY if firm else None,
    )


@pytest.fixture
def pipeline(db):
    """Ten projects; the expected figures in the tests below are counted by hand from this list.

    third party: T1 landed (国高), T2 landed (国高), T3 operating (国高), T4 negotiation, T5 lost at contact
    investor:    I1 landed (国高 expired yesterday), I2 signed, I3 lost at signed
    property:    P1 landed (国高), P2 lead
    """
    valid = TODAY + dt.timedelta(days=300)
    T, INV, P = Channel.THIRD_PARTY, Channel.INVESTOR, Channel.PROPERTY_OWNER
    _project("T1", T, Stage.LANDED, firm=_firm(1, valid))
    _project("T2", T, Stage.LANDED, firm=_firm(2, valid))
    _project("T3", T, Stage.OPERATING, firm=_firm(3, valid))
    _project("T4", T, Stage.NEGOTIATION)
    _project("T5", T, Stage.LOST, lost_from=Stage.CONTACT)
    _project("I1", INV, Stage.LANDED, firm=_firm(4, TODAY - dt.timedelta(days=1)))
    _project("I2", INV, Stage.SIGNED)
    _project("I3", INV, Stage.LOST, lost_from=Stage.SIGNED)
    _project("P1", P, Stage.LANDED, firm=_firm(5, valid))
    _project("P2", P, Stage.LEAD)
    return Project.objects.all()


def test_the_funnel_counts_projects_that_reached_each_stage_lost_ones_at_the_stage_they_left(pipeline):
    rows = queries.funnel(pipeline)
    assert [(r["stage"], r["reached"], r["next_rate"]) for r in rows] == [
        (Stage.LEAD, 10, 90.0),
        (Stage.CONTACT, 9, 88.9),
        (Stage.NEGOTIATION, 8, 87.5),
        (Stage.SIGNED, 7, 71.4),
        (Stage.LANDED, 5, 20.0),
        (Stage.OPERATING, 1, None),
    ]
    assert queries.lost_by_stage(pipeline) == {Stage.CONTACT: 1, Stage.SIGNED: 1}


def test_attribution_per_channel_with_the_share_of_landed_gaoxin(pipeline):
    rows = queries.channel_attribution(pipeline, on=TODAY)
    assert [
        (r["channel"], r["projects"], r["negotiation"], r["signed"], r["landed"], r["lost"], r["conversion"],
         r["gaoxin"], r["gaoxin_share"])
        for r in rows
    ] == [
        (Channel.THIRD_PARTY, 5, 4, 3, 3, 1, 60.0, 3, 75.0),
        (Channel.INVESTOR, 3, 3, 3, 1, 1, 33.3, 0, 0.0),
        (Channel.PROPERTY_OWNER, 2, 1, 1, 1, 0, 50.0, 1, 25.0),
    ]  # fmt: skip


def test_a_gaoxin_certificate_counts_on_the_day_it_is_valid(pipeline):
    rows = {r["channel"]: r for r in queries.channel_attribution(pipeline, on=TODAY - dt.timedelta(days=1))}
    assert (rows[Channel.INVESTOR]["gaoxin"], rows[Channel.THIRD_PARTY]["gaoxin_share"]) == (1, 60.0)


def test_time_in_stage_averages_the_stays_that_ended(carol, target):
    t0 = timezone.now() - dt.timedelta(days=30)
    x = services.create_project(actor=carol, name="X", target=target, owner=carol, at=t0)
    x = services.advance_project(x, to_stage=Stage.CONTACT, actor=carol, at=t0 + dt.timedelta(days=4))
    services.update_project(
        x, actor=carol, industry_id="6513", investment_amount=Decimal(1), land_area=Decimal(1)
    )
    services.advance_project(x, to_stage=Stage.NEGOTIATION, actor=carol, at=t0 + dt.timedelta(days=10))
    y = services.create_project(actor=carol, name="Y", target=target, owner=carol, at=t0)
    services.advance_project(y, to_stage=Stage.CONTACT, actor=carol, at=t0 + dt.timedelta(days=2))
    rows = {r["stage"]: r for r in queries.time_in_stage(Project.objects.all())}
    assert (rows[Stage.LEAD]["stays"], rows[Stage.LEAD]["avg_days"], rows[Stage.LEAD]["max_days"]) == (
        2,
        3.0,
        4.0,
    )
    assert (rows[Stage.CONTACT]["stays"], rows[Stage.CONTACT]["avg_days"], rows[Stage.CONTACT]["open"]) == (
        1,
        6.0,
        1,
    )
    assert (rows[Stage.NEGOTIATION]["stays"], rows[Stage.NEGOTIATION]["open"]) == (0, 1)
    assert ProjectStageChange.objects.count() == 5


# --- the plan ------------------------------------------------------------------------------------


def test_plan_progress_counts_activities_targets_and_projects_of_the_year(carol):
    a, b, c = (services.create_target(actor=carol, name=n, channel=Channel.EXPO) for n in "ABC")
    year = 2026

    def act(kind, day, targets):
        return services.record_activity(
            actor=carol, kind=kind, title=str(kind), date=day, targets=targets, city="北京"
        )

    act(ActivityKind.OUTBOUND, dt.date(year, 3, 1), [a])
    act(ActivityKind.OUTBOUND, dt.date(year, 9, 1), [a, b])
    act(ActivityKind.OUTBOUND, dt.date(year - 1, 12, 31), [c])  # last year: not counted
    act(ActivityKind.VISIT, dt.date(year, 4, 1), [b])
    act(ActivityKind.VISIT, dt.date(year, 5, 1), [])
    act(ActivityKind.VISIT, dt.date(year, 6, 1), [])
    act(ActivityKind.CALL, dt.date(year, 6, 2), [c])
    services.set_plan_target(year=year, metric=PlanMetric.OUTBOUND_EVENTS, target=6, actor=carol)
    services.set_plan_target(year=year, metric=PlanMetric.DOOR_VISITS, target=20, actor=carol)
    services.set_plan_target(year=year, metric=PlanMetric.DOOR_VISITS, target=2, actor=carol)  # changed
    rows = {r["metric"]: r for r in queries.plan_progress(year)}
    assert (rows[PlanMetric.OUTBOUND_EVENTS]["actual"], rows[PlanMetric.OUTBOUND_EVENTS]["percent"]) == (
        2,
        33.3,
    )
    assert (rows[PlanMetric.OUTBOUND_EVENTS]["bar"], rows[PlanMetric.OUTBOUND_EVENTS]["gap"]) == (33, 4)
    assert (rows[PlanMetric.DOOR_VISITS]["percent"], rows[PlanMetric.DOOR_VISITS]["bar"]) == (150.0, 100)
    assert rows[PlanMetric.KEY_ENTERPRISES]["actual"] == 3
    assert rows[PlanMetric.KEY_ENTERPRISES]["target"] is None
    assert PlanTarget.objects.get(year=year, metric=PlanMetric.DOOR_VISITS).target == 2
    assert actions().count("investment.plantarget.set") == 3


# --- chains and space ------------------------------------------------------------------------------


def test_the_chain_map_marks_empty_and_thin_segments_as_gaps(carol):
    chain = services.create_chain(actor=carol, name="软件与信息服务")
    app = services.add_chain_segment(
        chain, actor=carol, position="midstream", name="应用软件", industry_codes="6513"
    )
    data = services.add_chain_segment(
        chain, actor=carol, position="downstream", name="数据", industry_codes="65"
    )
    med = services.add_chain_segment(
        chain, actor=carol, position="upstream", name="医学研究", industry_codes="7340"
    )
    for n in range(2):
        Enterprise.objects.create(uscc=uscc(200 + n), name=f"软件{n}", industry_id="6513")
    Enterprise.objects.create(uscc=uscc(210), name="集成", industry_id="6531")
    Enterprise.objects.create(uscc=uscc(211), name="已迁出", industry_id="6513", status="moved_out")
    services.create_target(actor=carol, name="目标A", channel=Channel.CHAIN, industry_id="7340")
    rows = {s["segment"].pk: s for s in queries.chain_map()[0]["segments"]}
    assert (rows[app.pk]["local"], rows[app.pk]["status"]) == (2, "thin")
    assert (rows[data.pk]["local"], rows[data.pk]["status"]) == (3, "ok")
    assert (rows[med.pk]["local"], rows[med.pk]["targets"], rows[med.pk]["status"]) == (0, 1, "gap")
    tree = queries.chain_tree(queries.chain_map())
    assert tree[0]["name"] == "软件与信息服务"
    assert [c["name"] for c in tree[0]["children"]] == ["上游", "中游", "下游"]


def test_a_segment_with_an_unknown_industry_code_is_refused(carol):
    chain = services.create_chain(actor=carol, name="大健康")
    with pytest.raises(DomainError, match="行业代码不存在：9999"):
        services.add_chain_segment(
            chain, actor=carol, position="upstream", name="x", industry_codes="7340,9999"
        )


def test_a_chain_link_has_exactly_one_counterpart(carol, target):
    leader = Enterprise.objects.create(uscc=uscc(300), name="链主")
    with pytest.raises(DomainError, match="二选一"):
        services.record_chain_link(actor=carol, leader=leader, kind="supplier")
    link = services.record_chain_link(actor=carol, leader=leader, kind="supplier", counterpart_target=target)
    assert link.counterpart_target == target and actions()[-1] == "investment.chainlink.recorded"


def test_a_project_is_offered_the_spaces_that_fit_its_need(carol, target, db):
    from wutong.core.models import Park

    park = Park.objects.get(name="中设广场")
    services.create_space(actor=carol, park=park, area=Decimal(800), use=SpaceUse.RD)
    services.create_space(actor=carol, park=park, area=Decimal(1000), use=SpaceUse.OFFICE)
    services.create_space(actor=carol, park=park, area=Decimal(1400), use=SpaceUse.RD)
    services.create_space(actor=carol, park=park, area=Decimal(950), use=SpaceUse.RD, is_available=False)
    project = services.create_project(
        actor=carol, name="x", target=target, space_area=Decimal(1000), space_use=SpaceUse.RD
    )
    matches = queries.project_space_matches(project)
    assert [m.area for m in matches] == [Decimal(800)]


# --- promise vs actual -----------------------------------------------------------------------------


def test_promise_vs_actual_reads_the_latest_annual_report_of_the_landed_enterprise(carol, target):
    project = walk_to(services.create_project(actor=carol, name="x", target=target), Stage.SIGNED, carol)
    services.update_project(project, actor=carol, uscc=uscc(400), landed_on=TODAY)
    project = services.advance_project(project, to_stage=Stage.LANDED, actor=carol)
    AnnualReport.objects.create(enterprise=project.enterprise, year=2024, operating_revenue=Decimal("9e7"))
    AnnualReport.objects.create(
        enterprise=project.enterprise, year=2025, operating_revenue=Decimal("3e7"), tax_paid=Decimal("3e6"),
        employees=90,
    )  # fmt: skip
    result = queries.promise_vs_actual(project)
    rows = {r.metric: r for r in result["rows"]}
    assert result["year"] == 2025 and result["flagged"] == 1
    assert rows["revenue"].flagged and rows["revenue"].gap == Decimal(
        2000
    )  # 5000 promised, 3000 actual (万元)
    assert not rows["tax"].flagged and not rows["headcount"].flagged
    assert rows["registered_capital"].actual == Decimal(2000) and not rows["registered_capital"].flagged
    assert "paid_in_capital" not in rows  # not promised: not compared
    assert [p["project"] for p in queries.promise_overview(Project.objects.all())] == [project]


# --- leads -----------------------------------------------------------------------------------------


def _announcement(**extra):
    values = {
        "company_name": "杭州星河科技股份有限公司",
        "stock_code": "688321",
        "announced_on": TODAY - dt.timedelta(days=10),
        "project_name": "华南研发中心建设项目",
        "amount": Decimal("6e8"),
        "location": "深圳市（待定）",
        "industry_id": "6513",
        "area_needed": Decimal(1000),
        "space_use": SpaceUse.RD,
        **extra,
    }
    return Announcement.objects.create(**values)


def test_announcements_are_scored_against_chains_and_spaces_and_converted_to_projects(carol):
    from wutong.core.models import Park

    chain = Chain.objects.create(name="软件")
    segment = ChainSegment.objects.create(
        chain=chain, position="midstream", name="应用软件", industry_codes="6513"
    )
    Space.objects.create(park=Park.objects.get(name="中设广场"), area=Decimal(1100), use=SpaceUse.RD)
    announcement = _announcement()
    assert services.score_announcements([announcement.pk], today=TODAY) == 1
    lead = Lead.objects.get()
    assert lead.score == 100 and list(lead.segments.all()) == [segment]
    assert lead.spaces[0]["reason"] == "面积 1100㎡，需求 1000㎡，相差 10%"
    project = services.convert_lead(lead, actor=carol)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED and lead.target.name == "杭州星河科技股份有限公司"
    assert (project.channel, project.segment, project.investment_amount, project.lead) == (
        Channel.LISTED_FUNDRAISING, segment, Decimal("6e8"), lead,
    )  # fmt: skip
    assert lead.target.is_listed and lead.target.stock_code == "688321"
    with pytest.raises(DomainError, match="该线索已处理"):
        services.convert_lead(lead, actor=carol)


# --- pages -----------------------------------------------------------------------------------------


PAGES = [
    "investment:project_list",
    "investment:target_list",
    "investment:targetlist_index",
    "investment:lead_list",
    "investment:activity_list",
    "investment:plan",
    "investment:funnel",
    "investment:chain_map",
    "investment:space_list",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_for_a_reader_from_another_section(client, alice, pipeline, name):
    client.force_login(alice)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_external_roles_are_refused_every_page(client, partner, name):
    client.force_login(partner)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["investment:project_create", "investment:target_create", "investment:activity_create",
     "investment:space_create", "investment:import_upload"],
)  # fmt: skip
def test_readers_cannot_open_the_forms(client, alice, name):
    client.force_login(alice)
    assert client.get(reverse(name)).status_code == 403


def test_the_funnel_page_shows_the_hand_computed_figures(client, carol, pipeline):
    client.force_login(carol)
    html = client.get(reverse("investment:funnel")).content.decode()
    assert 'data-channel="third_party"' in html and "75.0%" in html and "60.0%" in html
    assert 'id="investment-funnel-data"' in html and "wutong/investment.js" in html


def test_a_project_page_walks_the_stages_through_the_form(client, carol, target):
    client.force_login(carol)
    response = client.post(reverse("investment:project_create"), {"name": "云图总部", "target": target.pk})
    project = Project.objects.get()
    assert response.status_code == 302 and project.channel == Channel.ASSOCIATION
    url = reverse("investment:project_detail", args=[project.pk])
    page = client.get(url).content.decode()
    assert "项目负责人" in page and 'id="gate-missing"' in page
    refused = client.post(url, {"action": "advance", "to_stage": Stage.CONTACT}).content.decode()
    assert "接洽后须有专人跟进" in refused
    services.update_project(project, actor=carol, owner=carol)
    assert client.post(url, {"action": "advance", "to_stage": Stage.CONTACT}).status_code == 302
    project.refresh_from_db()
    assert project.stage == Stage.CONTACT
    assert client.post(url, {"action": "lost", "reason": LostReason.NO_RESPONSE}).status_code == 302
    project.refresh_from_db()
    assert (project.stage, project.lost_from_stage) == (Stage.LOST, Stage.CONTACT)


def test_the_project_form_takes_money_in_wan_yuan(client, carol, target):
    client.force_login(carol)
    client.post(
        reverse("investment:project_create"),
        {"name": "x", "target": target.pk, "investment_amount": "12345.5", "industry": "I6513"},
    )
    project = Project.objects.get()
    assert (project.investment_amount, project.industry_id) == (Decimal("123455000.00"), "6513")


def test_the_enterprise_file_has_a_zhaoshang_tab_for_landed_projects(client, carol, target):
    project = walk_to(
        services.create_project(actor=carol, name="云图总部", target=target), Stage.SIGNED, carol
    )
    services.update_project(project, actor=carol, uscc=uscc(500), landed_on=TODAY)
    project = services.advance_project(project, to_stage=Stage.LANDED, actor=carol)
    client.force_login(carol)
    url = reverse("enterprises:enterprise_detail", args=[project.enterprise_id]) + "?tab=investment"
    html = client.get(url).content.decode()
    assert "云图总部" in html and 'id="tab-investment"' in html


def test_the_dashboard_shows_pipeline_landed_and_outbound_against_plan(client, carol, pipeline):
    PlanTarget.objects.create(year=TODAY.year, metric=PlanMetric.OUTBOUND_EVENTS, target=6)
    Activity.objects.create(kind=ActivityKind.OUTBOUND, title="赴京招商", date=TODAY)
    client.force_login(carol)
    html = client.get("/").content.decode()
    assert "在谈招商项目" in html and "本年落地项目" in html and "计划 6 场" in html
    numbers = queries.dashboard_numbers(TODAY.year)
    assert (numbers["pipeline"], numbers["landed"], numbers["outbound"]["actual"]) == (3, 5, 1)


def test_a_target_contacts_phone_is_masked_for_roles_without_pii_access(
    client, carol, district_leader, target
):
    services.add_target_contact(target, actor=carol, name="王总", phone="13812345678")
    url = reverse("investment:target_detail", args=[target.pk])
    client.force_login(carol)
    assert "13812345678" in client.get(url).content.decode()
    client.force_login(district_leader)
    html = client.get(url).content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert AuditEntry.objects.get(action="investment.target.contact_added").data["phone"] == "138****5678"


def test_an_update_that_changes_nothing_writes_no_audit_entry(carol, target):
    project = services.create_project(actor=carol, name="x", target=target)
    services.update_project(project, actor=carol, name="x")
    services.update_target(target, actor=carol, hq_city="")
    assert actions() == ["investment.target.created", "investment.project.created"]


def test_the_project_list_costs_the_same_queries_for_5_or_25_projects(
    client, carol, target, django_assert_max_num_queries
):
    client.force_login(carol)
    for n in range(5):
        services.create_project(actor=carol, name=f"p{n}", target=target, owner=carol)
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("investment:project_list"))
    for n in range(20):
        services.create_project(actor=carol, name=f"q{n}", target=target, owner=carol)
    with django_assert_max_num_queries(12) as large:
        client.get(reverse("investment:project_list"))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_leads_are_rescored_from_the_list_after_a_space_appears(client, carol):
    from wutong.core.models import Park

    announcement = _announcement(industry_id=None)
    services.score_announcements([announcement.pk], today=TODAY)
    assert Lead.objects.get().score == 45  # amount 20 + place 15 + fresh 10
    Space.objects.create(park=Park.objects.get(name="中设广场"), area=Decimal(1000), use=SpaceUse.RD)
    client.force_login(carol)
    assert 'id="rescore-leads"' in client.get(reverse("investment:lead_list")).content.decode()
    assert client.post(reverse("investment:lead_rescore")).status_code == 302
    assert Lead.objects.get().score == 65
    assert actions()[-1] == "investment.lead.rescored"


def test_staff_build_a_chain_and_its_segments_through_the_forms(client, carol, alice):
    client.force_login(carol)
    assert client.post(reverse("investment:chain_create"), {"name": "新材料", "order": 3}).status_code == 302
    chain = Chain.objects.get(name="新材料")
    response = client.post(
        reverse("investment:segment_create"),
        {"chain": chain.pk, "position": "upstream", "name": "电子材料", "industry_codes": "3985", "order": 0},
    )
    assert response.status_code == 302
    assert list(chain.segments.values_list("name", "industry_codes")) == [("电子材料", "3985")]
    refused = client.post(
        reverse("investment:segment_create"),
        {"chain": chain.pk, "position": "upstream", "name": "x", "industry_codes": "0000", "order": 0},
    )
    assert "行业代码不存在：0000" in refused.content.decode()
    client.force_login(alice)
    assert client.get(reverse("investment:chain_create")).status_code == 403
