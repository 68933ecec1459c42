"""The demands demo builder: a year of demands whose states, clocks, assignments, timeline and
escalation agree with the services' rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from wutong.core.demo import DemoContext, build_demo
from wutong.demands import rules, services
from wutong.demands.choices import AssignmentRole, AssignmentStatus, DemandStatus
from wutong.demands.models import Demand, DemandAssignment, DemandCategory

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 24)
S = DemandStatus


@pytest.fixture
def demo(db):  # type: ignore[no-untyped-def]
    ctx = DemoContext(seed=7, enterprises=600, as_of=AS_OF, chunk_size=300, verbosity=0)
    return build_demo(ctx)


def test_demo_makes_one_demand_per_twenty_firms_plus_three_per_enterprise_login(demo):
    assert Demand.objects.count() == 30 + 5 * 3
    assert Demand.objects.filter(submitted_at__date__lt=AS_OF - dt.timedelta(days=366)).count() == 0
    assert len(set(Demand.objects.values_list("number", flat=True))) == 45
    assert DemandCategory.objects.filter(default_department__isnull=True).count() == 0  # routing set


def test_demo_demands_are_consistent_with_the_rules(demo):
    statuses: Counter[str] = Counter()
    for d in Demand.objects.select_related("category").prefetch_related("assignments", "events"):
        statuses[d.status] += 1
        day = d.submitted_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        assert d.accept_due == rules.clock(day, d.category.accept_days).due
        if d.reopen_count == 0:
            assert d.reply_due == rules.clock(day, d.category.reply_days).due
        if d.status == S.CLOSED:
            assert d.closed_at is not None and d.reply
        if d.status == S.REPLIED:
            assert d.replied_at is not None and d.reply and d.rating is None
        if d.status == S.REJECTED:
            assert d.rejection_reason
        if d.rating is not None:
            assert 1 <= d.rating <= 5
        active_leads = [
            a
            for a in d.assignments.all()
            if a.role == AssignmentRole.LEAD and a.status == AssignmentStatus.ACTIVE
        ]
        if d.status in (S.ROUTED, S.IN_PROGRESS, S.REPLIED):
            assert len(active_leads) == 1 and active_leads[0].department_id == d.lead_department_id
        if d.status in (S.CLOSED, S.REJECTED):
            assert active_leads == []
        events = sorted(d.events.all(), key=lambda e: (e.created_at, e.id))
        assert events[0].kind == "submitted"
        changes = [e for e in events if e.from_status != e.to_status]
        assert changes[-1].to_status == d.status
    assert statuses[S.CLOSED] > statuses[S.REPLIED]


def test_demo_escalation_is_what_the_daily_job_would_have_done(demo):
    # running the job on the as-of day finds nothing more to escalate
    counts = services.escalate_overdue_demands(today=AS_OF)
    assert counts["level_1"] == counts["level_2"] == 0


def test_demo_can_be_rebuilt_with_reset(demo):
    ctx = DemoContext(seed=7, enterprises=600, as_of=AS_OF, chunk_size=300, verbosity=0)
    build_demo(ctx, reset=True)
    assert Demand.objects.count() == 45
    assert DemandAssignment.objects.filter(demand__isnull=True).count() == 0
