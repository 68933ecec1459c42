"""Registry screening: set-based results equal single assessments, reruns are idempotent, the named
lists filter what they say, and the task reports progress."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wutong.enterprises.models import AnnualReport, Enterprise, QualificationHolding
from wutong.qualifications import frames, screening
from wutong.qualifications.choices import CriterionStatus, ScreeningStatus, Verdict
from wutong.qualifications.filters import apply_preset
from wutong.qualifications.models import ScreeningResult, ScreeningRun
from wutong.qualifications.profiles import normalize_profile, profile_from_enterprise
from wutong.qualifications.rules import assess, version_in_force
from wutong.qualifications.services import _version_row, record_expert_estimate, start_screening
from wutong.qualifications.synthetic import generate_registry
from wutong.qualifications.tasks import run_screening

pytestmark = pytest.mark.django_db
D = dt.date(2026, 6, 1)


@pytest.fixture
def registry(db):  # type: ignore[no-untyped-def]
    return generate_registry(600, seed=7)


def _run(actor=None, code: str = "gaoxin", chunk: int = 250) -> ScreeningRun:  # type: ignore[no-untyped-def]
    run = ScreeningRun.objects.create(rule_version=_version_row(version_in_force(code, D)), on_date=D)
    return screening.execute_run(run, chunk=chunk)


def test_the_generated_registry_has_every_gaoxin_verdict_and_three_reports_per_firm(registry):
    run = _run()
    assert run.total == 600 and run.processed == 600 and run.status == ScreeningStatus.DONE
    assert AnnualReport.objects.count() > 1600
    verdicts = set(ScreeningResult.objects.values_list("verdict", flat=True))
    # the registry never holds the incident record, so a firm that meets everything else is
    # insufficient_data (as a single assessment says), and a prospect when its score can reach 71
    assert {Verdict.INELIGIBLE, Verdict.INSUFFICIENT_DATA} == verdicts
    assert ScreeningResult.objects.filter(prospect=True).exists()
    assert ScreeningResult.objects.filter(prospect=True, verdict=Verdict.INELIGIBLE).count() == 0
    assert sum(run.counts.values()) == 600


def test_screening_results_equal_single_assessments_on_a_random_sample(registry, alice):
    first, last = registry
    sample = random.Random(11).sample(range(first, last + 1), 60)
    # an expert estimate on one sampled firm must be applied by both paths
    record_expert_estimate(
        rule_code="gaoxin", item_id="rd_management", min_points=12, max_points=15, actor=alice,
        enterprise=Enterprise.objects.get(pk=sample[0]),
    )  # fmt: skip
    _run()
    from wutong.qualifications.services import current_estimates

    for pk in sample:
        firm = Enterprise.objects.get(pk=pk)
        outcome = assess(
            normalize_profile(profile_from_enterprise(firm, D)),
            "gaoxin",
            D,
            estimates=current_estimates(firm, "gaoxin"),
        )
        row = ScreeningResult.objects.get(enterprise=firm)
        failing = ",".join(sorted(c.id for c in outcome.criteria if c.status == CriterionStatus.FAIL))
        rd = next(c for c in outcome.criteria if c.id == "rd_expense_ratio")
        assert (row.verdict, row.failing) == (outcome.verdict, failing), pk
        assert outcome.score is not None and row.score_min is not None and row.score_max is not None
        assert (float(row.score_min), float(row.score_max)) == (
            round(outcome.score.min, 2),
            round(outcome.score.max, 2),
        ), pk
        missing = {c.id for c in outcome.criteria if c.status == CriterionStatus.NEEDS_DATA}
        assert row.needs_data == bool(missing - {"no_major_incident"}), pk
        assert row.prospect == screening.is_prospect(outcome)
        expected_gap = Decimal(str(rd.gap)) if rd.status == CriterionStatus.FAIL else None
        assert row.rd_gap == expected_gap, pk
    # the estimate narrowed rd_management from [0, 20] to [12, 15] in the stored score range too
    narrowed = ScreeningResult.objects.get(enterprise_id=sample[0])
    plain = assess(
        normalize_profile(profile_from_enterprise(Enterprise.objects.get(pk=sample[0]), D)), "gaoxin", D
    )
    assert plain.score is not None and narrowed.score_max is not None and narrowed.score_min is not None
    width = float(narrowed.score_max - narrowed.score_min)
    assert (plain.score.max - plain.score.min) - width == pytest.approx(17)  # [0, 20] → [12, 15]


def test_the_fast_normalisation_equals_normalize_profile_for_every_registry_profile(registry):
    first, last = registry
    for profile in screening.profiles_for_chunk(first, last, D).values():
        assert screening.registry_normalized(profile) == normalize_profile(profile)


def test_the_row_engine_reads_only_the_firms_it_is_asked_for(registry):
    """Firms with an expert estimate go through the row engine; it must not read the whole chunk."""
    first, last = registry
    everyone = screening.profiles_for_chunk(first, last, D)
    with CaptureQueriesContext(connection) as queries:
        some = screening.profiles_for_chunk(first, last, D, only={first + 3, first + 7})
    assert some == {pk: everyone[pk] for pk in (first + 3, first + 7)}
    assert len(queries) == 3


def test_a_chunk_is_read_with_three_queries_whatever_its_size(registry):
    first, last = registry
    with CaptureQueriesContext(connection) as small:
        screening.profiles_for_chunk(first, first + 9, D)
    with CaptureQueriesContext(connection) as large:
        screening.profiles_for_chunk(first, last, D)
    assert len(small) == len(large) == 3


def test_rerunning_a_screening_rewrites_the_same_rows(registry):
    _run(chunk=100)
    before = list(
        ScreeningResult.objects.order_by("enterprise_id").values_list("enterprise_id", "verdict", "failing")
    )
    second = _run(chunk=333)
    after = list(
        ScreeningResult.objects.order_by("enterprise_id").values_list("enterprise_id", "verdict", "failing")
    )
    assert before == after
    assert ScreeningResult.objects.count() == 600
    assert set(ScreeningResult.objects.values_list("run_id", flat=True)) == {second.pk}


def test_a_changed_figure_is_picked_up_by_the_next_run(registry):
    first, _last = registry
    _run()
    row = ScreeningResult.objects.get(enterprise_id=first)
    AnnualReport.objects.filter(enterprise_id=first).update(rd_expense=None)
    _run()
    row.refresh_from_db()
    assert row.needs_data is True
    assert "rd_expense_ratio" not in row.failing.split(",") and row.rd_gap is None


def test_the_named_lists_filter_what_they_say(registry):
    _run()
    qs = ScreeningResult.objects.all()
    likely = apply_preset(qs, "likely_not_holding", 2026)
    assert likely.exists()
    assert all(r.prospect and not r.holds and r.failing == "" for r in likely)
    assert all((r.score_max or 0) >= 71 for r in likely)
    rd_only = apply_preset(qs, "rd_only", 2026)
    assert rd_only.exists() and set(rd_only.values_list("failing", flat=True)) == {"rd_expense_ratio"}
    assert all(r.rd_gap and r.rd_gap > 0 for r in rd_only)
    expiring = apply_preset(qs, "expiring", 2026)
    expected = (
        QualificationHolding.objects.filter(kind="gaoxin", expires_on__year=2026, issued_on__lte=D)
        .values("enterprise_id")
        .distinct()
        .count()
    )
    assert expiring.count() == expected > 0
    assert apply_preset(qs, "needs_data", 2026).count() == qs.filter(needs_data=True).count() > 0


def test_holding_and_expiry_come_from_the_holdings_valid_on_the_date(db):
    first, _ = generate_registry(1, seed=1)
    QualificationHolding.objects.filter(enterprise_id=first).delete()
    QualificationHolding.objects.create(
        enterprise_id=first, kind="gaoxin", issued_on=dt.date(2023, 11, 1), expires_on=dt.date(2026, 10, 31)
    )
    _run()
    row = ScreeningResult.objects.get(enterprise_id=first)
    assert (row.holds, row.holding_expires_on) == (True, dt.date(2026, 10, 31))


def test_starting_a_screening_queues_the_task_and_the_task_is_safe_to_run_twice(
    registry, alice, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["screening"]}
    }
    with django_capture_on_commit_callbacks(execute=True):
        run = start_screening(rule_code="gaoxin", on_date=D, actor=alice)
    run.refresh_from_db()
    assert (run.status, run.processed, run.percent) == (ScreeningStatus.DONE, 600, 100)
    result = run_screening.call(run.pk)
    assert result["processed"] == 600
    assert ScreeningResult.objects.count() == 600


def test_an_enterprise_user_may_not_start_a_screening(enterprise_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        start_screening(rule_code="gaoxin", on_date=D, actor=enterprise_user)


def test_the_screen_command_screens_the_registry_and_prints_the_counts(registry):
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command("screen", "-q", "gaoxin", "--date", "2026-06-01", "--chunk", "200", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["processed"] == 600 == sum(printed["counts"].values())
    stored = Counter(ScreeningResult.objects.values_list("verdict", flat=True))
    assert printed["counts"] == dict(stored)


def _edge_enterprises() -> list[int]:
    """Registry rows at the edges of every criterion: no reports and no founding date, zero and
    negative bases, a missing middle year, no employees, IP of every status/acquisition/class, holdings
    expired, open-ended and issued after the date, an amount beyond exact doubles, ratios exactly on
    the thresholds."""
    from wutong.enterprises.models import IPAsset

    made = []

    def firm(n: int, established: dt.date | None = dt.date(2015, 3, 1)) -> Enterprise:
        return Enterprise.objects.create(
            uscc=f"91440303EDGE{n:05d}X"[:18], name=f"边界企业{n}", established=established
        )

    def report(e: Enterprise, year: int, **figures: object) -> None:
        base = {"sales_revenue": Decimal("10000000.00"), "total_income": Decimal("10500000.00"),
                "high_tech_revenue": Decimal("7000000.00"), "rd_expense": Decimal("500000.00"),
                "rd_expense_domestic": Decimal("450000.00"), "net_assets": Decimal("3000000.00"),
                "employees": 100, "tech_staff": 10}  # fmt: skip
        AnnualReport.objects.create(enterprise=e, year=year, **{**base, **figures})

    e = firm(1, established=None)  # nothing on record
    made.append(e.pk)
    e = firm(2)  # zero sales every year: ratios need review, growth b = 0
    for year in (2023, 2024, 2025):
        report(e, year, sales_revenue=Decimal("0.00"), total_income=Decimal("0.00"))
    IPAsset.objects.create(
        enterprise=e, kind="invention_patent", number="E2-1", status="valid", acquisition="gift"
    )
    made.append(e.pk)
    e = firm(3)  # negative first-year net assets, 5% R&D exactly, 10% staff exactly
    report(e, 2023, net_assets=Decimal("-5.00"))
    report(e, 2024)
    report(e, 2025)
    IPAsset.objects.create(enterprise=e, kind="software_copyright", number="E3-1", status="valid",
                           acquisition="transfer", used_for_gaoxin=True)  # fmt: skip
    IPAsset.objects.create(enterprise=e, kind="utility_model", number="E3-2", status="invalid")
    IPAsset.objects.create(enterprise=e, kind="trademark", number="E3-3", status="valid")
    IPAsset.objects.create(
        enterprise=e, kind="invention_patent", number="E3-4", status="valid", granted_on=dt.date(2026, 7, 1)
    )
    QualificationHolding.objects.create(
        enterprise=e, kind="gaoxin", issued_on=dt.date(2020, 1, 1), expires_on=dt.date(2022, 12, 31)
    )
    QualificationHolding.objects.create(enterprise=e, kind="gaoxin", issued_on=dt.date(2025, 1, 1))
    QualificationHolding.objects.create(
        enterprise=e, kind="gaoxin", issued_on=dt.date(2026, 9, 1), expires_on=dt.date(2029, 8, 31)
    )
    made.append(e.pk)
    e = firm(4)  # Y−2 missing (growth cannot chain), no employees last year
    report(e, 2023)
    report(e, 2025, employees=0, tech_staff=0)
    made.append(e.pk)
    e = firm(5, established=dt.date(2025, 12, 1))  # young, one year; an amount beyond exact doubles
    report(e, 2025, sales_revenue=Decimal("95000000000000.07"), rd_expense=Decimal("1.01"))
    IPAsset.objects.create(enterprise=e, kind="design_patent", number="E5-1", status="pending")
    made.append(e.pk)
    for n, issued, expires in (
        (7, dt.date(2023, 6, 2), None),  # open-ended 国高: valid until 2026-06-02 (科小 第八条 route)
        (8, dt.date(2023, 6, 1), None),  # open-ended, three years ended on the day
        (9, dt.date(2024, 2, 29), dt.date(2026, 6, 1)),  # expires on the day itself
        (10, None, None),  # no issue date: no route
    ):
        e = firm(n)
        report(e, 2025, employees=80, tech_staff=30, sales_revenue=Decimal("30000000.00"))
        QualificationHolding.objects.create(enterprise=e, kind="gaoxin", issued_on=issued, expires_on=expires)
        made.append(e.pk)
    e = firm(6)  # just under 5% (gap of a cent), 9 staff of 100
    for year in (2023, 2024, 2025):
        report(e, year, rd_expense=Decimal("499999.99"), tech_staff=9)
    IPAsset.objects.create(enterprise=e, kind="invention_patent", number="E6-1", status="valid")
    made.append(e.pk)
    return made


@pytest.mark.parametrize("code", ["gaoxin", "kexiao"])
def test_every_stored_field_equals_the_single_assessment_for_every_enterprise(registry, code):
    """The strong form of the sample test: all 600 generated firms plus the edge rows, every stored
    field, against ``assess`` on the profile ``profile_from_enterprise`` builds (on both backends)."""
    edges = _edge_enterprises()
    run = _run(code=code, chunk=170)
    version_row = run.rule_version
    stored = {r.enterprise_id: r for r in ScreeningResult.objects.all()}
    assert set(edges) <= set(stored) and len(stored) == 600 + len(edges)
    fields = ["verdict", "score_min", "score_max", "failing", "needs_data", "prospect", "rd_gap",
              "tech_staff_gap", "holds", "holding_expires_on"]  # fmt: skip
    for firm in Enterprise.objects.prefetch_related("annual_reports", "ip_assets", "qualifications"):
        profile = profile_from_enterprise(firm, D)
        outcome = assess(normalize_profile(profile), code, D)
        expected = screening.result_row(firm.pk, outcome, profile, version_row, None)
        got = stored[firm.pk]
        assert [getattr(got, f) for f in fields] == [getattr(expected, f) for f in fields], firm.pk
    if code == "gaoxin":
        assert stored[edges[2]].holds and stored[edges[2]].holding_expires_on == dt.date(2022, 12, 31)
        assert stored[edges[-1]].rd_gap == Decimal("0.01") and stored[edges[-1]].tech_staff_gap == 1


def test_the_gaoxin_route_of_kexiao_reads_validity_from_issue_and_expiry(db):
    """第八条 route 1 from the registry: an open-ended 国高 issued 2023-06-02 is still valid on
    2026-06-01, one issued 2023-06-01 is not; one expiring on the day is not; one without an issue date
    never counts."""
    from wutong.qualifications.rules import get_ruleset

    edges = _edge_enterprises()
    kexiao = get_ruleset("kexiao")
    version = version_in_force("kexiao", D)
    frame = frames.read_frame(kexiao, version, "kexiao", D, min(edges), max(edges))
    assert kexiao.derive_columns is not None
    cols = kexiao.derive_columns(frame, D, version.thresholds)
    route = dict(zip(frame["id"].astype(int).tolist(), cols["route_gaoxin"].tolist(), strict=True))
    assert [route[pk] for pk in edges[5:9]] == [1.0, 0.0, 0.0, 0.0]
    assert route[edges[2]] == 1.0  # the open-ended 2025 certificate


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the binary COPY frame is PostgreSQL's")
def test_the_binary_copy_frame_equals_the_orm_frame(registry):
    from wutong.qualifications.rules import get_ruleset

    edges = _edge_enterprises()
    first, _ = registry
    for code in ("gaoxin", "kexiao"):
        ruleset = get_ruleset(code)
        copied = frames.copy_frame(ruleset, code, D, first, max(edges))
        read = frames.orm_frame(ruleset, code, D, first, max(edges))
        assert set(copied) == set(read) and copied.n == read.n == 600 + len(edges)
        for name in read:
            assert np.array_equal(copied[name], read[name], equal_nan=True), (code, name)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel chunks run on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_parallel_chunks_store_what_one_connection_stores():
    """Outside a transaction PostgreSQL screens chunks on several connections at once; the stored rows
    are the same as one connection's, the progress adds up and the worker connections are closed."""
    generate_registry(300, seed=5)
    assert screening.default_workers() >= 1
    fields = ("enterprise_id", "verdict", "failing", "score_min", "score_max", "needs_data", "prospect",
              "rd_gap", "tech_staff_gap", "holds", "holding_expires_on")  # fmt: skip
    version_row = _version_row(version_in_force("gaoxin", D))

    def backends() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return int(cursor.fetchone()[0])

    serial = screening.execute_run(
        ScreeningRun.objects.create(rule_version=version_row, on_date=D), chunk=41, workers=1
    )
    one = list(ScreeningResult.objects.order_by("enterprise_id").values_list(*fields))
    before = backends()
    parallel = screening.execute_run(
        ScreeningRun.objects.create(rule_version=version_row, on_date=D), chunk=41, workers=3
    )
    assert list(ScreeningResult.objects.order_by("enterprise_id").values_list(*fields)) == one
    assert (parallel.processed, parallel.counts) == (300, serial.counts)
    assert set(ScreeningResult.objects.values_list("run_id", flat=True)) == {parallel.pk}
    for _ in range(100):  # a closed connection's backend leaves pg_stat_activity a moment later
        if backends() <= before:
            break
        time.sleep(0.02)
    assert backends() <= before  # the worker threads closed their connections


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel chunks run on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_an_error_in_a_parallel_chunk_fails_the_run(monkeypatch):
    generate_registry(50, seed=5)
    version_row = _version_row(version_in_force("gaoxin", D))
    real = screening.screen_range

    def broken(version_row, on_date, lo, hi, *, run=None):  # type: ignore[no-untyped-def]
        if lo > 20:
            raise RuntimeError("chunk lost")
        return real(version_row, on_date, lo, hi, run=run)

    monkeypatch.setattr(screening, "screen_range", broken)
    run = ScreeningRun.objects.create(rule_version=version_row, on_date=D)
    with pytest.raises(RuntimeError, match="chunk lost"):
        screening.execute_run(run, chunk=10, workers=2)
    run.refresh_from_db()
    assert run.status == ScreeningStatus.FAILED and "chunk lost" in run.error
