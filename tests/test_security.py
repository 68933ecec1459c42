"""The security baseline (等保 2.0 level 3 in spirit): lockout, idle timeout, password policy,
headers, CSRF and HSTS, each exercised through the real login page and middleware."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.personas import PASSWORD
from wutong.accounts import services
from wutong.accounts.models import User
from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry

pytestmark = pytest.mark.django_db


MONDAY_9AM = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai
LOGIN = "accounts:login"


def login(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post(reverse(LOGIN), {"username": username, "password": password})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def login_audit_actions(user: User) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            target_type="accounts.user", target_id=str(user.pk), action__startswith="accounts.user.l"
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- Lockout ----------------------------------------------------------------------------------


def test_five_bad_passwords_lock_the_account_for_fifteen_minutes(client, alice):
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        for attempt in range(1, 5):
            response = login(client, "alice", f"wrong-{attempt}")
            assert response.status_code == 200
            assert "用户名或密码错误。连续 5 次错误将锁定账号 15 分钟。" in response.content.decode()
        fifth = login(client, "alice", "wrong-5")
        assert "账号已锁定，请于 09:15 后再试。" in fifth.content.decode()

        sixth = login(client, "alice", PASSWORD)  # the RIGHT password, while locked
        assert sixth.status_code == 200
        assert "账号已锁定" in sixth.content.decode()
        assert not logged_in(client)
        alice.refresh_from_db()
        assert alice.locked_until == MONDAY_9AM + dt.timedelta(minutes=15)

        clock.shift(dt.timedelta(minutes=14, seconds=59))
        assert "账号已锁定" in login(client, "alice", PASSWORD).content.decode()
        assert not logged_in(client)

        clock.shift(dt.timedelta(seconds=2))
        response = login(client, "alice", PASSWORD)
        assert response.status_code == 302
        assert response["Location"] == reverse("core:dashboard")
        assert logged_in(client)

    assert login_audit_actions(alice) == ["accounts.user.login_failed"] * 4 + [
        "accounts.user.locked",
        "accounts.user.logged_in",
    ]
    locked = AuditEntry.objects.get(action="accounts.user.locked")
    assert locked.actor is None and locked.actor_label == "系统"
    assert locked.ip == "127.0.0.1"
    alice.refresh_from_db()
    assert alice.failed_login_count == 0 and alice.locked_until is None


def test_a_successful_login_resets_the_count_of_bad_passwords(client, alice):
    for _ in range(4):
        login(client, "alice", "wrong")
    assert login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        login(client, "alice", "wrong")
    alice.refresh_from_db()
    assert alice.failed_login_count == 4
    assert alice.locked_until is None


def test_an_unknown_username_gets_the_same_message_and_writes_nothing(client, alice):
    response = login(client, "nobody", "whatever")
    assert "用户名或密码错误" in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_the_lockout_threshold_and_duration_come_from_settings(client, alice, settings):
    settings.LOCKOUT_THRESHOLD = 3
    settings.LOCKOUT_MINUTES = 60
    with time_machine.travel(MONDAY_9AM, tick=False):
        first = login(client, "alice", "wrong")
        assert "连续 3 次错误将锁定账号 60 分钟" in first.content.decode()
        login(client, "alice", "wrong")
        third = login(client, "alice", "wrong")
        assert "账号已锁定，请于 10:00 后再试。" in third.content.decode()


def test_an_administrator_can_unlock_a_locked_account(client, alice, admin_user):
    for _ in range(5):
        login(client, "alice", "wrong")
    alice.refresh_from_db()
    assert alice.is_locked()
    client.force_login(admin_user)
    response = client.post(reverse("accounts:user_unlock", args=[alice.pk]))
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_locked()
    assert AuditEntry.objects.filter(action="accounts.user.unlocked", actor=admin_user).count() == 1
    client.logout()
    assert login(client, "alice", PASSWORD).status_code == 302


# --- Idle session timeout ---------------------------------------------------------------------


def test_a_request_31_minutes_after_the_last_one_goes_back_to_the_login_page(client, alice):
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        client.force_login(alice)
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/audit/?action=accounts")
        assert response.status_code == 302
        assert response["Location"] == reverse(LOGIN) + "?next=/audit/%3Faction%3Daccounts"
        assert not logged_in(client)
        page = client.get(response["Location"])
        assert "长时间未操作，已自动退出，请重新登录。" in page.content.decode()


def test_activity_within_29_minutes_keeps_the_session_alive(client, alice):
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        client.force_login(alice)
        assert client.get("/").status_code == 200
        for _ in range(3):  # 87 minutes in all, never 30 idle
            clock.shift(dt.timedelta(minutes=29))
            assert client.get("/").status_code == 200
        assert logged_in(client)


def test_the_idle_timeout_is_a_setting(client, alice, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        client.force_login(alice)
        client.get("/")
        clock.shift(dt.timedelta(minutes=4))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=6))
        assert client.get("/").status_code == 302
        assert not logged_in(client)


def test_an_htmx_request_after_the_timeout_asks_for_a_full_page_redirect(client, alice):
    with time_machine.travel(MONDAY_9AM, tick=False) as clock:
        client.force_login(alice)
        client.get("/")
        clock.shift(dt.timedelta(minutes=45))
        response = client.get("/audit/", headers={"HX-Request": "true"})
        assert response.status_code == 204
        assert response["HX-Redirect"] == reverse(LOGIN) + "?next=/audit/"
        assert not logged_in(client)


# --- Password policy --------------------------------------------------------------------------

TOO_SIMPLE = "密码须至少包含小写字母、大写字母、数字、符号中的 3 类。"
WEAK_PASSWORDS = [
    pytest.param("Ab1!xyz", "密码太短：至少需要 10 个字符。", id="too-short"),
    pytest.param("abcdefghjkmn", TOO_SIMPLE, id="too-few-classes"),
    pytest.param("Password1!", "这个密码太常见了。", id="common"),
    pytest.param("Wangxiaoming-2026", "太相似", id="similar-to-username"),
    pytest.param("2026031520260315", "密码只包含数字。", id="all-digits"),
]


@pytest.mark.parametrize(("password", "message"), WEAK_PASSWORDS)
def test_create_user_rejects_a_weak_password_in_chinese(admin_user, org, password, message):
    with pytest.raises(DomainError) as caught:
        services.create_user(
            actor=admin_user, password=password, username="wangxiaoming", role="staff", org_unit=org["tech"]
        )
    assert caught.value.field == "password"
    assert message in caught.value.message
    assert not User.objects.filter(username="wangxiaoming").exists()
    assert not AuditEntry.objects.filter(action="accounts.user.created").exists()


@pytest.mark.parametrize(("password", "message"), WEAK_PASSWORDS)
def test_change_password_rejects_a_weak_password_in_chinese(admin_user, org, password, message):
    user = services.create_user(
        actor=admin_user,
        password="Gu4nli-Strong!",
        username="wangxiaoming",
        role="staff",
        org_unit=org["tech"],
    )
    with pytest.raises(DomainError) as caught:
        services.change_password(user, actor=user, old_password="Gu4nli-Strong!", new_password=password)
    assert caught.value.field == "new_password1"
    assert message in caught.value.message
    user.refresh_from_db()
    assert user.check_password("Gu4nli-Strong!")


def test_a_strong_password_is_accepted_and_the_old_one_stops_working(alice):
    services.change_password(alice, actor=alice, old_password=PASSWORD, new_password="Qing-Shan-2026!")
    alice.refresh_from_db()
    assert alice.check_password("Qing-Shan-2026!")
    assert not alice.check_password(PASSWORD)
    assert AuditEntry.objects.filter(action="accounts.user.password_changed", actor=alice).count() == 1


def test_changing_ones_own_password_needs_the_old_one(alice):
    with pytest.raises(DomainError, match="原密码不正确"):
        services.change_password(alice, actor=alice, old_password="not-it", new_password="Qing-Shan-2026!")


def test_the_password_page_shows_policy_errors_in_chinese(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "abcdefghjkmn", "new_password2": "abcdefghjkmn"},
    )
    assert response.status_code == 200
    assert "密码须至少包含小写字母、大写字母、数字、符号中的 3 类。" in response.content.decode()


# --- Headers, cookies, CSRF, HSTS -------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/accounts/login/"])
def test_pages_carry_the_security_headers(client, alice, url):
    client.force_login(alice)
    if url == "/accounts/login/":
        client.logout()
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no inline scripts, no eval
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response  # plain HTTP unless WUTONG_HTTPS


def test_session_and_csrf_cookies_are_http_only_and_same_site(client, alice):
    client.get(reverse(LOGIN))
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 302
    session = client.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["httponly"] is True


def test_a_login_post_without_a_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse(LOGIN), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.exists()


def test_a_login_post_with_the_csrf_token_is_accepted(alice):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse(LOGIN))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse(LOGIN), {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_logged_in_action_without_a_csrf_token_is_refused(alice, admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(reverse("accounts:user_unlock", args=[alice.pk]))
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="accounts.user.unlocked").exists()


HSTS_PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
secure = Client().get("/healthz", secure=True)
plain = Client().get("/healthz")
print(json.dumps({
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
}))
"""


def probe_https_settings(tmp_path: Path, https: str | None) -> dict[str, object]:
    """Start a fresh interpreter, because the HTTPS settings are read from the environment once."""
    env = {k: v for k, v in os.environ.items() if k not in {"WUTONG_HTTPS", "WUTONG_DATABASE_URL"}}
    env |= {"WUTONG_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "wutong.config.settings"}
    if https is not None:
        env["WUTONG_HTTPS"] = https
    result = subprocess.run(
        [sys.executable, "-c", HSTS_PROBE], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_hsts_and_secure_cookies_are_sent_only_when_wutong_https_is_on(tmp_path):
    on = probe_https_settings(tmp_path, "1")
    assert on["hsts"] == "max-age=31536000; includeSubDomains"
    assert on["plain_status"] == 301
    assert on["plain_location"] == "https://testserver/healthz"
    assert on["session_cookie_secure"] is True

    off = probe_https_settings(tmp_path, None)
    assert off["hsts"] is None
    assert off["plain_status"] == 200
    assert off["session_cookie_secure"] is False
