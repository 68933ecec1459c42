"""Who may reach what: every persona against every page of the foundation, and the access helpers
(``visible_to``, ``access_object``) that every view goes through, once per role.

The permission table is the specification: one row per URL, one column per persona. A new page in
``accounts`` or ``core`` fails :func:`test_every_accounts_and_core_page_is_in_the_permission_table`
until it has a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from wutong.accounts import services
from wutong.accounts.access import access_org_unit, access_user
from wutong.accounts.choices import Role
from wutong.accounts.models import OrgUnit, User
from wutong.core import access, audit
from wutong.core.choices import HolidayKind
from wutong.core.models import AuditEntry, Holiday

pytestmark = pytest.mark.django_db


PERSONAS = [
    "anonymous",
    "alice",
    "bob",
    "carol",
    "leader",
    "district",
    "admin",
    "partner",
    "reviewer",
    "agency",
    "enterprise",
]


@dataclass(frozen=True)
class Page:
    """A URL and the status each persona gets. ``args`` picks the target from the fixtures."""

    name: str
    statuses: tuple[int, ...]  # in the order of PERSONAS
    args: Callable[[dict[str, Any]], list[Any]] = lambda ctx: []
    method: str = "get"

    def expected(self) -> dict[str, int]:
        assert len(self.statuses) == len(PERSONAS), self.name
        return dict(zip(PERSONAS, self.statuses, strict=True))


def alice_pk(ctx: dict[str, Any]) -> list[Any]:
    return [ctx["alice"].pk]


def holiday_pk(ctx: dict[str, Any]) -> list[Any]:
    """The holiday to delete, put back for each persona (an allowed delete removes it)."""
    original = ctx["holiday"]
    holiday, _ = Holiday.objects.get_or_create(date=original.date, defaults={"kind": original.kind})
    return [holiday.pk]


def tech_section_pk(ctx: dict[str, Any]) -> list[Any]:
    return [ctx["org"]["tech"].pk]


# 302 for anonymous is the redirect to the login page; 404 means "outside your scope" (the row's
# existence is not revealed); 403 means "you may see it but not do this".
#                anon alice bob carol leader district admin partner reviewer agency enterprise
PAGES = [
    Page("core:dashboard", (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Page("core:audit_list", (302, 200, 200, 200, 200, 403, 200, 403, 403, 403, 403)),
    Page("core:industry_list", (302, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403)),
    Page("core:street_list", (302, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403)),
    Page("core:park_list", (302, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403)),
    Page("core:holiday_list", (302, 200, 200, 200, 200, 200, 200, 403, 403, 403, 403)),
    Page("core:holiday_add", (302, 400, 400, 400, 403, 403, 400, 403, 403, 403, 403), method="post"),
    Page("core:holiday_import", (302, 400, 400, 400, 403, 403, 400, 403, 403, 403, 403), method="post"),
    Page("core:holiday_delete", (302, 302, 302, 302, 403, 403, 302, 403, 403, 403, 403), holiday_pk, "post"),
    Page("accounts:password_change", (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Page("accounts:user_list", (302, 403, 200, 403, 200, 403, 200, 403, 403, 403, 403)),
    Page("accounts:user_create", (302, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403)),
    Page("accounts:user_detail", (302, 200, 200, 404, 200, 404, 200, 404, 404, 404, 404), alice_pk),
    Page("accounts:user_edit", (302, 403, 403, 404, 403, 404, 200, 404, 404, 404, 404), alice_pk),
    Page("accounts:user_password_reset", (302, 403, 403, 404, 403, 404, 200, 404, 404, 404, 404), alice_pk),
    Page("accounts:user_unlock", (302, 403, 403, 404, 403, 404, 302, 404, 404, 404, 404), alice_pk, "post"),
    Page("accounts:orgunit_list", (302, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403)),
    Page("accounts:orgunit_create", (302, 403, 403, 403, 403, 403, 200, 403, 403, 403, 403)),
    Page("accounts:orgunit_edit", (302, 403, 403, 403, 403, 403, 200, 404, 404, 404, 404), tech_section_pk),
]  # fmt: skip
# Open to everyone by design (tested in test_accounts / test_core_views).
NOT_PAGES = {"accounts:login", "accounts:logout"}
COVERED_NAMESPACES = ("accounts:", "core:")


@pytest.fixture
def ctx(everyone, org):  # type: ignore[no-untyped-def]
    holiday = Holiday.objects.create(date=dt.date(2031, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦")
    return {**everyone, "org": org, "holiday": holiday}


def status_for(persona: str, page: Page, ctx: dict[str, Any]) -> int:
    client = Client()
    if persona != "anonymous":
        client.force_login(ctx[persona])
    url = reverse(page.name, args=page.args(ctx))
    return getattr(client, page.method)(url).status_code


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_persona_gets_the_expected_status_on_each_page(page, ctx):
    actual = {persona: status_for(persona, page, ctx) for persona in PERSONAS}
    assert actual == page.expected()


def test_anonymous_visitors_are_sent_to_the_login_page_with_next(ctx):
    response = Client().get(reverse("accounts:user_detail", args=[ctx["alice"].pk]))
    assert response["Location"] == f"{reverse('accounts:login')}?next=/accounts/users/{ctx['alice'].pk}/"


def test_a_page_outside_ones_scope_looks_the_same_as_a_missing_one(ctx):
    client = Client()
    client.force_login(ctx["carol"])
    hidden = client.get(reverse("accounts:user_detail", args=[ctx["alice"].pk]))
    missing = client.get(reverse("accounts:user_detail", args=[999_999]))
    assert hidden.status_code == missing.status_code == 404
    assert ctx["alice"].display_label not in hidden.content.decode()


def test_actions_refuse_get_so_a_link_cannot_trigger_them(ctx):
    client = Client()
    client.force_login(ctx["admin"])
    assert client.get(reverse("accounts:user_unlock", args=[ctx["alice"].pk])).status_code == 405


def _names(resolver: URLResolver, namespace: str = "") -> list[str]:
    names = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += _names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(namespace + entry.name)
    return names


def test_every_accounts_and_core_page_is_in_the_permission_table():
    names = {name for name in _names(get_resolver()) if name.startswith(COVERED_NAMESPACES)}
    assert names - NOT_PAGES - {page.name for page in PAGES} == set()


# --- Django admin: the 系统管理员 role only ------------------------------------------------------


def test_the_admin_site_is_only_for_the_administrator_role(ctx):
    admin_user = services.create_user(
        actor=ctx["admin"], password="Gu4nli-Strong!", username="sysadmin", role=Role.ADMIN
    )
    assert admin_user.is_staff and admin_user.is_superuser
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    for persona in ["alice", "bob", "leader", "district", "partner", "enterprise"]:
        client = Client()
        client.force_login(ctx[persona])
        response = client.get("/admin/")
        assert response.status_code == 302, persona
        assert response["Location"].startswith("/admin/login/"), persona


def test_taking_the_administrator_role_away_closes_the_admin_site(ctx):
    user = services.create_user(
        actor=ctx["admin"], password="Gu4nli-Strong!", username="sysadmin", role=Role.ADMIN
    )
    services.update_user(user, actor=ctx["admin"], role=Role.STAFF)
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 302


def test_a_staff_user_cannot_make_themselves_staff_through_the_admin_login(ctx):
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "alice", "password": "Wutong-Test-2026!", "next": "/admin/"},
    )
    assert response.status_code == 200  # the form again, with the "not a staff account" error
    assert client.get("/admin/").status_code == 302


def test_an_administrator_cannot_demote_or_deactivate_themselves(ctx):
    from wutong.core.exceptions import DomainError

    with pytest.raises(DomainError, match="不能修改自己的角色"):
        services.update_user(ctx["admin"], actor=ctx["admin"], role=Role.STAFF)
    with pytest.raises(DomainError, match="不能停用自己的账号"):
        services.update_user(ctx["admin"], actor=ctx["admin"], is_active=False)


# --- Scopes through the access helpers --------------------------------------------------------


def usernames(qs: Any) -> set[str]:
    return set(qs.values_list("username", flat=True))


ALL_USERNAMES = {
    "alice",
    "bob",
    "carol",
    "leader",
    "district",
    "root",
    "partner",
    "reviewer",
    "agency",
    "ent",
}


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", ALL_USERNAMES),
        ("leader", ALL_USERNAMES),
        ("bob", {"alice", "bob"}),  # section head: his section
        ("alice", {"alice"}),
        ("carol", {"carol"}),
        ("district", {"district"}),
        ("partner", {"partner"}),
        ("enterprise", {"ent"}),
    ],
)
def test_users_visible_to_each_role(ctx, persona, expected):
    assert usernames(User.objects.visible_to(ctx[persona])) == expected


def test_nobody_sees_users_when_logged_out_or_deactivated(ctx):
    from django.contrib.auth.models import AnonymousUser

    assert not User.objects.visible_to(AnonymousUser()).exists()
    leader = ctx["leader"]
    leader.is_active = False
    assert not User.objects.visible_to(leader).exists()


def test_org_units_visible_to_internal_roles_all_and_to_outsiders_their_own(ctx):
    assert OrgUnit.objects.visible_to(ctx["alice"]).count() == OrgUnit.objects.count() == 8
    assert list(OrgUnit.objects.visible_to(ctx["partner"])) == [ctx["org"]["partner"]]
    assert list(OrgUnit.objects.visible_to(ctx["enterprise"])) == [ctx["org"]["enterprise"]]


@pytest.fixture
def audit_trail(ctx):  # type: ignore[no-untyped-def]
    """One entry by each of alice, bob, carol, the admin and the system."""
    from django.db import transaction

    with transaction.atomic():
        for persona in ["alice", "bob", "carol", "admin"]:
            audit.record("accounts.user.viewed_test", actor=ctx[persona], target=ctx[persona])
        audit.record("accounts.user.locked", actor=None, target=ctx["alice"])
    return ctx


@pytest.mark.parametrize(
    ("persona", "expected_actors"),
    [
        ("admin", {"李文", "王强", "陈静", "管理员", "系统"}),
        ("leader", {"李文", "王强", "陈静", "管理员", "系统"}),
        ("bob", {"李文", "王强"}),  # his section's people
        ("alice", {"李文"}),
        ("carol", {"陈静"}),
        ("district", set()),
        ("partner", set()),
        ("reviewer", set()),
        ("agency", set()),
        ("enterprise", set()),
    ],
)
def test_audit_entries_visible_to_each_role(audit_trail, persona, expected_actors):
    visible = AuditEntry.objects.visible_to(audit_trail[persona])
    assert set(visible.values_list("actor_label", flat=True)) == expected_actors


def test_access_object_is_404_outside_scope_and_403_in_scope_without_the_action(ctx):
    alice = ctx["alice"]
    with pytest.raises(Http404):
        access_user(ctx["carol"], alice.pk)
    with pytest.raises(Http404):
        access_user(ctx["admin"], 999_999)
    assert access_user(ctx["bob"], alice.pk) == alice
    with pytest.raises(PermissionDenied):
        access_user(ctx["bob"], alice.pk, access.CHANGE)
    assert access_user(ctx["admin"], alice.pk, access.CHANGE) == alice
    with pytest.raises(PermissionDenied):
        access_org_unit(ctx["alice"], ctx["org"]["tech"].pk, access.CHANGE)
    with pytest.raises(Http404):
        access_org_unit(ctx["partner"], ctx["org"]["tech"].pk)


def test_audit_entries_have_no_actions_even_for_the_administrator(audit_trail):
    entry = AuditEntry.objects.first()
    for action in (access.CHANGE, access.DELETE):
        with pytest.raises(PermissionDenied):
            access.access_object(AuditEntry.objects.all(), audit_trail["admin"], entry.pk, action)


def test_a_model_without_a_registered_scope_is_closed_not_open(ctx):
    from django.contrib.sessions.models import Session

    with pytest.raises(LookupError):
        access.scope(Session.objects.all(), ctx["admin"])


# --- The audit log cannot be changed from any page ---------------------------------------------


def test_no_url_can_change_or_delete_an_audit_entry(audit_trail):
    audit_names = [
        name for name in _names(get_resolver()) if "audit" in name and not name.startswith("admin:")
    ]
    assert audit_names == ["core:audit_list"]  # the admin's are read-only: see the next test
    client = Client()
    client.force_login(audit_trail["admin"])
    before = list(AuditEntry.objects.values_list("id", "action"))
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(reverse("core:audit_list")).status_code == 405, method
    assert list(AuditEntry.objects.values_list("id", "action")) == before


def test_the_admin_site_cannot_change_or_delete_audit_entries(audit_trail):
    """Once core/admin.py registers AuditEntry it must be read-only; until then it is unreachable."""
    root = services.create_user(
        actor=audit_trail["admin"], password="Gu4nli-Strong!", username="sa", role="admin"
    )
    entry = AuditEntry.objects.first()
    client = Client()
    client.force_login(root)
    change_url = f"/admin/core/auditentry/{entry.pk}/change/"
    delete_url = f"/admin/core/auditentry/{entry.pk}/delete/"
    before = list(AuditEntry.objects.values_list("id", "action"))
    if AuditEntry in admin.site._registry:
        model_admin = admin.site._registry[AuditEntry]
        request = type("R", (), {"user": root})()
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, entry)
        assert not model_admin.has_delete_permission(request, entry)
        assert client.post(change_url, {"action": "x.y.tampered"}).status_code == 403
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
    else:
        assert client.post(change_url, {"action": "x.y.tampered"}).status_code in (302, 404)
        assert client.post(delete_url, {"post": "yes"}).status_code in (302, 404)
    assert list(AuditEntry.objects.values_list("id", "action")) == before
