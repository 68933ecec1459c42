"""Coverage of a key list on a hand-computed fixture: overdue by tier cadence (and how it moves
with the calendar), counts and rates per tier and per 挂点 leader, the members × months matrix,
the dashboard numbers, and a query budget that does not grow with the list.

The fixture (today 2026-11-24; list tiers A 30 days, B 90, C 180; added 2026-01-01 unless said):

| firm | tier | done visits                 | base (max(last, added)) | due        | overdue |
|------|------|-----------------------------|-------------------------|------------|---------|
| E1   | A    | 03-05, 03-20, 11-10         | 11-10                   | 12-10      | no      |
| E2   | A    | 10-20 (+ planned 11-30)     | 10-20                   | 11-19      | 5 days  |
| E3   | B    | 09-01 (+ cancelled 11-01)   | 09-01                   | 11-30      | no      |
| E4   | B    | 2025-12-15; added 08-01     | 08-01                   | 10-30      | 25 days |
| E5   | C    | none; added 10-01           | 10-01                   | 2027-03-30 | no      |
| E6   | C    | 05-26                       | 05-26                   | 11-22      | 2 days  |
| E7   | A    | 10-25                       | 10-25                   | 11-24      | no (due today) |

Members 7, overdue 3, covered 4 → 57.1 %; visited in 2026: E1 E2 E3 E6 E7 = 5.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.fixtures.clock import frozen_today  # noqa: F401  (autouse: today is 2026-11-24)
from tests.personas import PASSWORD
from wutong.enterprises.models import Enterprise
from wutong.visits import queries, rules
from wutong.visits.choices import CoveragePeriod, VisitStatus, VisitType
from wutong.visits.models import KeyList, KeyListMember, KeyListTier, LeaderAssignment, Visit

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)
D = dt.date


def visit(firm: Enterprise, day: dt.date, unit, status: str = VisitStatus.DONE) -> Visit:  # type: ignore[no-untyped-def]
    return Visit.objects.create(
        enterprise=firm,
        visit_date=day,
        status=status,
        visit_type=VisitType.ROUTINE,
        organising_unit=unit,
        purpose="走访",
        cancel_reason="改期" if status == VisitStatus.CANCELLED else "",
        recorded_at=timezone.now() if status == VisitStatus.DONE else None,
    )


@pytest.fixture
def fixture(org, alice, district_leader, leader):  # type: ignore[no-untyped-def]
    key_list = KeyList.objects.create(name="重点企业名单")
    tiers = {
        code: KeyListTier.objects.create(key_list=key_list, code=code, cadence_days=days, order=i)
        for i, (code, days) in enumerate([("A", 30), ("B", 90), ("C", 180)])
    }
    firms = {
        f"E{i}": Enterprise.objects.create(name=f"企业{i}", uscc=f"91440303MA{i:08d}") for i in range(1, 9)
    }
    spec = {
        "E1": ("A", D(2026, 1, 1)),
        "E2": ("A", D(2026, 1, 1)),
        "E3": ("B", D(2026, 1, 1)),
        "E4": ("B", D(2026, 8, 1)),
        "E5": ("C", D(2026, 10, 1)),
        "E6": ("C", D(2026, 1, 1)),
        "E7": ("A", D(2026, 1, 1)),
    }
    for key, (tier, added) in spec.items():
        KeyListMember.objects.create(
            key_list=key_list, enterprise=firms[key], tier=tiers[tier], added_on=added
        )
    unit = org["tech"]
    for key, day in [
        ("E1", D(2026, 3, 5)),
        ("E1", D(2026, 3, 20)),
        ("E1", D(2026, 11, 10)),
        ("E2", D(2026, 10, 20)),
        ("E3", D(2026, 9, 1)),
        ("E4", D(2025, 12, 15)),
        ("E6", D(2026, 5, 26)),
        ("E7", D(2026, 10, 25)),
        ("E8", D(2026, 11, 1)),  # not on the list: never counted
    ]:
        visit(firms[key], day, unit)
    visit(firms["E2"], D(2026, 11, 30), unit, VisitStatus.PLANNED)
    visit(firms["E3"], D(2026, 11, 1), unit, VisitStatus.CANCELLED)
    LeaderAssignment.objects.create(
        enterprise=firms["E1"], leader=district_leader, contact_staff=alice, since=D(2026, 1, 1)
    )
    LeaderAssignment.objects.create(
        enterprise=firms["E2"], leader=district_leader, contact_staff=alice, since=D(2026, 1, 1)
    )
    LeaderAssignment.objects.create(enterprise=firms["E6"], leader=leader, since=D(2026, 1, 1))
    # an ended assignment does not count
    LeaderAssignment.objects.create(
        enterprise=firms["E3"], leader=leader, since=D(2025, 1, 1), until=D(2025, 12, 31)
    )
    return {"list": key_list, "firms": firms, "tiers": tiers}


def test_overdue_members_are_those_whose_last_visit_plus_tier_cadence_is_before_today(fixture):
    matrix = queries.coverage_matrix(fixture["list"], today=TODAY)
    by_name = {r["enterprise"].name: r for r in matrix["rows"]}
    assert {name for name, r in by_name.items() if r["overdue"]} == {"企业2", "企业4", "企业6"}
    assert {name: r["days_overdue"] for name, r in by_name.items() if r["overdue"]} == {
        "企业2": 5,
        "企业4": 25,
        "企业6": 2,
    }
    assert by_name["企业7"]["due_on"] == TODAY and not by_name["企业7"]["overdue"]
    assert by_name["企业4"]["last_visit"] == D(2025, 12, 15)
    assert by_name["企业5"]["due_on"] == D(2027, 3, 30)
    # the SQL flag and the pure rule agree on every row
    assert all(r["overdue"] == (r["due_on"] < TODAY) for r in matrix["rows"])


def test_a_day_later_the_member_due_today_is_overdue_too(fixture):
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC), tick=False):
        stats = queries.coverage_stats(fixture["list"])
    assert stats["total"]["overdue"] == 4


def test_a_visit_today_takes_the_member_off_the_overdue_list(fixture, org):
    visit(fixture["firms"]["E2"], TODAY, org["industry"])
    stats = queries.coverage_stats(fixture["list"], today=TODAY)
    assert (stats["total"]["overdue"], stats["total"]["rate"]) == (2, 71.4)


def test_counts_and_rates_per_list_tier_and_leader(fixture, district_leader, leader):
    KeyListTier.objects.create(key_list=fixture["list"], code="D", cadence_days=365, order=9)  # empty tier
    stats = queries.coverage_stats(fixture["list"], today=TODAY)
    assert stats["total"] == {"members": 7, "visited": 5, "overdue": 3, "covered": 4, "rate": 57.1}
    assert [(r["label"], r["members"], r["visited"], r["overdue"], r["rate"]) for r in stats["by_tier"]] == [
        ("A", 3, 3, 1, 66.7),
        ("B", 2, 1, 1, 50.0),
        ("C", 2, 1, 1, 50.0),
        ("D", 0, 0, 0, None),
    ]
    by_leader = {
        r["label"]: (r["members"], r["visited"], r["overdue"], r["rate"]) for r in stats["by_leader"]
    }
    assert by_leader == {"刘区长": (2, 2, 1, 50.0), "张局": (1, 1, 1, 0.0), "未挂点": (4, 2, 1, 75.0)}
    by_staff = {r["label"]: r["members"] for r in stats["by_staff"]}
    assert by_staff == {"李文": 2, "未指定联络员": 5}


def test_the_matrix_counts_done_visits_per_month_and_quarter(fixture):
    months = queries.coverage_matrix(fixture["list"], today=TODAY, period=CoveragePeriod.MONTH)
    assert months["columns"][0] == "1月" and len(months["columns"]) == 12
    e1 = next(r for r in months["rows"] if r["enterprise"].name == "企业1")
    assert e1["cells"] == [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0] and e1["total"] == 3
    assert months["column_totals"] == [0, 0, 2, 0, 1, 0, 0, 0, 1, 2, 1, 0]
    assert months["column_visited"] == [0, 0, 1, 0, 1, 0, 0, 0, 1, 2, 1, 0]
    quarters = queries.coverage_matrix(fixture["list"], today=TODAY, period=CoveragePeriod.QUARTER)
    assert quarters["columns"] == ["2026年第1季度", "2026年第2季度", "2026年第3季度", "2026年第4季度"]
    assert quarters["column_totals"] == [2, 1, 1, 3]
    # rows are ordered by tier, then name
    assert [r["tier"] for r in quarters["rows"]] == ["A", "A", "A", "B", "B", "C", "C"]


def test_the_matrix_and_stats_cost_the_same_queries_however_long_the_list(fixture, org):
    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as matrix_q:
            queries.coverage_matrix(fixture["list"], today=TODAY)
        with CaptureQueriesContext(connection) as stats_q:
            queries.coverage_stats(fixture["list"], today=TODAY)
        return len(matrix_q), len(stats_q)

    before = count()
    tier = fixture["tiers"]["B"]
    for i in range(20, 60):
        firm = Enterprise.objects.create(name=f"新增{i}", uscc=f"91440303MB{i:08d}")
        KeyListMember.objects.create(
            key_list=fixture["list"], enterprise=firm, tier=tier, added_on=D(2026, 1, 1)
        )
        visit(firm, D(2026, 6, 1), org["tech"])
    assert count() == before
    assert before[0] <= 4 and before[1] <= 7


def test_the_dashboard_counts_this_months_visits_overdue_firms_and_assigned_coverage(
    fixture, alice, district_leader
):
    staff = queries.dashboard_numbers(alice, today=TODAY)
    # done visits in November up to today: E1 11-10 and E8 11-01
    assert (staff["visits_this_month"], staff["overdue_enterprises"]) == (2, 3)
    # assigned E1 (visited 11-10), E2 (10-20), E6 (05-26) → 2 of 3 this quarter
    assert (staff["assigned"], staff["assigned_visited"], staff["assigned_rate"]) == (3, 2, 66.7)
    mine = queries.dashboard_numbers(district_leader, today=TODAY)
    assert (mine["visits_this_month"], mine["assigned"], mine["assigned_rate"]) == (1, 2, 100.0)


def test_the_pure_rule_explains_when_a_member_is_due():
    due = rules.visit_due(D(2026, 10, 20), D(2026, 1, 1), 30, TODAY)
    assert (due.due_on, due.overdue, due.days_overdue) == (D(2026, 11, 19), True, 5)
    assert "已超期 5 天" in due.explanation
    joined_later = rules.visit_due(D(2025, 12, 15), D(2026, 8, 1), 90, TODAY)
    assert joined_later.base == D(2026, 8, 1)
    assert not rules.visit_due(None, D(2026, 10, 25), 30, TODAY).overdue


def test_the_coverage_page_shows_the_numbers_and_exports_the_matrix(client, fixture, alice):
    client.login(username="alice", password=PASSWORD)
    url = reverse("visits:keylist_coverage", args=[fixture["list"].pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="stat-overdue">3<' in html and "57.1" in html
    assert 'id="visit-coverage-data"' in html
    response = client.get(url + "?period=quarter&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:9] == ("企业名称", "统一社会信用代码", "档次", "挂点领导", "联络员", *queries_columns())
    e1 = next(r for r in rows if r[0] == "企业1")
    assert e1[5:10] == (2, 0, 0, 1, 3) and e1[3] == "刘区长"
    assert sum(1 for r in rows[1:] if r[-1] == "超期") == 3


def queries_columns() -> tuple[str, ...]:
    return ("2026年第1季度", "2026年第2季度", "2026年第3季度", "2026年第4季度")


def test_partners_and_enterprise_users_cannot_open_the_coverage(client, fixture, partner, enterprise_user):
    url = reverse("visits:keylist_coverage", args=[fixture["list"].pk])
    for user in (partner, enterprise_user):
        client.force_login(user)
        assert client.get(url).status_code == 403
