"""The 招商 journey in Chromium: a 产业/招商 officer registers a target, opens a project, walks it
through every stage gate to 落地 (which links the registry), then reads the funnel and the chain map.
Screenshots: the gate, the landed project, the funnel and the chain map (test-artifacts/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.fixtures.import_files import uscc
from tests.personas import PASSWORD
from wutong.core.models import Park
from wutong.enterprises.models import Enterprise
from wutong.investment.choices import SpaceUse, Stage
from wutong.investment.models import Chain, ChainSegment, Project, ProjectStageChange, Space, Target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chains(db):  # type: ignore[no-untyped-def]
    software = Chain.objects.create(name="软件与信息服务", order=1)
    ChainSegment.objects.create(chain=software, position="upstream", name="基础软件", industry_codes="6511")
    ChainSegment.objects.create(chain=software, position="midstream", name="应用软件", industry_codes="6513")
    ChainSegment.objects.create(
        chain=software, position="downstream", name="信息技术咨询", industry_codes="6560"
    )
    health = Chain.objects.create(name="大健康", order=2)
    ChainSegment.objects.create(chain=health, position="midstream", name="医疗器械", industry_codes="3581")
    for n in range(4):
        Enterprise.objects.create(uscc=uscc(900 + n), name=f"罗湖软件{n}有限公司", industry_id="6513")
    Space.objects.create(park=Park.objects.get(name="中设广场"), area=Decimal(1000), use=SpaceUse.OFFICE)


def test_an_officer_walks_a_target_to_a_landed_project_and_reads_the_funnel_and_chain_map(
    page, shot, live_server, carol, chains
):
    today = dt.date.today().isoformat()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "carol")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert page.get_by_text("在谈招商项目").count() == 1
    page.locator("nav.wt-sidebar").get_by_role("link", name="招商").click()
    page.wait_for_url(live_server.url + "/investment/")

    # A target from an association
    page.goto(live_server.url + "/investment/targets/new/")
    page.fill("#id_name", "北京云图智算科技股份有限公司")
    page.fill("#id_hq_city", "北京")
    page.fill("#id_industry", "6513")
    page.select_option("#id_channel", label="商协会")
    page.fill("#id_source_detail", "香港创新科技及制造业联合总会")
    page.click("#form-submit")
    page.wait_for_selector("#target-facts")
    target = Target.objects.get()
    assert target.channel == "association"

    # A project for it, at 线索; the owner is prefilled, so 接洽 is open
    page.click("#new-project")
    page.wait_for_selector("#id_name")
    page.fill("#id_name", "云图华南总部")
    page.click("#form-submit")
    page.wait_for_selector("#pipeline")
    project = Project.objects.get()
    assert project.stage == Stage.LEAD and project.owner == carol
    page.click("#advance-button")
    page.wait_for_selector("#gate-missing")
    assert "投资额：洽谈须有投资规模" in page.inner_text("#gate-missing")
    shot("gate")

    def edit(values: dict[str, str]) -> None:
        page.click("#edit-project")
        page.wait_for_selector("#id_name")
        for selector, value in values.items():
            page.fill(selector, value)
        page.click("#form-submit")
        page.wait_for_selector("#pipeline")

    def advance() -> None:
        page.click("#advance-button")
        page.wait_for_selector("#pipeline")

    edit({"#id_industry": "6513", "#id_investment_amount": "50000", "#id_space_area": "900"})
    advance()
    edit(
        {
            "#id_registered_capital": "10000",
            "#id_paid_in_capital": "5000",
            "#id_expected_revenue": "30000",
            "#id_expected_tax": "1500",
            "#id_expected_headcount": "200",
            "#id_signed_on": today,
            "#id_move_in_on": today,
        }
    )
    advance()
    edit({"#id_uscc": uscc(77), "#id_landed_on": today})
    advance()
    page.wait_for_selector("#landed-enterprise")
    project.refresh_from_db()
    assert project.stage == Stage.LANDED
    assert project.enterprise == Enterprise.objects.get(uscc=uscc(77))
    assert list(ProjectStageChange.objects.order_by("id").values_list("to_stage", flat=True)) == [
        Stage.LEAD,
        Stage.CONTACT,
        Stage.NEGOTIATION,
        Stage.SIGNED,
        Stage.LANDED,
    ]
    assert "云图华南总部" in page.inner_text("#project-facts") or "北京云图" in page.inner_text(
        "#project-facts"
    )
    shot("landed")

    # The funnel: one project reached every stage up to 落地
    page.goto(live_server.url + "/investment/funnel/")
    page.wait_for_selector("#funnel-chart canvas")
    reached = page.locator("#funnel-table tr[data-stage=landed] .reached").inner_text()
    assert reached == "1"
    assert page.locator("#attribution-table tr[data-channel=association] .landed").inner_text() == "1"
    shot("funnel")

    # The chain map: 应用软件 has local firms; the other segments are gaps with a target search
    page.goto(live_server.url + "/investment/chains/")
    page.wait_for_selector("#chain-chart canvas")
    statuses = page.locator("table.chain-segments tr[data-status]").evaluate_all(
        "rows => rows.map(r => r.dataset.status)"
    )
    assert sorted(statuses) == ["gap", "gap", "gap", "ok"]
    page.locator("a.gap-targets").first.click()
    page.wait_for_url("**/investment/targets/?segment=*")
    shot("chain-gap-search")
    page.goto(live_server.url + "/investment/chains/")
    page.wait_for_selector("#chain-chart canvas")
    shot("chain-map")
