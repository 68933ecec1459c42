"""A demand's journey in Chromium: the enterprise submits it, the bureau signs for it and routes it
to 区住房和建设局, the department's handler replies, the enterprise rates it and it is closed.
Screenshots of each step go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.personas import PASSWORD
from wutong.core.models import AuditEntry
from wutong.demands import testing as t
from wutong.demands.choices import DemandStatus
from wutong.demands.models import Demand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/")


def do(page, action: str) -> None:  # type: ignore[no-untyped-def]
    """Open the step's form (a Bootstrap collapse) and confirm it."""
    page.click(f"#btn-{action}")
    page.locator(f"#action-{action}").wait_for(state="visible")


def test_demand_submitted_accepted_routed_replied_rated_closed(
    page, shot, live_server, alice, partner, enterprise_user, org
):
    base = live_server.url
    t.category("housing", department=org["partner"])
    t.enterprise()

    # 1. the enterprise submits its demand in the portal
    log_in(page, base, "ent")
    page.goto(base + "/demands/new/")
    page.select_option("#id_category", label="人才住房")
    page.fill("#id_title", "人才住房配租进度")
    page.fill("#id_content", "公司引进的5名骨干申请人才住房，配租审核进度较慢，希望协调加快审核。")
    page.click("#submit-demand")
    page.locator("#demand-status").wait_for()
    assert page.locator("#demand-status").inner_text() == "待签收"
    demand = Demand.objects.get()
    assert demand.channel == "portal" and demand.submitted_by == enterprise_user
    shot("1-submitted")

    # 2. bureau staff sign for it (签收) and route it (交办) to the housing bureau
    log_in(page, base, "alice")
    page.goto(f"{base}/demands/")
    page.get_by_role("link", name=demand.number).click()
    do(page, "accept")
    page.click("#submit-accept")
    page.wait_for_selector("#demand-status[data-status=accepted]")
    shot("2-accepted")
    do(page, "route")
    assert page.locator("#id_route-lead_department option:checked").inner_text() == "区住房和建设局"
    page.fill("#id_route-note", "请于5个工作日内答复企业")
    page.click("#submit-route")
    page.wait_for_selector("#demand-status[data-status=routed]")
    assert page.locator("#demand-lead").inner_text() == "区住房和建设局"
    shot("3-routed")

    # 3. the housing bureau's handler sees it in their ledger and replies
    log_in(page, base, "partner")
    page.goto(f"{base}/demands/")
    assert page.locator("#demand-table tbody tr").count() == 1
    page.get_by_role("link", name=demand.number).click()
    do(page, "reply")
    page.fill("#id_reply-reply", "已加快审核，企业5名人才已纳入本月配租名单，下周发出配租通知。")
    page.click("#submit-reply")
    page.wait_for_selector("#demand-status[data-status=replied]")
    assert "本月配租名单" in page.locator("#demand-reply").inner_text()
    shot("4-replied")

    # 4. the enterprise rates the reply; a good rating closes the demand
    log_in(page, base, "ent")
    page.goto(f"{base}/demands/{demand.pk}/")
    assert page.locator("#btn-accept").count() == 0
    do(page, "rate")
    page.select_option("#id_rate-rating", value="5")
    page.fill("#id_rate-comment", "办理很快，非常满意")
    page.click("#submit-rate")
    page.wait_for_selector("#demand-status[data-status=closed]")
    assert page.locator("#demand-rating").inner_text() == "5 / 5"
    kinds = page.locator("#demand-timeline li").evaluate_all("items => items.map(i => i.dataset.kind)")
    assert kinds == ["submitted", "accepted", "routed", "replied", "rated"]
    shot("5-closed")

    demand.refresh_from_db()
    assert demand.status == DemandStatus.CLOSED and demand.rating == 5
    assert list(
        AuditEntry.objects.filter(target_type="demands.demand")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "demands.demand.submitted",
        "demands.demand.accepted",
        "demands.demand.routed",
        "demands.demand.replied",
        "demands.demand.rated",
    ]


def test_statistics_page_draws_its_charts(page, live_server, alice, partner, leader, org):
    t.category("housing", department=org["partner"])
    t.replied_demand(alice, org["partner"], partner)
    log_in(page, live_server.url, "leader")
    page.goto(live_server.url + "/demands/stats/")
    page.wait_for_selector("[data-chart=category][data-drawn='1']")
    assert page.locator("[data-demand-charts] canvas").count() == 3
    assert page.locator("#stat-total").inner_text() == "1"
