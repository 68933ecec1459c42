"""The qualification journey in Chromium: a staff member screens the registry for 国高, builds a 培育库
from the "needs data" list, moves one member through the stages to 申报, and looks at the ladder chart
and a firm's 资质评估 tab. Screenshots: the pool page, the ladder chart, the tab."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.personas import PASSWORD
from wutong.enterprises.models import QualificationHolding
from wutong.qualifications.choices import PoolStage
from wutong.qualifications.models import PoolMember, ScreeningResult
from wutong.qualifications.synthetic import generate_registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fast_and_inline(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["screening"]}
    }


def test_screen_build_a_pool_from_the_filter_and_move_a_member_to_applied(page, shot, live_server, alice):
    first, _last = generate_registry(150, seed=5)
    for pk in range(first, first + 20):
        QualificationHolding.objects.create(
            enterprise_id=pk, kind="kexiao", issued_on=dt.date(2024, 5, 1), expires_on=dt.date(2025, 12, 31)
        )
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    # 1. screening (the task runs inline here; in production a worker takes it)
    page.locator("nav.wt-sidebar").get_by_role("link", name="资质培育").click()
    page.get_by_role("link", name="筛查", exact=True).click()
    page.select_option("#id_rule_code", "gaoxin")
    page.fill("#id_on_date", "2026-06-01")
    page.click("#start-screening")
    page.wait_for_selector("#run-counts")
    assert page.locator("#run-status").inner_text() == "已完成"
    assert ScreeningResult.objects.count() == 150

    # 2. the "needs data" list → a pool of exactly those firms
    page.click("#run-results")
    page.select_option("#id_preset", "needs_data")
    page.wait_for_url("**preset=needs_data**")
    expected = ScreeningResult.objects.filter(needs_data=True, rule_version__code="gaoxin").count()
    assert expected > 0
    page.click("#pool-from-filter")
    assert f"将按筛查条件纳入 {expected} 家企业" in page.locator("#pool-source").inner_text()
    page.fill("#id_name", "2026 国高培育库")
    page.fill("#id_target", "10")
    page.click("#create-pool")
    page.wait_for_selector("#pool-stats")
    assert page.locator("#stat-members").inner_text() == str(expected)

    # 3. a batch, then one member 潜力 → 辅导 → 预审 → 申报
    page.fill("#batch-form input[name=name]", "2026 第一批")
    page.click("#batch-form button")
    page.wait_for_selector("#batch-table >> text=2026 第一批")
    page.locator("#member-table tbody a").first.click()
    for stage in ("coaching", "prereview"):
        page.select_option("#id_stage", stage)
        page.click("#move-stage")
        page.wait_for_load_state()
    page.select_option("#id_stage", "applied")
    page.select_option("#id_batch", label="2026 第一批")
    page.click("#move-stage")
    page.wait_for_selector("#member-stage >> text=申报")
    assert PoolMember.objects.filter(stage=PoolStage.APPLIED).count() == 1
    assert page.locator("#stage-history tr").count() == 3
    page.locator("nav.wt-breadcrumb a, .wt-breadcrumb a").first.click()
    page.wait_for_selector("#pool-stats")
    assert page.locator("#stat-applied").inner_text() == "1"
    shot("pool")

    # 4. the ladder chart and a firm's 资质评估 tab
    page.goto(base + "/qualifications/ladder/?year=2025")
    page.wait_for_selector("#ladder-chart[data-rendered='1']")
    assert page.locator("#ladder-chart canvas").count() >= 1
    shot("ladder")
    member = PoolMember.objects.filter(stage=PoolStage.APPLIED).get()
    page.goto(f"{base}/enterprises/{member.enterprise_id}/?tab=assessment")
    page.wait_for_selector("#tab-assessment [data-rule='gaoxin']")
    assert page.locator("#tab-assessment [data-rule='gaoxin'] .criteria tbody tr").count() == 9
    shot("assessment-tab")
