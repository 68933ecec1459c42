"""The account pages and services: login and logout, user administration, password reset, org
units. Each change goes through a service and leaves exactly one audit entry."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.personas import PASSWORD
from wutong.accounts import services
from wutong.accounts.choices import OrgUnitKind, Role
from wutong.accounts.models import OrgUnit, User
from wutong.core.context_processors import bureau_full_name
from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


def results(client, url: str, params: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """Only the table (the HTMX partial), so names in the page chrome do not count."""
    response = client.get(url, params, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    return html


# --- Login and logout -------------------------------------------------------------------------


def test_logging_in_follows_next_and_records_the_login(client, alice):
    response = client.post(
        reverse("accounts:login") + "?next=/audit/",
        {"username": "alice", "password": PASSWORD, "next": "/audit/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/audit/"
    entry = AuditEntry.objects.get(action="accounts.user.logged_in")
    assert entry.actor == alice and entry.target_id == str(alice.pk)


def test_next_cannot_send_the_user_to_another_site(client, alice):
    response = client.post(
        reverse("accounts:login"),
        {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("core:dashboard")


def test_a_logged_in_user_opening_the_login_page_goes_to_the_dashboard(client, alice):
    client.force_login(alice)
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")


def test_a_deactivated_account_cannot_log_in(client, alice):
    alice.is_active = False
    alice.save()
    response = client.post(reverse("accounts:login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post_and_ends_the_session(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response["Location"] == reverse("accounts:login")
    assert client.get("/").status_code == 302


def test_the_login_page_names_the_bureau_without_doubling_the_district_suffix(client, settings):
    assert bureau_full_name() == "罗湖区科技创新局"
    settings.WUTONG_DISTRICT_NAME, settings.WUTONG_BUREAU_NAME = "福田区", "科技和工业信息化局"
    assert bureau_full_name() == "福田区科技和工业信息化局"
    assert "福田区科技和工业信息化局" in client.get(reverse("accounts:login")).content.decode()


def test_the_login_page_switches_language_before_logging_in(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'name="language" value="en"' in page
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    assert response["Location"] == reverse("accounts:login")
    assert 'name="language" value="zh-hans"' in client.get(reverse("accounts:login")).content.decode()


# --- User administration ----------------------------------------------------------------------


def test_an_administrator_creates_a_user_through_the_page(client, admin_user, org):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "liuyang",
            "display_name": "刘洋",
            "role": Role.STAFF,
            "org_unit": org["tech"].pk,
            "title": "一级科员",
            "is_active": "on",
            "password": "Liu-Yang-2026!",
        },
    )
    user = User.objects.get(username="liuyang")
    assert response["Location"] == reverse("accounts:user_detail", args=[user.pk])
    assert user.check_password("Liu-Yang-2026!")
    assert (user.role, user.org_unit, user.is_staff) == (Role.STAFF, org["tech"], False)
    assert user.password_changed_at is not None
    assert actions() == ["accounts.user.created"]
    assert AuditEntry.objects.get().changes["org_unit"] == [None, org["tech"].pk]


def test_the_create_page_shows_the_password_rules_and_a_working_cancel_link(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("accounts:user_create")).content.decode()
    assert "密码须至少包含小写字母、大写字母、数字、符号中的 3 类。" in page
    assert "javascript:" not in page  # the CSP forbids it, so such a link would do nothing
    assert f'href="{reverse("accounts:user_list")}"' in page


def test_a_duplicate_username_is_refused_with_a_message(client, admin_user, alice):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:user_create"),
        {"username": "alice", "role": Role.STAFF, "password": "Liu-Yang-2026!"},
    )
    assert response.status_code == 200
    assert User.objects.filter(username="alice").count() == 1
    assert not AuditEntry.objects.filter(action="accounts.user.created").exists()
    with pytest.raises(DomainError, match="用户名已存在"):
        services.create_user(actor=admin_user, password="Liu-Yang-2026!", username="alice", role=Role.STAFF)


def test_only_administrators_may_create_users_even_through_the_service(bob, leader):
    from django.core.exceptions import PermissionDenied

    for actor in (bob, leader):
        with pytest.raises(PermissionDenied):
            services.create_user(actor=actor, password="Liu-Yang-2026!", username="x1", role=Role.STAFF)
    assert not User.objects.filter(username="x1").exists()


def test_editing_a_user_records_what_changed(client, admin_user, alice, org):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:user_edit", args=[alice.pk]),
        {
            "username": "alice",
            "display_name": "李文",
            "role": Role.SECTION_HEAD,
            "org_unit": org["industry"].pk,
            "title": "科长",
            "is_active": "on",
        },
    )
    assert response["Location"] == reverse("accounts:user_detail", args=[alice.pk])
    entry = AuditEntry.objects.get(action="accounts.user.updated")
    assert entry.changes == {
        "role": [Role.STAFF, Role.SECTION_HEAD],
        "org_unit": [org["tech"].pk, org["industry"].pk],
        "title": ["", "科长"],
    }


def test_saving_a_user_without_changes_writes_no_audit_entry(admin_user, alice):
    services.update_user(alice, actor=admin_user, title=alice.title, role=alice.role)
    assert not AuditEntry.objects.exists()


def test_an_administrator_resets_a_password_and_the_lock_goes_with_it(client, admin_user, alice):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "alice", "password": "wrong"})
    alice.refresh_from_db()
    assert alice.is_locked()
    client.force_login(admin_user)
    url = reverse("accounts:user_password_reset", args=[alice.pk])
    weak = client.post(url, {"new_password1": "short", "new_password2": "short"})
    assert "密码太短：至少需要 10 个字符。" in weak.content.decode()
    response = client.post(url, {"new_password1": "Xin-Mima-2026!", "new_password2": "Xin-Mima-2026!"})
    assert response["Location"] == reverse("accounts:user_detail", args=[alice.pk])
    alice.refresh_from_db()
    assert alice.check_password("Xin-Mima-2026!") and not alice.is_locked()
    entry = AuditEntry.objects.get(action="accounts.user.password_reset")
    assert entry.actor == admin_user and entry.target_id == str(alice.pk)


def test_a_user_changes_their_own_password_and_stays_logged_in(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Xin-Mima-2026!", "new_password2": "Xin-Mima-2026!"},
    )
    assert response["Location"] == reverse("core:dashboard")
    assert client.get("/").status_code == 200  # the session survived the hash change
    alice.refresh_from_db()
    assert alice.check_password("Xin-Mima-2026!")


def test_the_two_new_passwords_must_match(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Xin-Mima-2026!", "new_password2": "Xin-Mima-2027!"},
    )
    assert "两次输入的新密码不一致" in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_user_list_filters_and_exports_only_what_the_viewer_may_see(client, everyone):
    client.force_login(everyone["bob"])
    page = client.get(reverse("accounts:user_list")).content.decode()
    assert "李文" in page and "王强" in page and "陈静" not in page
    filtered = results(client, reverse("accounts:user_list"), {"q": "李"})
    assert "李文" in filtered and "王强" not in filtered
    export = client.get(reverse("accounts:user_list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(export.content)).active
    usernames = sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True))
    assert usernames == ["alice", "bob"]


def test_the_user_list_filters_by_role_and_status(client, everyone):
    client.force_login(everyone["admin"])
    page = results(client, reverse("accounts:user_list"), {"role": Role.PARTNER})
    assert "赵经办" in page and "李文" not in page
    everyone["carol"].is_active = False
    everyone["carol"].save()
    inactive = results(client, reverse("accounts:user_list"), {"is_active": "false"})
    assert "陈静" in inactive and "李文" not in inactive


def test_the_user_detail_shows_the_unlock_button_only_while_locked(client, admin_user, alice):
    client.force_login(admin_user)
    url = reverse("accounts:user_detail", args=[alice.pk])
    assert "解除锁定" not in client.get(url).content.decode()
    for _ in range(5):
        services.record_login_failure(alice)
    assert "解除锁定" in client.get(url).content.decode()


# --- Org units --------------------------------------------------------------------------------


def test_an_administrator_creates_and_renames_an_org_unit(client, admin_user, org):
    client.force_login(admin_user)
    response = client.post(
        reverse("accounts:orgunit_create"),
        {"name": "知识产权科", "kind": OrgUnitKind.SECTION, "parent": org["bureau"].pk, "is_active": "on"},
    )
    assert response["Location"] == reverse("accounts:orgunit_list")
    unit = OrgUnit.objects.get(name="知识产权科")
    response = client.post(
        reverse("accounts:orgunit_edit", args=[unit.pk]),
        {
            "name": "知识产权与标准化科",
            "kind": OrgUnitKind.SECTION,
            "parent": org["bureau"].pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "知识产权与标准化科"
    assert actions() == ["accounts.orgunit.created", "accounts.orgunit.updated"]
    assert AuditEntry.objects.latest("id").changes == {"name": ["知识产权科", "知识产权与标准化科"]}


def test_an_org_unit_cannot_be_its_own_ancestor(admin_user, org):
    with pytest.raises(DomainError, match="上级单位不能是本单位或其下级"):
        services.update_org_unit(org["bureau"], actor=admin_user, parent=org["tech"])
    org["bureau"].refresh_from_db()
    assert org["bureau"].parent is None


def test_two_units_of_the_same_kind_cannot_share_a_name(client, admin_user, org):
    with pytest.raises(DomainError, match="同类型下已有同名单位"):
        services.create_org_unit(actor=admin_user, name="科技科", kind=OrgUnitKind.SECTION)
    services.create_org_unit(
        actor=admin_user, name="科技科", kind=OrgUnitKind.PARTNER_DEPARTMENT
    )  # other kind


def test_the_org_unit_list_counts_users_and_filters_by_kind(client, everyone):
    client.force_login(everyone["admin"])
    page = results(client, reverse("accounts:orgunit_list"), {"kind": OrgUnitKind.SECTION})
    assert "科技科" in page and "产业科" in page and "区住房和建设局" not in page
    export = client.get(reverse("accounts:orgunit_list"), {"kind": OrgUnitKind.SECTION, "export": "xlsx"})
    rows = {
        row[0]: row for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True)
    }
    header = list(rows.pop("名称"))
    assert rows["科技科"][header.index("用户数")] == 2  # alice and bob
    assert rows["产业科"][header.index("用户数")] == 1  # carol


# --- Sessions end when the account changes under them ---------------------------------------------


def test_a_password_reset_ends_the_users_other_sessions(client, admin_user, alice):
    from django.test import Client

    alices_browser = Client()
    alices_browser.force_login(alice)
    assert alices_browser.get("/").status_code == 200
    services.change_password(alice, actor=admin_user, old_password=None, new_password="Xin-Mima-2026!")
    assert alices_browser.get("/").status_code == 302  # the stolen or forgotten session is gone


def test_deactivating_a_user_ends_their_session(admin_user, alice):
    from django.test import Client

    alices_browser = Client()
    alices_browser.force_login(alice)
    services.update_user(alice, actor=admin_user, is_active=False)
    response = alices_browser.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
