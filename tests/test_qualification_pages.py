"""Qualification pages: the hub, screening, results with the named lists and export, pools and members,
the calendar, the ladder, the 资质评估 tab with gaps, and the dashboard cards.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from wutong.enterprises.models import AnnualReport, Enterprise, IPAsset, QualificationHolding
from wutong.qualifications import screening, services
from wutong.qualifications.choices import PoolStage
from wutong.qualifications.models import Assessment, PoolMember, ScreeningRun
from wutong.qualifications.rules import version_in_force
from wutong.qualifications.services import _version_row
from wutong.qualifications.synthetic import generate_registry

pytestmark = [pytest.mark.django_db]
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _today(time_machine):  # type: ignore[no-untyped-def]
    time_machine.move_to(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC))


def login(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def short_firm() -> Enterprise:
    """A firm that misses 国高 R&D (3.5 % of 1 800 万 over three years vs 4 %… see numbers) and staff."""
    firm = Enterprise.objects.create(uscc="91440300MA5G000017", name="深圳市差距示范科技有限公司",
                                     established=dt.date(2015, 3, 1))  # fmt: skip
    for year in (2023, 2024, 2025):
        AnnualReport.objects.create(
            enterprise=firm, year=year, sales_revenue=Decimal("20000000"), total_income=Decimal("21000000"),
            high_tech_revenue=Decimal("15000000"), rd_expense=Decimal("700000"),
            rd_expense_domestic=Decimal("700000"), net_assets=Decimal("5000000"),
            total_assets=Decimal("9000000"), employees=100, tech_staff=7,
        )  # fmt: skip
    IPAsset.objects.create(
        enterprise=firm, kind="invention_patent", number="ZL2020-1", granted_on=dt.date(2021, 1, 1)
    )
    return firm


def test_the_assessment_tab_shows_verdicts_gaps_in_units_and_the_steps(client, alice):
    firm = short_firm()
    response = login(client, alice).get(f"/enterprises/{firm.pk}/?tab=assessment")
    assert response.status_code == 200
    html = response.content.decode()
    # 研发: 3 × 70 万 vs 5 % of 3 × 2 000 万 = 300 万 → 需再投入 90 万元; staff 7 of 100 vs 10 % → 3 人
    assert "需再投入研发费用 90 万元" in html
    assert "需再增加科技人员 3 人" in html
    assert 'data-rule="gaoxin"' in html and 'data-rule="kexiao"' in html
    assert "不符合条件" in html  # the gaoxin verdict badge
    assert "即时评估，未保存" in html
    assert "store-assessment" in html and "estimate-form" in html


def test_composite_values_and_score_items_are_shown_by_their_chinese_names(client, alice):
    firm = short_firm()
    html = login(client, alice).get(f"/enterprises/{firm.pk}/?tab=assessment").content.decode()
    # 科小 size limits: a value per figure, named and with its unit, never the input key
    assert "职工总数：100 人<br>销售收入：2000 万元" in html
    assert "employees:" not in html and "sales_revenue:" not in html
    # 科小 direct routes are named; 国高 score items by their label
    assert "拥有有效期内的高新技术企业证书" in html
    assert '<td title="ip_quantity">' in html and "<td>ip_quantity" not in html


def test_storing_an_assessment_from_the_tab_keeps_it_and_the_tab_shows_the_stored_one(client, alice):
    firm = short_firm()
    response = login(client, alice).post(
        f"/qualifications/enterprise/{firm.pk}/assess/", {"rule_code": "gaoxin"}
    )
    assert response.status_code == 302
    stored = Assessment.objects.get(enterprise=firm)
    assert stored.verdict == "ineligible" and stored.created_by == alice
    html = client.get(f"/enterprises/{firm.pk}/?tab=assessment").content.decode()
    assert "已保存" in html


def test_an_expert_estimate_is_recorded_from_the_tab_and_narrows_the_range(client, alice):
    firm = short_firm()
    login(client, alice).post(
        f"/qualifications/enterprise/{firm.pk}/estimate/",
        {
            "rule_code": "gaoxin",
            "item_id": "rd_management",
            "min_points": "12",
            "max_points": "15",
            "note": "现场看",
        },
    )
    assert services.current_estimates(firm, "gaoxin") == {"rd_management": (12.0, 15.0)}
    assert (
        "已按专家估计收窄为 [12, 15]"
        in client.get(f"/enterprises/{firm.pk}/?tab=assessment").content.decode()
    )


def test_the_tab_is_hidden_from_an_enterprise_user(client, enterprise_user):
    firm = Enterprise.objects.create(uscc="91440300MA5F000001", name="企业用户自己的公司")
    response = login(client, enterprise_user).get(f"/enterprises/{firm.pk}/?tab=assessment")
    assert response.status_code == 404


def _screen(n: int = 120) -> ScreeningRun:
    generate_registry(n, seed=3)
    run = ScreeningRun.objects.create(
        rule_version=_version_row(version_in_force("gaoxin", TODAY)), on_date=TODAY
    )
    return screening.execute_run(run)


def test_the_results_list_filters_by_named_list_and_exports_what_it_shows(client, alice):
    _screen()
    login(client, alice)
    rd_only = client.get("/qualifications/results/?preset=rd_only")
    assert rd_only.status_code == 200
    expected = screening.ScreeningResult.objects.filter(failing="rd_expense_ratio").count()
    assert expected > 0
    assert rd_only.content.decode().count("<tr") - 1 == expected
    export = client.get("/qualifications/results/?preset=rd_only&export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row - 1 == expected
    # failing conditions by their names, on the page and in the export, never as criterion ids
    html = rd_only.content.decode()
    assert ">研发费用占比<" in html
    assert "rd_expense_ratio" not in html
    header = [cell.value for cell in sheet[1]]
    failing_column = header.index("不符合的条件")
    assert {row[failing_column].value for row in sheet.iter_rows(min_row=2)} == {"研发费用占比"}


def test_a_pool_is_created_from_the_results_filter_with_exactly_those_firms(client, alice):
    _screen()
    login(client, alice)
    chosen = set(
        screening.ScreeningResult.objects.filter(needs_data=True).values_list("enterprise_id", flat=True)
    )
    response = client.post(
        "/qualifications/pools/new/",
        {
            "from": "preset=needs_data",
            "name": "2026 国高培育库",
            "rule_code": "gaoxin",
            "year": 2026,
            "target": 30,
        },
    )
    assert response.status_code == 302
    members = set(PoolMember.objects.values_list("enterprise_id", flat=True))
    assert members == chosen and len(chosen) > 0
    detail = client.get(response["Location"])
    assert f'id="stat-members">{len(chosen)}<' in detail.content.decode()


def test_moving_a_member_through_the_stages_from_its_page(client, alice):
    firm = short_firm()
    pool = services.create_pool(
        name="P", rule_code="gaoxin", year=2026, actor=alice, enterprise_ids=[firm.pk]
    )
    batch = services.create_batch(pool, name="2026 第一批", actor=alice)
    member = pool.members.get()
    login(client, alice)
    url = f"/qualifications/members/{member.pk}/"
    for stage in ("coaching", "prereview"):
        assert client.post(url, {"action": "stage", "stage": stage}).status_code == 302
    refused = client.post(url, {"action": "stage", "stage": "certified"})
    assert refused.status_code == 200 and "不能从“预审”直接转为“认定”" in refused.content.decode()
    client.post(url, {"action": "stage", "stage": "applied", "batch": batch.pk})
    member.refresh_from_db()
    assert (member.stage, member.batch_id) == (PoolStage.APPLIED, batch.pk)
    assert list(member.stage_changes.values_list("to_stage", flat=True)) == [
        "coaching",
        "prereview",
        "applied",
    ]


def test_calendar_and_ladder_pages_show_their_numbers(client, alice):
    firm = short_firm()
    QualificationHolding.objects.create(enterprise=firm, kind="gaoxin", issued_on=dt.date(2023, 10, 1),
                                        expires_on=dt.date(2026, 9, 30))  # fmt: skip
    QualificationHolding.objects.create(enterprise=firm, kind="kexiao", issued_on=dt.date(2025, 5, 1),
                                        expires_on=dt.date(2026, 12, 31))  # fmt: skip
    login(client, alice)
    calendar = client.get("/qualifications/calendar/").content.decode()
    september = (
        '<tr data-month="9"><td class="text-nowrap">2026年9月</td>'
        '<td class="text-end"></td><td class="text-end"></td>'
    )
    assert september + '<td class="text-end">1</td>' in calendar  # 科小, 创新型 empty; 国高 1
    assert '<th class="text-end">国家高新技术企业</th>' in calendar  # kinds by name, not code
    assert "<td>gaoxin</td>" not in calendar and "<td>kexiao</td>" not in calendar
    assert "2026 年科技型中小企业评价" in calendar
    ladder = client.get("/qualifications/ladder/?year=2026").content.decode()
    assert 'id="ladder-data"' in ladder and "qualifications.js" in ladder


def test_the_hub_and_lists_are_closed_to_partners_and_enterprise_users(client, partner, enterprise_user):
    for user in (partner, enterprise_user):
        login(client, user)
        for url in (
            "/qualifications/",
            "/qualifications/results/",
            "/qualifications/pools/",
            "/qualifications/ladder/",
        ):
            assert client.get(url).status_code == 403, (user, url)


def test_dashboard_cards_count_prospects_expiries_and_pool_progress(alice):
    from wutong.qualifications.views import dashboard_cards

    _screen()
    cards = {str(c["label"]): c for c in dashboard_cards(alice)}
    prospects = screening.ScreeningResult.objects.filter(prospect=True, holds=False).count()
    assert cards["有望通过国高但未持有"]["value"] == prospects
    expiring = screening.ScreeningResult.objects.filter(holding_expires_on__year=2026).count()
    assert cards["国高今年到期"]["value"] == expiring
    assert dashboard_cards(None) == []


def test_firms_are_added_to_a_pool_by_hand_and_unknown_codes_are_named(client, alice):
    firm = short_firm()
    pool = services.create_pool(name="手工库", rule_code="gaoxin", year=2026, actor=alice)
    login(client, alice)
    url = f"/qualifications/pools/{pool.pk}/"
    refused = client.post(url, {"action": "add", "usccs": f"{firm.uscc}\n91440300MA5X999999"})
    assert "一企一档中没有：91440300MA5X999999" in refused.content.decode()
    assert pool.members.count() == 0
    assert client.post(url, {"action": "add", "usccs": firm.uscc.lower()}).status_code == 302
    assert list(pool.members.values_list("enterprise_id", "stage")) == [(firm.pk, PoolStage.POTENTIAL)]


def test_an_agency_sees_only_its_members_on_the_pool_page_and_may_coach_but_not_move(
    client, alice, agency_user
):
    firm, other = short_firm(), Enterprise.objects.create(uscc="91440300MA5G000025", name="另一家")
    pool = services.create_pool(
        name="P", rule_code="gaoxin", year=2026, actor=alice, enterprise_ids=[firm.pk, other.pk]
    )
    mine = pool.members.get(enterprise=firm)
    services.assign_member(mine, agency=agency_user.org_unit, actor=alice)
    login(client, agency_user)
    html = client.get(f"/qualifications/pools/{pool.pk}/").content.decode()
    assert firm.name in html and "另一家" not in html
    page = client.get(f"/qualifications/members/{mine.pk}/").content.decode()
    assert 'id="coaching-form"' in page and 'id="stage-form"' not in page
    moved = client.post(f"/qualifications/members/{mine.pk}/", {"action": "stage", "stage": "coaching"})
    assert moved.status_code == 403
    client.post(
        f"/qualifications/members/{mine.pk}/",
        {"action": "coach", "date": "2026-05-30", "content": "研发费用辅助账辅导", "next_step": "补材料"},
    )
    assert mine.coaching_records.get().agency == agency_user.org_unit
    other_member = pool.members.get(enterprise=other)
    assert client.get(f"/qualifications/members/{other_member.pk}/").status_code == 404


def test_list_and_detail_pages_keep_a_query_budget_whatever_the_rows(
    client, alice, django_assert_max_num_queries
):
    _screen(120)
    ids = list(screening.ScreeningResult.objects.values_list("enterprise_id", flat=True)[:60])
    pool = services.create_pool(name="预算", rule_code="gaoxin", year=2026, actor=alice, enterprise_ids=ids)
    login(client, alice)
    client.get("/qualifications/results/")  # warm the session and content types
    with django_assert_max_num_queries(10):
        assert client.get("/qualifications/results/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/qualifications/pools/{pool.pk}/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/qualifications/pools/").status_code == 200


def test_the_pool_list_counts_every_pool_with_one_query_whatever_the_number_of_pools(client, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _screen(30)
    ids = list(screening.ScreeningResult.objects.values_list("enterprise_id", flat=True))
    services.create_pool(name="库一", rule_code="gaoxin", year=2026, actor=alice, enterprise_ids=ids[:7])
    login(client, alice)
    client.get("/qualifications/pools/")
    with CaptureQueriesContext(connection) as one_pool:
        client.get("/qualifications/pools/")
    for n in range(2, 6):
        services.create_pool(
            name=f"库{n}", rule_code="kexiao", year=2026, actor=alice, enterprise_ids=ids[n : n + 3]
        )
    with CaptureQueriesContext(connection) as five_pools:
        html = client.get("/qualifications/pools/").content.decode()
    assert len(five_pools) == len(one_pool)
    assert html.count('<td class="text-end">3</td>') >= 4 and '<td class="text-end">7</td>' in html
    assert "<td>科技型中小企业</td>" in html and "<td>kexiao</td>" not in html
