"""The visit pages: who may open what, the plan → record → raise-a-demand flow through the views,
the double-visit warning on the form, key lists, the enterprise tab and the dashboard cards."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.fixtures.clock import frozen_today  # noqa: F401  (autouse: today is 2026-11-24)
from wutong.core.dashboard import dashboard_context
from wutong.demands.models import Demand, DemandCategory
from wutong.enterprises.models import Enterprise
from wutong.visits import services
from wutong.visits.choices import Confidentiality, VisitStatus, VisitType
from wutong.visits.models import KeyList, KeyListMember, LeaderAssignment, Visit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def firm(db):  # type: ignore[no-untyped-def]
    return Enterprise.objects.create(name="深圳市梧桐示范科技有限公司", uscc="91440303MA5G000777")


def secret_visit(firm, org, alice):  # type: ignore[no-untyped-def]
    return services.record_visit(
        None,
        enterprise=firm,
        visit_date=TODAY,
        visit_type=VisitType.RETENTION,
        organising_unit=org["tech"],
        visitors=[alice],
        purpose="稳商留企",
        notes="企业考虑迁往东莞",
        next_steps="请区领导约谈",
        confidentiality=Confidentiality.SECRET,
        actor=alice,
    )


def test_every_role_gets_the_visit_pages_it_should(client, everyone, firm, org):
    visit = secret_visit(firm, org, everyone["alice"])
    pages = {
        "list": reverse("visits:visit_list"),
        "detail": reverse("visits:visit_detail", args=[visit.pk]),
        "lists": reverse("visits:keylist_list"),
        "plan": reverse("visits:visit_create") + "?mode=plan",
        "brief": reverse("visits:brief", args=[firm.pk]),
    }
    expected = {
        "alice": {"list": 200, "detail": 200, "lists": 200, "plan": 200, "brief": 200},
        "carol": {"list": 200, "detail": 200, "lists": 200, "plan": 200, "brief": 200},
        "leader": {"list": 200, "detail": 200, "lists": 200, "plan": 200, "brief": 200},
        "district": {"list": 200, "detail": 404, "lists": 200, "plan": 403, "brief": 200},
        "partner": {"list": 403, "detail": 404, "lists": 403, "plan": 403, "brief": 403},
        "reviewer": {"list": 403, "detail": 404, "lists": 403, "plan": 403, "brief": 403},
        "agency": {"list": 403, "detail": 404, "lists": 403, "plan": 403, "brief": 403},
        "enterprise": {"list": 403, "detail": 404, "lists": 403, "plan": 403, "brief": 403},
    }
    got = {}
    for name, codes in expected.items():
        client.force_login(everyone[name])
        got[name] = {page: client.get(url).status_code for page, url in pages.items()}
        assert set(codes) == set(got[name])
    assert got == expected


def test_secret_notes_are_hidden_on_the_page_and_never_exported(client, firm, org, alice, carol, bob):
    visit = secret_visit(firm, org, alice)
    client.force_login(carol)
    html = client.get(reverse("visits:visit_detail", args=[visit.pk])).content.decode()
    assert "企业考虑迁往东莞" not in html and 'id="notes-hidden"' in html
    tab = client.get(
        reverse("enterprises:enterprise_detail", args=[firm.pk]) + "?tab=visits"
    ).content.decode()
    assert "请区领导约谈" not in tab and "稳商留企" in tab
    client.force_login(bob)
    assert "企业考虑迁往东莞" in client.get(reverse("visits:visit_detail", args=[visit.pk])).content.decode()
    response = client.get(reverse("visits:visit_list") + "?export=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == firm.name
    assert not any("东莞" in str(cell) for row in rows for cell in row)


def test_plan_record_and_raise_a_demand_through_the_pages(client, firm, org, alice, carol):
    client.force_login(alice)
    services.record_visit(
        None,
        enterprise=firm,
        visit_date=TODAY - dt.timedelta(days=5),
        visit_type=VisitType.INVESTMENT,
        organising_unit=org["industry"],
        visitors=[carol],
        purpose="招商对接",
        notes="已对接",
        actor=carol,
    )
    response = client.post(
        reverse("visits:visit_create") + "?mode=plan",
        {
            "enterprise_uscc": firm.uscc.lower(),
            "visit_date": "2026-11-26",
            "visit_type": VisitType.GAOXIN,
            "organising_unit": org["tech"].pk,
            "visitors": [alice.pk],
            "purpose": "国高申报辅导",
            "confidentiality": Confidentiality.NORMAL,
        },
        follow=True,
    )
    visit = Visit.objects.get(purpose="国高申报辅导")
    assert response.redirect_chain[-1][0] == reverse("visits:visit_detail", args=[visit.pk])
    html = response.content.decode()
    assert "重复走访提醒" in html and "产业科 已于 2026-11-19 走访该企业（14 天内）" in html

    response = client.post(
        reverse("visits:visit_record", args=[visit.pk]),
        {
            "record-visit_date": "2026-11-24",
            "record-notes": "研发费用归集需规范",
            "record-next_steps": "组织财务辅导",
        },
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.next_steps) == (VisitStatus.DONE, "组织财务辅导")

    category = DemandCategory.objects.get(code="space")
    response = client.post(
        reverse("visits:visit_follow_up", args=[visit.pk, "demand"]),
        {"demand-category": category.pk, "demand-content": "扩产需要新增两千平方米厂房"},
    )
    demand = Demand.objects.get(source_visit_id=visit.pk)
    assert response.status_code == 302 and response["Location"] == reverse(
        "demands:demand_detail", args=[demand.pk]
    )
    html = client.get(reverse("visits:visit_detail", args=[visit.pk])).content.decode()
    assert demand.number in html


def test_a_bad_record_shows_the_error_on_the_form(client, firm, org, alice):
    visit = services.plan_visit(
        enterprise=firm,
        visit_date=TODAY,
        visit_type=VisitType.ROUTINE,
        organising_unit=org["tech"],
        visitors=[alice],
        purpose="走访",
        actor=alice,
    )
    client.force_login(alice)
    response = client.post(
        reverse("visits:visit_record", args=[visit.pk]),
        {"record-visit_date": "2026-12-01", "record-notes": "提前登记"},
    )
    assert response.status_code == 400
    assert "未来的走访请先登记为计划" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.PLANNED


def test_the_form_warns_about_a_double_visit_before_saving(client, firm, org, alice, carol):
    services.plan_visit(
        enterprise=firm,
        visit_date=TODAY + dt.timedelta(days=7),
        visit_type=VisitType.ROUTINE,
        organising_unit=org["industry"],
        visitors=[carol],
        purpose="走访",
        actor=carol,
    )
    client.force_login(alice)
    url = reverse("visits:visit_warnings")
    warned = client.get(
        url, {"enterprise_uscc": firm.uscc, "visit_date": "2026-11-25", "organising_unit": org["tech"].pk}
    )
    assert "产业科 计划于 2026-12-01 走访该企业（14 天内）" in warned.content.decode()
    same_unit = client.get(
        url, {"enterprise_uscc": firm.uscc, "visit_date": "2026-11-25", "organising_unit": org["industry"].pk}
    )
    assert "重复走访提醒" not in same_unit.content.decode()


def test_a_section_head_creates_a_list_adds_members_and_assigns_a_leader(client, bob, alice, district_leader):
    firms = [Enterprise.objects.create(name=f"企业{i}", uscc=f"91440303MA{i:08d}") for i in range(1, 4)]
    client.force_login(bob)
    response = client.post(
        reverse("visits:keylist_create"),
        {"name": "区领导挂点企业", "description": "2026年", "double_visit_days": "", "tiers": "A,30\nB,90"},
    )
    key_list = KeyList.objects.get(name="区领导挂点企业")
    assert response.status_code == 302
    assert [(t.code, t.cadence_days) for t in key_list.tiers.all()] == [("A", 30), ("B", 90)]
    tier_a = key_list.tiers.get(code="A")
    response = client.post(
        reverse("visits:keylist_add_members", args=[key_list.pk]),
        {"usccs": f"{firms[0].uscc}\n{firms[1].uscc}, 91440303MA99999999", "tier": tier_a.pk},
        follow=True,
    )
    assert KeyListMember.objects.filter(key_list=key_list).count() == 2
    assert "1 个信用代码不在一企一档中" in response.content.decode()
    response = client.post(
        reverse("visits:keylist_assign_leader", args=[key_list.pk]),
        {
            "enterprise_uscc": firms[0].uscc,
            "leader": district_leader.pk,
            "contact_staff": alice.pk,
            "since": "2026-11-01",
        },
    )
    assert response.status_code == 302
    assignment = LeaderAssignment.objects.get()
    assert (assignment.enterprise, assignment.leader, assignment.contact_staff) == (
        firms[0],
        district_leader,
        alice,
    )
    html = client.get(reverse("visits:keylist_detail", args=[key_list.pk])).content.decode()
    assert "刘区长" in html and 'id="stat-members">2<' in html


def test_the_filtered_enterprise_list_is_added_in_one_step(client, bob):
    for i in range(1, 6):
        Enterprise.objects.create(
            name=f"芯片企业{i}" if i <= 3 else f"物流企业{i}", uscc=f"91440303MA{i:08d}"
        )
    key_list = services.create_key_list(name="重点科技企业", tiers=[("A", "A", 90)], actor=bob)
    client.force_login(bob)
    client.post(
        reverse("visits:keylist_add_filtered", args=[key_list.pk]),
        {"query": "?q=芯片", "tier": key_list.tiers.get().pk},
    )
    names = sorted(KeyListMember.objects.values_list("enterprise__name", flat=True))
    assert names == ["芯片企业1", "芯片企业2", "芯片企业3"]


def test_staff_cannot_create_lists_or_assign_leaders(client, alice, bob):
    key_list = services.create_key_list(name="名单", tiers=[("A", "A", 30)], actor=bob)
    client.force_login(alice)
    assert client.get(reverse("visits:keylist_create")).status_code == 403
    assert client.post(reverse("visits:keylist_assign_leader", args=[key_list.pk]), {}).status_code == 403


def test_the_dashboard_shows_the_three_visit_cards(firm, org, alice):
    services.record_visit(
        None,
        enterprise=firm,
        visit_date=TODAY,
        visit_type=VisitType.ROUTINE,
        organising_unit=org["tech"],
        visitors=[alice],
        purpose="走访",
        notes="正常",
        actor=alice,
    )
    cards = {c["label"]: c["value"] for c in dashboard_context(alice)["cards"]}
    assert cards["本月走访"] == 1
    assert cards["重点企业超期未走访"] == 0
    assert cards["挂点企业本季度走访覆盖"] == "—"


def test_the_enterprise_file_has_a_visits_tab_with_plan_and_brief_links(client, firm, alice):
    client.force_login(alice)
    html = client.get(
        reverse("enterprises:enterprise_detail", args=[firm.pk]) + "?tab=visits"
    ).content.decode()
    assert 'id="tab-visits"' in html
    assert f"?mode=plan&amp;enterprise={firm.pk}" in html
    assert reverse("visits:brief", args=[firm.pk]) in html


def test_the_visit_list_page_stays_within_its_query_budget(
    client, firm, org, alice, django_assert_max_num_queries
):
    for i in range(15):
        Visit.objects.create(
            enterprise=firm,
            visit_date=TODAY - dt.timedelta(days=i),
            status=VisitStatus.DONE,
            visit_type=VisitType.ROUTINE,
            organising_unit=org["tech"],
            purpose="走访",
            recorded_at=timezone.now(),
        ).visitors.set([alice])
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("visits:visit_list"))
    assert response.status_code == 200 and len(response.context["table"].page.object_list) == 15


def test_the_key_list_page_costs_the_same_queries_for_five_or_fifty_members(client, bob, org):
    key_list = services.create_key_list(name="重点企业名单", tiers=[("A", "A类", 30)], actor=bob)
    tier = key_list.tiers.get()
    client.force_login(bob)
    url = reverse("visits:keylist_detail", args=[key_list.pk])

    def grow_to(n: int) -> int:
        have = KeyListMember.objects.count()
        firms = [
            Enterprise.objects.create(name=f"企业{i}", uscc=f"91440303MA{i:08d}") for i in range(have, n)
        ]
        services.add_members(key_list, usccs=[f.uscc for f in firms], tier=tier, actor=bob)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert grow_to(5) == grow_to(50)
