"""The working-day calendar: 2026 from chinesecalendar, 2027 from staff-entered rows, fallbacks.

Clause ids name the State Council notice a row comes from: 国务院办公厅关于 2026 年部分节假日安排的
通知 (as carried by chinesecalendar 1.11: 国庆 10-01..10-07 off, 09-20 Sun and 10-10 Sat worked;
中秋 09-25..09-27 off; 元旦 01-01..01-03 off, 01-04 Sun worked).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from hypothesis import given, settings
from hypothesis import strategies as st

from wutong.core import services, workdays
from wutong.core.choices import HolidayKind
from wutong.core.exceptions import DomainError
from wutong.core.models import AuditEntry, Holiday

D = dt.date


@pytest.fixture(autouse=True)
def fresh_calendar():  # type: ignore[no-untyped-def]
    workdays.invalidate()
    yield
    workdays.invalidate()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(D(2026, 9, 30), True, id="2026-national-day-eve-wed-works"),
        pytest.param(D(2026, 10, 1), False, id="2026-national-day-10-01-off"),
        pytest.param(D(2026, 10, 5), False, id="2026-national-day-10-05-mon-off"),
        pytest.param(D(2026, 10, 7), False, id="2026-national-day-10-07-wed-off"),
        pytest.param(D(2026, 10, 8), True, id="2026-national-day-10-08-thu-back-to-work"),
        pytest.param(D(2026, 9, 20), True, id="2026-national-day-tiaoxiu-09-20-sun-worked"),
        pytest.param(D(2026, 10, 10), True, id="2026-national-day-tiaoxiu-10-10-sat-worked"),
        pytest.param(D(2026, 10, 11), False, id="2026-ordinary-sunday-off"),
        pytest.param(D(2026, 9, 25), False, id="2026-mid-autumn-09-25-fri-off"),
        pytest.param(D(2026, 1, 4), True, id="2026-new-year-tiaoxiu-01-04-sun-worked"),
        pytest.param(D(2026, 2, 23), False, id="2026-spring-festival-02-23-mon-off"),
        pytest.param(D(2026, 2, 28), True, id="2026-spring-festival-tiaoxiu-02-28-sat-worked"),
    ],
)
def test_is_working_day_follows_the_2026_notice(day: dt.date, working: bool) -> None:
    assert workdays.is_working_day(day) is working


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param(D(2026, 9, 30), 1, D(2026, 10, 8), id="2026-national-day-1-day-after-eve-is-10-08"),
        pytest.param(D(2026, 9, 30), 2, D(2026, 10, 9), id="2026-national-day-2-days-is-10-09-fri"),
        pytest.param(D(2026, 9, 30), 3, D(2026, 10, 10), id="2026-national-day-3-days-is-tiaoxiu-saturday"),
        pytest.param(D(2026, 9, 30), 4, D(2026, 10, 12), id="2026-national-day-4-days-skips-sunday-10-11"),
        pytest.param(D(2026, 9, 24), 1, D(2026, 9, 28), id="2026-mid-autumn-thu-plus-1-is-monday"),
        pytest.param(D(2026, 9, 19), 1, D(2026, 9, 20), id="2026-tiaoxiu-sunday-counts"),
        pytest.param(D(2026, 10, 1), 0, D(2026, 10, 8), id="n0-on-a-holiday-rolls-to-next-working-day"),
        pytest.param(D(2026, 9, 30), 0, D(2026, 9, 30), id="n0-on-a-working-day-is-that-day"),
        pytest.param(D(2026, 10, 8), -1, D(2026, 9, 30), id="negative-goes-back-over-national-day"),
        pytest.param(D(2026, 10, 12), -1, D(2026, 10, 10), id="negative-lands-on-tiaoxiu-saturday"),
        pytest.param(D(2025, 12, 31), 1, D(2026, 1, 4), id="2026-new-year-crosses-year-to-tiaoxiu-sunday"),
        pytest.param(D(2026, 1, 4), -1, D(2025, 12, 31), id="negative-crosses-year-backwards"),
    ],
)
def test_add_working_days_counts_the_nth_working_day_after_start(
    start: dt.date, n: int, expected: dt.date
) -> None:
    assert workdays.add_working_days(start, n) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(D(2026, 9, 30), D(2026, 10, 10), 3, id="2026-national-day-week-has-3-working-days"),
        pytest.param(D(2026, 10, 10), D(2026, 9, 30), -3, id="reversed-interval-is-negative"),
        pytest.param(D(2026, 9, 30), D(2026, 9, 30), 0, id="same-day-is-zero"),
        pytest.param(D(2026, 9, 30), D(2026, 10, 7), 0, id="whole-golden-week-off"),
        pytest.param(D(2025, 12, 31), D(2026, 1, 5), 2, id="2026-new-year-across-years"),
        # 2026: 261 weekdays - 19 weekday holidays + 6 tiaoxiu weekend days = 248 working days.
        pytest.param(D(2025, 12, 31), D(2026, 12, 31), 248, id="2026-has-248-working-days"),
    ],
)
def test_working_days_between_counts_the_half_open_interval(a: dt.date, b: dt.date, expected: int) -> None:
    assert workdays.working_days_between(a, b) == expected


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(start=st.dates(D(2025, 1, 1), D(2027, 12, 31)), n=st.integers(1, 400))
def test_add_and_between_are_inverse(start: dt.date, n: int) -> None:
    end = workdays.add_working_days(start, n)
    assert workdays.is_working_day(end)
    assert workdays.working_days_between(start, end) == n
    if workdays.is_working_day(start):
        assert workdays.add_working_days(end, -n) == start


@pytest.mark.django_db
def test_a_year_nobody_knows_falls_back_to_weekends_with_a_warning() -> None:
    assert not workdays.library_knows(2027)
    # 2027-01-01 is a Friday: without the notice it is counted as a working day.
    assert workdays.is_working_day(D(2027, 1, 1)) is True
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    warnings = workdays.calendar_warnings(D(2026, 12, 1), D(2027, 1, 10))
    assert len(warnings) == 1
    assert "2027 年" in warnings[0]
    assert workdays.calendar_warnings(D(2026, 1, 1), D(2026, 12, 31)) == []
    # Far years never crash either.
    assert workdays.working_days_between(D(2030, 1, 1), D(2030, 1, 8)) == 5
    assert workdays.uncovered_years(D(2026, 6, 1), D(2030, 1, 1)) == [2027, 2028, 2029, 2030]


@pytest.mark.django_db
def test_staff_entered_2027_new_year_holiday_moves_deadlines(admin_user) -> None:  # type: ignore[no-untyped-def]
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    services.add_holiday(date=D(2027, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦", actor=admin_user)
    assert workdays.is_working_day(D(2027, 1, 1)) is False
    assert workdays.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert workdays.working_days_between(D(2026, 12, 31), D(2027, 1, 4)) == 1
    assert workdays.calendar_warnings(D(2026, 12, 1), D(2027, 1, 10)) == []
    entry = AuditEntry.objects.get(action="core.holiday.added")
    assert entry.changes["date"] == [None, "2027-01-01"]


@pytest.mark.django_db
def test_table_rows_override_the_library(admin_user) -> None:  # type: ignore[no-untyped-def]
    assert workdays.is_working_day(D(2026, 10, 8)) is True
    holiday = services.add_holiday(
        date=D(2026, 10, 8), kind=HolidayKind.HOLIDAY, name="测试", actor=admin_user
    )
    assert workdays.is_working_day(D(2026, 10, 8)) is False
    assert workdays.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 9)
    services.remove_holiday(holiday, actor=admin_user)
    assert workdays.is_working_day(D(2026, 10, 8)) is True
    assert list(AuditEntry.objects.values_list("action", flat=True).order_by("id")) == [
        "core.holiday.added",
        "core.holiday.removed",
    ]


@pytest.mark.django_db
def test_cached_years_answer_without_queries(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    workdays.working_days_between(D(2026, 1, 1), D(2026, 12, 31))
    with django_assert_num_queries(0):
        for offset in range(365):
            workdays.is_working_day(D(2026, 1, 1) + dt.timedelta(days=offset))
        assert workdays.add_working_days(D(2026, 1, 1), 100) > D(2026, 1, 1)


@pytest.mark.django_db
def test_a_workday_row_on_a_weekday_is_refused(admin_user) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError, match="无需登记"):
        services.add_holiday(date=D(2027, 2, 8), kind=HolidayKind.WORKDAY, actor=admin_user)
    services.add_holiday(date=D(2027, 2, 7), kind=HolidayKind.WORKDAY, name="春节调休", actor=admin_user)
    assert workdays.is_working_day(D(2027, 2, 7)) is True  # a Sunday, worked in lieu
    with pytest.raises(DomainError, match="已有记录"):
        services.add_holiday(date=D(2027, 2, 7), kind=HolidayKind.WORKDAY, actor=admin_user)


@pytest.mark.django_db
def test_users_without_the_capability_cannot_change_holidays(district_leader) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        services.add_holiday(date=D(2027, 1, 1), kind=HolidayKind.HOLIDAY, actor=district_leader)
    with pytest.raises(PermissionDenied):
        services.import_holiday_notice("2027-01-01 holiday 元旦", actor=district_leader)
    assert not Holiday.objects.exists()


NOTICE_2027 = """
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
2027-01-01 holiday 元旦
2027-02-06 休 春节
2027-02-07 workday 春节调休
2027-02-08 holiday 春节
"""


@pytest.mark.django_db
def test_pasted_notice_is_imported_and_counted(admin_user) -> None:  # type: ignore[no-untyped-def]
    result = services.import_holiday_notice(NOTICE_2027, actor=admin_user)
    assert (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert Holiday.objects.get(date=D(2027, 2, 7)).kind == HolidayKind.WORKDAY
    assert workdays.is_working_day(D(2027, 2, 8)) is False
    again = services.import_holiday_notice(NOTICE_2027.replace("元旦", "元旦节"), actor=admin_user)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 3)
    assert AuditEntry.objects.filter(action="core.holiday.imported").count() == 2


@pytest.mark.django_db
def test_a_notice_with_bad_lines_writes_nothing_and_names_every_line(admin_user) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(
        [
            "2027-01-01 holiday 元旦",
            "2027-13-01 holiday 错",
            "",
            "2027-01-02 maybe",
            "2027-02-08 workday",
            "2027-01-01 休",
        ]
    )
    with pytest.raises(services.HolidayImportError) as caught:
        services.import_holiday_notice(text, actor=admin_user)
    assert [line for line, _message in caught.value.errors] == [2, 4, 5, 6]
    assert "第 2 行" in caught.value.message
    assert not Holiday.objects.exists()
    assert not AuditEntry.objects.exists()
