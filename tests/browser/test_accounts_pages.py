"""Journeys through the account pages in Chromium: the lockout message a person sees, and an
administrator creating a user (and an org unit) through the UI, then that user logging in."""

from __future__ import annotations

import re

import pytest

from tests.personas import PASSWORD
from wutong.accounts.models import OrgUnit, User
from wutong.core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_a_person_sees_the_lockout_message_after_five_bad_passwords(page, shot, live_server, alice):
    for attempt in range(1, 5):
        log_in(page, live_server.url, "alice", f"wrong-{attempt}")
        assert "用户名或密码错误。连续 5 次错误将锁定账号 15 分钟。" in page.get_by_role("alert").inner_text()
    log_in(page, live_server.url, "alice", "wrong-5")
    assert re.search(r"账号已锁定，请于 \d\d:\d\d 后再试。", page.get_by_role("alert").inner_text())
    log_in(page, live_server.url, "alice", PASSWORD)
    assert "账号已锁定" in page.get_by_role("alert").inner_text()
    assert "/accounts/login/" in page.url
    shot("locked")
    alice.refresh_from_db()
    assert alice.is_locked()


def test_the_login_page_names_the_bureau_once(page, live_server, db):
    page.goto(live_server.url + "/accounts/login/")
    assert page.get_by_text("罗湖区科技创新局", exact=True).count() == 1


def test_an_administrator_creates_a_user_who_can_then_log_in(page, shot, live_server, admin_user, org):
    log_in(page, live_server.url, "root", PASSWORD)
    page.wait_for_url(live_server.url + "/")
    page.locator("nav.wt-sidebar").get_by_role("link", name="用户管理").click()
    page.wait_for_url(live_server.url + "/accounts/users/")
    assert page.locator("main h1").inner_text() == "用户管理"
    page.get_by_role("link", name="新建用户").click()

    page.fill("#id_username", "liuyang")
    page.fill("#id_display_name", "刘洋")
    page.select_option("#id_role", label="科员")
    page.select_option("#id_org_unit", label="科技科")
    page.fill("#id_title", "一级科员")
    page.fill("#id_password", "abcdefghjkmn")  # one character class: refused, in Chinese
    page.get_by_role("button", name="保存").click()
    assert "密码须至少包含小写字母、大写字母、数字、符号中的 3 类。" in page.locator("main form").inner_text()
    assert not User.objects.filter(username="liuyang").exists()
    shot("weak-password")

    page.fill("#id_password", "Liu-Yang-2026!")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/accounts/users/\d+/$"))
    assert "已创建用户 刘洋。" in page.get_by_role("alert").inner_text()
    assert "刘洋" in page.locator("main h1").inner_text()
    assert "科技科" in page.locator("main").inner_text()
    assert "新建 用户" in page.locator("main").inner_text()  # the history card, in words
    shot("created")

    user = User.objects.get(username="liuyang")
    assert (user.role, user.org_unit, user.title) == ("staff", org["tech"], "一级科员")
    assert AuditEntry.objects.get(action="accounts.user.created").actor == admin_user

    page.locator("header.wt-topbar .dropdown-toggle").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    log_in(page, live_server.url, "liuyang", "Liu-Yang-2026!")
    page.wait_for_url(live_server.url + "/")
    assert "刘洋" in page.locator("header.wt-topbar").inner_text()
    assert page.locator("nav.wt-sidebar").get_by_role("link", name="用户管理").count() == 0  # staff


def test_an_administrator_adds_an_org_unit_through_the_ui(page, live_server, admin_user, org):
    log_in(page, live_server.url, "root", PASSWORD)
    page.wait_for_url(live_server.url + "/")
    page.locator("nav.wt-sidebar").get_by_role("link", name="组织单位").click()
    page.get_by_role("link", name="新建单位").click()
    page.fill("#id_name", "区人力资源局")
    page.fill("#id_short_name", "人社")
    page.select_option("#id_kind", label="协办部门")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(live_server.url + "/accounts/org-units/")
    assert "已创建单位 区人力资源局。" in page.get_by_role("alert").inner_text()
    assert page.locator("#results").get_by_role("link", name="区人力资源局").count() == 1
    assert OrgUnit.objects.get(name="区人力资源局").kind == "partner_department"
