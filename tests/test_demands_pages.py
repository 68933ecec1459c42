"""Demand pages: the ledger and its Excel export (read back with openpyxl), the demand page per
audience, lifecycle steps through the web, statistics numbers, categories, API keys, dashboard
cards and the enterprise file tab."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine

from wutong.core.models import AuditEntry
from wutong.demands import queries, services
from wutong.demands import testing as t
from wutong.demands.choices import DemandStatus, RejectionReason
from wutong.demands.models import ApiKey, Demand, DemandCategory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
S = DemandStatus


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture
def dataset(alice, bob, partner, enterprise_user, org):
    """Five demands with known timings; 'today' is Fri 13 Nov 2026."""
    finance = t.other_department()
    fin = t.category("finance")
    with time_machine.travel(at("2026-11-02", 9), tick=False):
        d1 = t.routed_demand(alice, org["partner"])
        d2 = t.routed_demand(alice, org["partner"], content="人才住房租金补贴迟迟未发放")
        d3 = t.routed_demand(alice, finance, cat=fin, content="申请银行贷款贴息，希望协调")
    with time_machine.travel(at("2026-11-04", 15), tick=False):
        services.reply_demand(d1, reply="已完成审核并通知企业。", actor=partner)
        services.rate_demand(d1, rating=5, actor=enterprise_user)
    with time_machine.travel(at("2026-11-12", 15), tick=False):
        services.reply_demand(d2, reply="补贴已于本周拨付。", actor=partner)
        services.rate_demand(d2, rating=3, actor=enterprise_user)
    with time_machine.travel(at("2026-11-11", 9), tick=False):
        d4 = t.submitted_demand(alice, cat=fin, content="希望了解科技金融贴息政策")
        services.accept_demand(d4, actor=alice)
        d5 = t.submitted_demand(alice, cat=t.category("other"), content="与某公司的合同纠纷请局里裁决")
        services.reject_demand(d5, reason=RejectionReason.LITIGATION, actor=alice)
    return {"d": [d1, d2, d3, d4, d5], "finance": finance}


def test_statistics_numbers(dataset, leader):
    stats = queries.demand_stats(leader, today=dt.date(2026, 11, 13))
    assert (stats["total"], stats["open"], stats["overdue"], stats["closed"]) == (5, 2, 1, 2)
    assert stats["on_time"] == {"on_time": 1, "late": 2, "rate": 33.3}
    assert stats["avg_days"] == 5.0  # 2 and 8 working days
    assert stats["satisfaction"] == {
        "rated": 2,
        "mean": 4.0,
        "satisfied_rate": 50.0,
        "distribution": [0, 0, 1, 0, 1],
    }
    by_category = {
        r["label"]: (r["total"], r["open"], r["overdue"], r["on_time_rate"]) for r in stats["by_category"]
    }
    assert by_category == {"人才住房": (2, 0, 0, 50.0), "融资": (2, 2, 1, 0.0), "其他": (1, 0, 0, None)}
    by_department = {r["label"]: (r["total"], r["avg_days"]) for r in stats["by_department"]}
    assert by_department == {"区住房和建设局": (2, 5.0), "未交办": (2, None), "区金融工作局": (1, None)}
    assert stats["charts"]["satisfaction"]["values"] == [0, 0, 1, 0, 1]
    # a period filter
    assert (
        queries.demand_stats(leader, start=dt.date(2026, 11, 10), today=dt.date(2026, 11, 13))["total"] == 2
    )


def test_partner_statistics_cover_only_their_demands(dataset, partner):
    stats = queries.demand_stats(partner, today=dt.date(2026, 11, 13))
    assert stats["total"] == 2 and stats["on_time"]["rate"] == 50.0


def test_ledger_export_has_the_office_layout_with_chinese_headers(client, dataset, alice):
    client.force_login(alice)
    response = client.get(
        "/demands/", {"export": "xlsx", "category": DemandCategory.objects.get(code="housing").pk}
    )
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "序号",
        "企业名称",
        "诉求内容",
        "类别",
        "承办单位",
        "受理时间",
        "办理时限",
        "办结时间",
        "办理结果",
        "满意度",
    ]
    assert len(rows) == 3  # the filter applies: the two housing demands
    first = rows[1]
    assert first[0] == 1 and first[1] == "深圳市梧桐示范科技有限公司" and first[3] == "人才住房"
    assert first[4] == "区住房和建设局"
    assert first[5] == dt.datetime(2026, 11, 2) and first[6] == dt.datetime(2026, 11, 9)
    assert first[7] == dt.datetime(2026, 11, 4) and first[8] == "已完成审核并通知企业。" and first[9] == 5
    assert sheet.cell(row=2, column=6).number_format == "yyyy-mm-dd"


def test_export_shows_the_rejection_reason_as_the_result(client, dataset, alice):
    client.force_login(alice)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/demands/", {"export": "xlsx"}).content)).active
    results = [row[8] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "不予受理：已进入诉讼、仲裁或行政复议程序" in results


def test_ledger_lists_per_audience(client, dataset, alice, partner, enterprise_user, reviewer):
    client.force_login(alice)
    assert client.get("/demands/").content.decode().count('href="/demands/') >= 5
    client.force_login(partner)
    html = client.get("/demands/").content.decode()
    numbers = {d.number for d in dataset["d"]}
    assert {n for n in numbers if n in html} == {dataset["d"][0].number, dataset["d"][1].number}
    client.force_login(enterprise_user)
    assert client.get("/demands/").status_code == 200
    assert client.get("/demands/", {"export": "xlsx"}).status_code == 403  # export is internal
    client.force_login(reviewer)
    assert client.get("/demands/").status_code == 403
    assert client.get(f"/demands/{dataset['d'][0].pk}/").status_code in (403, 404)


def test_overdue_filter_on_the_ledger(client, dataset, alice):
    client.force_login(alice)
    with time_machine.travel(at("2026-11-13"), tick=False):
        html = client.get("/demands/", {"deadline": "overdue"}).content.decode()
    assert dataset["d"][2].number in html and dataset["d"][3].number not in html


def test_the_enterprise_sees_public_steps_only(client, alice, partner, enterprise_user, org):
    demand = t.routed_demand(alice, org["partner"])
    services.comment_demand(demand, body="内部意见：请优先", actor=alice)
    services.comment_demand(demand, body="已电话联系企业", is_public=True, actor=partner)
    client.force_login(enterprise_user)
    html = client.get(f"/demands/{demand.pk}/").content.decode()
    assert "已电话联系企业" in html and "内部意见" not in html
    assert "审计记录" not in html
    assert 'id="btn-accept"' not in html and 'id="btn-reply"' not in html


def test_lifecycle_steps_through_the_web(client, alice, partner, enterprise_user, org):
    demand = t.submitted_demand(alice)
    client.force_login(partner)
    assert client.post(f"/demands/{demand.pk}/accept/", {}).status_code == 404  # not routed to them
    client.force_login(alice)
    assert client.post(f"/demands/{demand.pk}/accept/", {"accept-note": ""}).status_code == 302
    response = client.post(f"/demands/{demand.pk}/route/", {"route-lead_department": ""})
    assert response.status_code == 400
    response = client.post(f"/demands/{demand.pk}/route/", {"route-lead_department": org["partner"].pk})
    assert response.status_code == 302
    client.force_login(partner)
    response = client.post(f"/demands/{demand.pk}/reply/", {"reply-reply": "短"})
    assert response.status_code == 400 and "请填写答复内容" in response.content.decode()
    assert (
        client.post(f"/demands/{demand.pk}/reply/", {"reply-reply": "已办结，详见附件说明。"}).status_code
        == 302
    )
    client.force_login(enterprise_user)
    assert (
        client.post(f"/demands/{demand.pk}/rate/", {"rate-rating": "4", "rate-comment": "好"}).status_code
        == 302
    )
    demand.refresh_from_db()
    assert demand.status == S.CLOSED and demand.rating == 4


def test_staff_register_a_demand_by_uscc_with_automatic_category(client, alice):
    t.enterprise()
    client.force_login(alice)
    response = client.post(
        "/demands/new/",
        {
            "enterprise_uscc": t.USCC_OWN,
            "content": "需要申请银行贷款贴息",
            "channel": "phone",
            "category": "",
        },
    )
    assert response.status_code == 302
    demand = Demand.objects.get()
    assert demand.category.code == "finance" and demand.channel == "phone"
    response = client.post(
        "/demands/new/",
        {"enterprise_uscc": "91440300MA5F999999", "content": "内容内容内容", "channel": "staff"},
    )
    assert "一企一档中没有该企业" in response.content.decode()


def test_enterprise_user_registers_for_their_own_firm_only(client, enterprise_user):
    t.enterprise()
    client.force_login(enterprise_user)
    assert "enterprise_uscc" not in client.get("/demands/new/").content.decode()
    assert (
        client.post(
            "/demands/new/", {"content": "专利被侵权需要维权援助", "enterprise_uscc": "X"}
        ).status_code
        == 302
    )
    demand = Demand.objects.get()
    assert (
        demand.enterprise.uscc == t.USCC_OWN and demand.channel == "portal" and demand.category.code == "ip"
    )


def test_section_head_edits_category_deadlines_staff_cannot(client, alice, bob, org):
    housing = t.category("housing")
    client.force_login(alice)
    assert client.get(f"/demands/categories/{housing.pk}/edit/").status_code == 403
    client.force_login(bob)
    data = {
        "code": "housing",
        "name": "人才住房",
        "keywords": "住房",
        "default_department": org["partner"].pk,
        "section": org["tech"].pk,
        "accept_days": 1,
        "reply_days": 3,
        "order": 1,
        "is_active": "on",
    }
    assert client.post(f"/demands/categories/{housing.pk}/edit/", data).status_code == 302
    housing.refresh_from_db()
    assert housing.reply_days == 3 and housing.default_department == org["partner"]
    entry = AuditEntry.objects.get(action="demands.demandcategory.updated")
    assert entry.changes["reply_days"] == [5, 3]
    assert (
        client.post(f"/demands/categories/{housing.pk}/edit/", {**data, "reply_days": 0}).status_code == 200
    )


def test_api_key_is_shown_once_and_stored_hashed(client, admin_user, alice, org):
    client.force_login(alice)
    assert client.get("/demands/api-keys/").status_code == 403
    client.force_login(admin_user)
    html = client.post(
        "/demands/api-keys/", {"name": "12345 热线", "org_unit": org["partner"].pk}
    ).content.decode()
    key = ApiKey.objects.get()
    start = html.index("wt_")
    plain = html[start : html.index("<", start)]
    assert services.authenticate_api_key(plain) == key and plain not in key.key_hash
    assert plain not in client.get("/demands/api-keys/").content.decode()
    assert client.post(f"/demands/api-keys/{key.pk}/revoke/").status_code == 302
    assert services.authenticate_api_key(plain) is None


def test_dashboard_cards_and_enterprise_tab(client, dataset, alice):
    client.force_login(alice)
    with time_machine.travel(at("2026-11-13"), tick=False):
        html = client.get("/").content.decode()
    assert "在办诉求" in html and "超期诉求" in html and "诉求按时办理率" in html
    firm = dataset["d"][0].enterprise
    client.force_login(alice)  # the time-travelled request left an idle session behind
    html = client.get(f"/enterprises/{firm.pk}/", {"tab": "demands"}).content.decode()
    assert [d.number for d in dataset["d"] if d.number not in html] == []


def test_stats_page_renders_chart_data(client, dataset, leader):
    client.force_login(leader)
    html = client.get("/demands/stats/").content.decode()
    assert 'id="demand-stats-data"' in html and "wutong/demands.js" in html and "区住房和建设局" in html


def test_groups_page_suggests_clusters_and_a_head_raises_one(client, alice, bob):
    firms = [t.enterprise(f"91440300MA5F0000{n:02d}", f"企业{n}") for n in (3, 4)]
    ds = [t.submitted_demand(alice, firm=f, content="人才住房配租审核进度慢，希望加快审核") for f in firms]
    client.force_login(bob)
    assert "企业3" in client.get("/demands/groups/").content.decode()
    response = client.post(
        "/demands/groups/new/",
        {"title": "配租审核慢", "note": "", "demand_ids": ",".join(str(d.pk) for d in ds)},
    )
    assert response.status_code == 302
    assert Demand.objects.filter(group__title="配租审核慢").count() == 2


# --- query budgets ------------------------------------------------------------------------------


def test_ledger_page_query_count_does_not_grow_with_rows(client, alice, org, django_assert_max_num_queries):
    for _ in range(3):
        t.routed_demand(alice, org["partner"])
    client.force_login(alice)
    client.get("/demands/")
    with django_assert_max_num_queries(25) as few:
        client.get("/demands/")
    for _ in range(12):
        t.routed_demand(alice, org["partner"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/demands/").status_code == 200


def test_demand_page_and_export_budgets(client, dataset, alice, django_assert_max_num_queries):
    client.force_login(alice)
    demand = dataset["d"][0]
    with django_assert_max_num_queries(40):
        assert client.get(f"/demands/{demand.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/demands/", {"export": "xlsx"}).status_code == 200
