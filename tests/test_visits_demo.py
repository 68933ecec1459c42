"""The demo 走访 ledger: the seeds' three lists, 挂点 by the demo district leaders, a year of visits
with some planned, some cancelled and some members overdue; deterministic per seed; reset cleans up."""

from __future__ import annotations

import datetime as dt

import pytest

from wutong.accounts.choices import Role
from wutong.core.demo import DemoContext, build_demo
from wutong.visits import queries
from wutong.visits.choices import VisitStatus
from wutong.visits.models import KeyList, KeyListMember, LeaderAssignment, Visit

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 24)


def build(n: int, seed: int = 7, **kwargs: object) -> DemoContext:
    ctx = DemoContext(seed=seed, enterprises=n, as_of=AS_OF, chunk_size=500, verbosity=0)
    return build_demo(ctx, **kwargs)  # type: ignore[arg-type]


def ledger() -> list[tuple[object, ...]]:
    return list(
        Visit.objects.order_by("visit_date", "enterprise__uscc", "pk").values_list(
            "enterprise__uscc", "visit_date", "status", "visit_type", "organising_unit__name", "purpose"
        )
    )


def test_the_demo_builds_the_three_lists_leaders_and_a_year_of_visits(db):
    build(2_000)
    sizes = {kl.name: KeyListMember.objects.filter(key_list=kl).count() for kl in KeyList.objects.all()}
    # the seeds' 149 / 30 / 360 scaled to 2,000 enterprises
    assert sizes == {"重点企业名单": 15, "区领导挂点企业": 5, "重点科技企业": 36}
    assignments = LeaderAssignment.objects.select_related("leader")
    assert assignments.count() == 5 and {a.leader.role for a in assignments} == {Role.DISTRICT_LEADER}
    visits = Visit.objects.all()
    total = visits.count()
    assert 150 <= total <= 170  # 1,500 per 20,000 firms, plus the month's plans
    planned = visits.filter(status=VisitStatus.PLANNED)
    assert planned.count() >= 5 and not planned.filter(visit_date__lte=AS_OF).exists()
    assert visits.filter(status=VisitStatus.CANCELLED).exists()
    assert not visits.filter(status=VisitStatus.DONE, visit_date__gt=AS_OF).exists()
    assert visits.filter(visit_date__lt=AS_OF - dt.timedelta(days=366)).count() == 0
    assert not Visit.visitors.through.objects.values("visit_id").distinct().count() < total
    key_list = KeyList.objects.get(name="重点企业名单")
    stats = queries.coverage_stats(key_list, today=AS_OF)
    assert 0 < stats["total"]["overdue"] < stats["total"]["members"]


def test_the_same_seed_gives_the_same_ledger_and_reset_rebuilds_it(db):
    build(400)
    first = ledger()
    build(400, reset=True)
    assert ledger() == first and len(first) > 0
