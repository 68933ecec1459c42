"""A staff member's visit in Chromium: plan it from the visit ledger (warned that another section
visited the firm last week), record what was found, and raise the firm's 诉求 from the visit page,
landing on the new demand. The demand's later lifecycle is the demands journey's business."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.personas import PASSWORD
from wutong.demands.models import Demand
from wutong.enterprises.models import Enterprise
from wutong.visits import services
from wutong.visits.choices import VisitStatus, VisitType
from wutong.visits.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")


def test_a_staff_member_plans_records_and_raises_a_demand_from_a_visit(
    page, shot, live_server, alice, carol, org
):
    today = timezone.localdate()
    firm = Enterprise.objects.create(name="深圳市梧桐芯片科技有限公司", uscc="91440303MA5G000888")
    services.record_visit(
        None,
        enterprise=firm,
        visit_date=today - dt.timedelta(days=6),
        visit_type=VisitType.INVESTMENT,
        organising_unit=org["industry"],
        visitors=[carol],
        purpose="增资扩产项目对接",
        notes="企业有扩产计划",
        actor=carol,
    )
    log_in(page, live_server.url, "alice")
    page.locator("nav.wt-sidebar a[href='/visits/']").click()
    page.wait_for_url(live_server.url + "/visits/")
    assert "增资扩产项目对接" in page.locator("#visit-table").inner_text()
    page.click("#plan-visit")

    planned_on = today + dt.timedelta(days=2)
    page.fill("#id_enterprise_uscc", firm.uscc)
    page.fill("#id_visit_date", planned_on.isoformat())
    page.locator("#id_visit_date").dispatch_event("change")
    page.select_option("#id_visit_type", label="国高辅导")
    page.fill("#id_purpose", "国高申报辅导")
    # the form warns before saving: 产业科 visited six days ago
    warning = page.locator("#double-visit-warnings .wt-double-visit")
    warning.first.wait_for()
    assert "产业科 已于" in warning.first.inner_text()
    shot("plan-form-warned")
    page.click("#save-visit")
    page.wait_for_url(re.compile(r"/visits/\d+/$"))
    assert page.locator("#visit-status").inner_text() == "计划"
    assert "已加入走访计划。" in page.get_by_role("alert").first.inner_text()
    shot("planned")

    page.fill("#id_record-visit_date", today.isoformat())
    page.fill("#id_record-notes", "研发费用归集不规范，企业有新增厂房需求。")
    page.fill("#id_record-next_steps", "组织财务辅导；协调产业空间。")
    page.click("#submit-record")
    page.wait_for_url(re.compile(r"/visits/\d+/$"))
    assert page.locator("#visit-status").inner_text() == "已走访"
    assert "组织财务辅导" in page.locator("#visit-next-steps").inner_text()
    shot("recorded")

    page.select_option("#id_demand-category", label="产业空间/用房")
    page.fill("#id_demand-content", "扩产需要新增两千平方米厂房，希望协调园区空间。")
    page.click("#submit-demand")
    page.wait_for_url(re.compile(r"/demands/\d+/$"))
    visit = Visit.objects.get(purpose="国高申报辅导")
    demand = Demand.objects.get(source_visit_id=visit.pk)
    assert demand.number in page.locator("main h1").inner_text()
    assert f"走访 #{visit.pk}" in page.locator("#demand-header").inner_text()
    shot("demand")
    assert visit.status == VisitStatus.DONE and visit.visit_date == today

    page.goto(live_server.url + f"/visits/{visit.pk}/")
    assert demand.number in page.locator("#visit-demands").inner_text()

    # the next visit's brief lists the open demand and this visit's next steps
    page.click("text=走访简报")
    page.wait_for_url(re.compile(r"/visits/brief/\d+/$"))
    assert demand.number in page.locator("#brief-demands").inner_text()
    assert "组织财务辅导" in page.locator("#brief-visits").inner_text()
    shot("brief")


def test_the_coverage_page_draws_its_charts_and_marks_overdue_firms(
    page, shot, live_server, bob, alice, district_leader, org
):
    today = timezone.localdate()
    key_list = services.create_key_list(
        name="重点企业名单", tiers=[("A", "A类", 30), ("B", "B类", 90)], actor=bob
    )
    firms = [Enterprise.objects.create(name=f"重点企业{i}", uscc=f"91440303MA{i:08d}") for i in range(1, 5)]
    tier_a = key_list.tiers.get(code="A")
    services.add_members(
        key_list,
        usccs=[f.uscc for f in firms],
        tier=tier_a,
        added_on=today - dt.timedelta(days=200),
        actor=bob,
    )
    services.assign_leader(firms[0], leader=district_leader, contact_staff=alice, actor=bob)
    for firm, days_ago in ((firms[0], 3), (firms[1], 45)):
        services.record_visit(
            None,
            enterprise=firm,
            visit_date=today - dt.timedelta(days=days_ago),
            visit_type=VisitType.ROUTINE,
            organising_unit=org["tech"],
            visitors=[alice],
            purpose="季度走访",
            notes="正常",
            actor=alice,
        )
    log_in(page, live_server.url, "bob")
    page.goto(live_server.url + f"/visits/lists/{key_list.pk}/coverage/")
    page.locator('[data-chart="tier"][data-drawn="1"]').wait_for()
    page.locator('[data-chart="leader"][data-drawn="1"]').wait_for()
    assert page.locator("#stat-overdue").inner_text() == "3"  # 企业2 (45 days ago), 企业3 and 企业4 (never)
    assert page.locator("#stat-rate").inner_text().startswith("25.0")
    assert page.locator("#coverage-matrix tbody tr.table-danger").count() == 3
    shot("coverage")
