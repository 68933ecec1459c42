"""Demand clocks in working days (2026 National Day, New Year 2027 with and without staff-entered
holidays), the traffic light and its SQL twin, and escalation over time (time-machine)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from wutong.core import workdays
from wutong.core.choices import HolidayKind
from wutong.core.models import AuditEntry
from wutong.core.services import add_holiday
from wutong.demands import queries, rules, services
from wutong.demands import testing as t
from wutong.demands.choices import DeadlineState, DemandStatus, EscalationLevel
from wutong.demands.models import Demand

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
S = DemandStatus


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def fresh_calendar():
    workdays.invalidate()
    yield
    workdays.invalidate()


def test_clocks_skip_national_day_2026_and_count_the_saturday_makeup_day(alice):
    # Wed 30 Sep 2026; 1–7 Oct off; Sat 10 Oct is a 调休 working day
    demand = t.submitted_demand(alice, at=at("2026-09-30"))
    assert demand.accept_due == dt.date(2026, 10, 8)
    # 8, 9, 10 (Sat, makeup), 12, 13 October
    assert demand.reply_due == dt.date(2026, 10, 13)
    assert demand.reply_warn_on == dt.date(2026, 10, 12)  # ceil(0.8 × 5) = 4th working day
    assert services.calendar_warnings_for(demand) == []


def test_a_three_day_category_warns_on_its_last_day(alice):
    cat = t.category("approval", reply_days=3)
    demand = t.submitted_demand(alice, at=at("2026-09-30"), cat=cat)
    assert (demand.reply_warn_on, demand.reply_due) == (dt.date(2026, 10, 10), dt.date(2026, 10, 10))


def test_new_year_2027_without_holiday_data_counts_weekdays_and_warns_on_the_demand(alice):
    demand = t.submitted_demand(alice, at=at("2026-12-30"))
    assert demand.accept_due == dt.date(2026, 12, 31)
    # 31 Dec, Fri 1 Jan (unknown year: counted as a working day), 4, 5, 6 January
    assert demand.reply_due == dt.date(2027, 1, 6)
    warnings = services.calendar_warnings_for(demand)
    assert len(warnings) == 1 and "2027" in warnings[0]


def test_new_year_2027_with_staff_entered_holidays_moves_the_deadline_and_drops_the_warning(
    alice, admin_user
):
    add_holiday(date=dt.date(2027, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦", actor=admin_user)
    demand = t.submitted_demand(alice, at=at("2026-12-30"))
    # 31 Dec, 4, 5, 6, 7 January
    assert demand.reply_due == dt.date(2027, 1, 7)
    assert services.calendar_warnings_for(demand) == []


def test_the_demand_page_shows_the_calendar_warning(client, alice):
    demand = t.submitted_demand(alice, at=at("2026-12-30"))
    client.force_login(alice)
    html = client.get(f"/demands/{demand.pk}/").content.decode()
    assert "2027 年的法定节假日和调休尚未录入" in html


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        pytest.param(S.SUBMITTED, "2026-11-02", DeadlineState.OK, id="submitted-same-day"),
        pytest.param(S.SUBMITTED, "2026-11-03", DeadlineState.WARNING, id="submitted-due-day"),
        pytest.param(S.SUBMITTED, "2026-11-04", DeadlineState.OVERDUE, id="submitted-late"),
        pytest.param(S.ROUTED, "2026-11-05", DeadlineState.OK, id="routed-day-3"),
        pytest.param(S.ROUTED, "2026-11-06", DeadlineState.WARNING, id="routed-80-percent"),
        pytest.param(S.IN_PROGRESS, "2026-11-09", DeadlineState.WARNING, id="due-day"),
        pytest.param(S.IN_PROGRESS, "2026-11-10", DeadlineState.OVERDUE, id="overdue"),
        pytest.param(S.REPLIED, "2026-12-01", DeadlineState.STOPPED, id="replied-clock-stopped"),
        pytest.param(S.CLOSED, "2026-12-01", DeadlineState.STOPPED, id="closed"),
    ],
)
def test_traffic_light_and_its_sql_twin_agree(alice, status, today, expected):
    demand = t.submitted_demand(alice, at=at("2026-11-02"))  # Monday; accept 3 Nov, reply 9 Nov
    Demand.objects.filter(pk=demand.pk).update(status=status)
    demand.refresh_from_db()
    day = dt.date.fromisoformat(today)
    python = rules.deadline_state(
        status=demand.status,
        today=day,
        accept_due=demand.accept_due,
        reply_due=demand.reply_due,
        reply_warn_on=demand.reply_warn_on,
    )
    row = queries.with_deadline_state(Demand.objects.filter(pk=demand.pk), day).get()
    sql = row.deadline_state  # type: ignore[attr-defined]
    assert python == sql == expected


def test_deadline_counts_on_a_day(alice, org):
    t.submitted_demand(alice, at=at("2026-11-02"))  # overdue on 5 Nov (accept due 3 Nov)
    late = t.routed_demand(alice, org["partner"], at=at("2026-10-26"))  # reply due Mon 2 Nov
    t.routed_demand(alice, org["partner"], at=at("2026-10-28"))  # due 4 Nov → overdue
    t.routed_demand(alice, org["partner"], at=at("2026-10-30"))  # due 6 Nov → warning from 5 Nov
    t.routed_demand(alice, org["partner"], at=at("2026-11-04"))  # due 11 Nov → ok
    assert late.reply_due == dt.date(2026, 11, 2)
    assert queries.deadline_counts(Demand.objects.all(), dt.date(2026, 11, 5)) == {
        "ok": 1,
        "warning": 1,
        "overdue": 3,
    }


def test_escalation_by_time_reaches_the_section_head_then_the_bureau_leader_and_is_idempotent(
    alice, bob, leader, partner, org
):
    t.category("housing").__class__.objects.filter(code="housing").update(section=org["tech"])
    with time_machine.travel(at("2026-11-02", 9), tick=False):
        routed = t.routed_demand(alice, org["partner"])  # reply due Mon 9 Nov
        unaccepted = t.submitted_demand(alice)  # accept due Tue 3 Nov
        on_time = t.routed_demand(alice, org["partner"])
        services.reply_demand(on_time, reply="当天已答复企业。", actor=partner)
    with time_machine.travel(at("2026-11-04", 8), tick=False):
        assert services.escalate_overdue_demands() == {"level_1": 1, "level_2": 0, "checked": 1}
    unaccepted.refresh_from_db()
    assert unaccepted.escalation_level == EscalationLevel.SECTION_HEAD and unaccepted.escalated_to == bob
    with time_machine.travel(at("2026-11-10", 8), tick=False):
        # routed: 1 working day late → level 1; unaccepted: 5 working days late (> 3) → level 2
        assert services.escalate_overdue_demands() == {"level_1": 1, "level_2": 1, "checked": 2}
        assert services.escalate_overdue_demands() == {"level_1": 0, "level_2": 0, "checked": 1}
    routed.refresh_from_db()
    assert routed.escalation_level == 1
    with time_machine.travel(at("2026-11-13", 8), tick=False):  # routed: 4 working days late > 3
        counts = services.escalate_overdue_demands()
    assert counts == {"level_1": 0, "level_2": 1, "checked": 1}
    routed.refresh_from_db()
    assert routed.escalation_level == EscalationLevel.BUREAU_LEADER and routed.escalated_to == leader
    before = AuditEntry.objects.filter(action="demands.demand.escalated").count()
    with time_machine.travel(at("2026-11-13", 9), tick=False):
        call_command("escalate_demands")  # again: nothing changes, nothing is written
    assert AuditEntry.objects.filter(action="demands.demand.escalated").count() == before == 4
    on_time.refresh_from_db()
    assert on_time.escalation_level == 0
    assert routed.events.filter(kind="escalated").count() == 2


def test_reopening_clears_the_escalation_and_restarts_the_clock(alice, partner, enterprise_user, org):
    with time_machine.travel(at("2026-11-02", 9), tick=False):
        demand = t.routed_demand(alice, org["partner"])
    with time_machine.travel(at("2026-11-11", 9), tick=False):
        services.escalate_overdue_demands()
        services.reply_demand(demand, reply="逾期后答复的内容。", actor=partner)
        services.rate_demand(demand, rating=1, actor=enterprise_user)
    demand.refresh_from_db()
    assert demand.escalation_level == 0 and demand.status == S.IN_PROGRESS
    assert demand.clock_started_on == dt.date(2026, 11, 11) and demand.reply_due == dt.date(2026, 11, 18)


def test_escalate_command_prints_json(alice):
    with time_machine.travel(at("2026-11-02", 9), tick=False):
        t.submitted_demand(alice)
    from io import StringIO

    out = StringIO()
    call_command("escalate_demands", "--date", "2026-11-05", "--json", stdout=out)
    assert out.getvalue().strip() == '{"level_1": 1, "level_2": 0, "checked": 1}'


def test_the_escalation_task_is_enqueued_and_runs(alice, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from wutong.demands.tasks import escalate_demands

    with time_machine.travel(at("2026-11-02", 9), tick=False):
        t.submitted_demand(alice)
    with time_machine.travel(at("2026-11-05", 9), tick=False):
        result = escalate_demands.enqueue()
    assert result.return_value == {"level_1": 1, "level_2": 0, "checked": 1}
