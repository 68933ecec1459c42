"""Reads of 招商: the funnel and attribution per channel, time in stage, the plan's progress, the
chain map with its gaps, promise vs actual, and the facts the rules are fed with.

Every figure here is counted from records; the tests compute the answers by hand on a fixture.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from wutong.enterprises.choices import EnterpriseStatus, QualificationKind
from wutong.enterprises.models import AnnualReport, Enterprise, Lease, QualificationHolding
from wutong.enterprises.queries import code_prefix_filter
from wutong.investment import rules
from wutong.investment.choices import PIPELINE, ActivityKind, ChainPosition, Channel, PlanMetric, Stage
from wutong.investment.models import (
    Activity,
    Chain,
    ChainSegment,
    PlanTarget,
    Project,
    ProjectStageChange,
    Space,
    Target,
)

LANDED_INDEX = PIPELINE.index(Stage.LANDED)


def _stage_index_case(field: str) -> Case:
    return Case(
        *[When(**{field: stage}, then=Value(i)) for i, stage in enumerate(PIPELINE)],
        default=Value(-1),
        output_field=IntegerField(),
    )


def with_furthest_stage(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Annotate ``furthest``: the index on the pipeline a project reached (a lost project: the stage
    it was lost from). A project *reached* stage s when furthest ≥ index(s)."""
    return qs.annotate(
        furthest=Case(
            When(stage=Stage.LOST, then=_stage_index_case("lost_from_stage")),
            default=_stage_index_case("stage"),
            output_field=IntegerField(),
        )
    )


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def funnel(qs: QuerySet[Project]) -> list[dict[str, Any]]:
    """Per pipeline stage: how many projects reached it, and the share that went on to the next."""
    annotated = with_furthest_stage(qs)
    counts = annotated.aggregate(
        **{f"s{i}": Count("pk", filter=Q(furthest__gte=i)) for i in range(len(PIPELINE))},
        lost=Count("pk", filter=Q(stage=Stage.LOST)),
    )
    labels = dict(Stage.choices)
    rows = []
    for i, stage in enumerate(PIPELINE):
        reached = counts[f"s{i}"]
        following = counts[f"s{i + 1}"] if i + 1 < len(PIPELINE) else None
        rows.append(
            {
                "stage": stage,
                "label": labels[stage],
                "reached": reached,
                "next_rate": _rate(following, reached) if following is not None else None,
            }
        )
    return rows


def lost_by_stage(qs: QuerySet[Project]) -> dict[str, int]:
    return dict(qs.filter(stage=Stage.LOST).values_list("lost_from_stage").annotate(n=Count("pk")).order_by())


def valid_gaoxin_ids(enterprise_ids: list[int], on: dt.date) -> set[int]:
    """Enterprises among ``enterprise_ids`` holding a 国高 certificate valid on ``on``."""
    return set(
        QualificationHolding.objects.filter(enterprise_id__in=enterprise_ids, kind=QualificationKind.GAOXIN)
        .filter(Q(issued_on__isnull=True) | Q(issued_on__lte=on))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .values_list("enterprise_id", flat=True)
    )


def channel_attribution(qs: QuerySet[Project], *, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Per channel: projects, reached 洽谈 / 签约, landed, lost, conversion (landed ÷ projects), and
    landed projects whose enterprise holds a valid 国高 — with that channel's share of all landed 国高
    (the 2021 report's 第三方机构 30 家, 占引进国高总数的 60%)."""
    on = on or timezone.localdate()
    annotated = with_furthest_stage(qs)
    per_channel = {
        row["channel"]: row
        for row in annotated.values("channel")
        .annotate(
            projects=Count("pk"),
            negotiation=Count("pk", filter=Q(furthest__gte=PIPELINE.index(Stage.NEGOTIATION))),
            signed=Count("pk", filter=Q(furthest__gte=PIPELINE.index(Stage.SIGNED))),
            landed=Count("pk", filter=Q(furthest__gte=LANDED_INDEX)),
            lost=Count("pk", filter=Q(stage=Stage.LOST)),
        )
        .order_by()
    }
    landed = list(
        annotated.filter(furthest__gte=LANDED_INDEX, enterprise__isnull=False).values_list(  # type: ignore[misc]
            "channel", "enterprise_id"
        )
    )
    gaoxin = valid_gaoxin_ids([e for _c, e in landed], on)
    gaoxin_by_channel: dict[str, int] = defaultdict(int)
    for channel, enterprise_id in landed:
        if enterprise_id in gaoxin:
            gaoxin_by_channel[channel] += 1
    gaoxin_total = sum(gaoxin_by_channel.values())
    rows = []
    for value, label in Channel.choices:
        row = per_channel.get(value)
        if row is None:
            continue
        rows.append(
            {
                "channel": value,
                "label": label,
                "projects": row["projects"],
                "negotiation": row["negotiation"],
                "signed": row["signed"],
                "landed": row["landed"],
                "lost": row["lost"],
                "conversion": _rate(row["landed"], row["projects"]),
                "gaoxin": gaoxin_by_channel.get(value, 0),
                "gaoxin_share": _rate(gaoxin_by_channel.get(value, 0), gaoxin_total),
            }
        )
    rows.sort(key=lambda r: (-r["landed"], -r["projects"], r["channel"]))
    return rows


def time_in_stage(qs: QuerySet[Project]) -> list[dict[str, Any]]:
    """Average and longest days spent in each stage, over the stays that ended (a stay runs from the
    change into a stage to the project's next change); ``open`` counts projects in it now."""
    changes = (
        ProjectStageChange.objects.filter(project__in=qs.values("pk"))
        .order_by("project_id", "changed_at", "id")
        .values_list("project_id", "to_stage", "changed_at")
    )
    stays: dict[str, list[float]] = defaultdict(list)
    previous: tuple[int, str, dt.datetime] | None = None
    for project_id, stage, changed_at in changes:
        if previous is not None and previous[0] == project_id:
            stays[previous[1]].append((changed_at - previous[2]).total_seconds() / 86400)
        previous = (project_id, stage, changed_at)
    open_counts = dict(qs.values_list("stage").annotate(n=Count("pk")).order_by())
    labels = dict(Stage.choices)
    rows = []
    for stage in PIPELINE:
        days = stays.get(stage, [])
        rows.append(
            {
                "stage": stage,
                "label": labels[stage],
                "stays": len(days),
                "avg_days": round(sum(days) / len(days), 1) if days else None,
                "max_days": round(max(days), 1) if days else None,
                "open": open_counts.get(stage, 0),
            }
        )
    return rows


def funnel_chart(qs: QuerySet[Project], attribution: list[dict[str, Any]]) -> dict[str, Any]:
    """The data of the funnel page's ECharts (funnel + landed per channel)."""
    stages = funnel(qs)
    return {
        "funnel": [{"name": r["label"], "value": r["reached"]} for r in stages],
        "channels": [r["label"] for r in attribution],
        "projects": [r["projects"] for r in attribution],
        "landed": [r["landed"] for r in attribution],
        "gaoxin": [r["gaoxin"] for r in attribution],
    }


# --- The plan -----------------------------------------------------------------------------------


def plan_actuals(year: int) -> dict[str, int]:
    """Each plan metric counted from records of ``year``."""
    activities = Activity.objects.filter(date__year=year)
    kinds = dict(activities.values_list("kind").annotate(n=Count("pk")).order_by())
    return {
        PlanMetric.OUTBOUND_EVENTS: kinds.get(ActivityKind.OUTBOUND, 0),
        PlanMetric.DOOR_VISITS: kinds.get(ActivityKind.VISIT, 0),
        PlanMetric.KEY_ENTERPRISES: Target.objects.filter(activities__date__year=year).distinct().count(),
        PlanMetric.SIGNED_PROJECTS: Project.objects.filter(signed_on__year=year).count(),
        PlanMetric.LANDED_PROJECTS: Project.objects.filter(
            landed_on__year=year, enterprise__isnull=False
        ).count(),
    }


def plan_progress(year: int) -> list[dict[str, Any]]:
    """The year's plan figures against what was done: target, actual, percent (bar width ≤ 100), gap."""
    actuals = plan_actuals(year)
    targets = {p.metric: p for p in PlanTarget.objects.filter(year=year)}
    rows = []
    for metric, label in PlanMetric.choices:
        plan = targets.get(metric)
        actual = actuals[metric]
        target = plan.target if plan else None
        percent = round(100 * actual / target, 1) if target else None
        rows.append(
            {
                "metric": metric,
                "label": label,
                "target": target,
                "actual": actual,
                "percent": percent,
                "bar": min(100, int(percent)) if percent is not None else 0,
                "gap": max(target - actual, 0) if target is not None else None,
                "plan": plan,
            }
        )
    return rows


# --- Chains -------------------------------------------------------------------------------------


THIN_BELOW = 3


def segment_facts() -> list[rules.SegmentFacts]:
    return [
        rules.SegmentFacts(s.pk, str(s), tuple(s.codes), tuple(s.keyword_list))
        for s in ChainSegment.objects.select_related("chain")
    ]


def space_facts(on: dt.date | None = None) -> list[rules.SpaceFacts]:
    on = on or timezone.localdate()
    qs = Space.objects.filter(is_available=True).select_related("park")
    return [
        rules.SpaceFacts(s.pk, str(s), s.area, s.use, s.rent, s.park.focus_industry)
        for s in qs
        if s.available_from is None or s.available_from <= on + dt.timedelta(days=365)
    ]


def segment_enterprises(segment: ChainSegment) -> QuerySet[Enterprise]:
    """The district's active enterprises in a segment (by its industry codes)."""
    codes = segment.codes
    if not codes:
        return Enterprise.objects.none()
    condition = Q()
    for code in codes:
        condition |= code_prefix_filter("industry__code", code)
    return Enterprise.objects.filter(condition, status=EnterpriseStatus.ACTIVE)


def segment_targets(segment: ChainSegment) -> QuerySet[Target]:
    condition = Q(segment=segment)
    for code in segment.codes:
        condition |= Q(industry__code__startswith=code)
    return Target.objects.filter(condition)


def chain_map(chains: QuerySet[Chain] | None = None) -> list[dict[str, Any]]:
    """Chains → segments with their local enterprises and targets; a segment with no local enterprise
    is a *gap* (空白), fewer than :data:`THIN_BELOW` is *thin* (薄弱): both become target searches."""
    chains = chains if chains is not None else Chain.objects.all()
    positions = dict(ChainPosition.choices)
    out = []
    for chain in chains.prefetch_related("segments"):
        segments = []
        order = {p: i for i, p in enumerate(ChainPosition.values)}
        ordered = sorted(chain.segments.all(), key=lambda s: (order[s.position], s.order, s.name))  # type: ignore[misc]
        for segment in ordered:
            local = segment_enterprises(segment).count()
            targets = segment_targets(segment).count()
            status = "gap" if local == 0 else "thin" if local < THIN_BELOW else "ok"
            segments.append(
                {
                    "segment": segment,
                    "position": segment.position,
                    "position_label": positions[segment.position],
                    "local": local,
                    "targets": targets,
                    "status": status,
                    "codes": segment.codes,
                }
            )
        out.append({"chain": chain, "segments": segments})
    return out


def chain_tree(chain_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ECharts tree data: chain → position → segment (with local/target counts and status)."""
    trees = []
    for row in chain_rows:
        by_position: dict[str, list[dict[str, Any]]] = defaultdict(list)
        labels: dict[str, str] = {}
        for seg in row["segments"]:
            labels[seg["position"]] = seg["position_label"]
            by_position[seg["position"]].append(
                {
                    "name": f"{seg['segment'].name}（区内{seg['local']}·目标{seg['targets']}）",
                    "value": seg["local"],
                    "status": seg["status"],
                }
            )
        trees.append(
            {
                "name": row["chain"].name,
                "children": [
                    {"name": labels[p], "children": by_position[p]}
                    for p in ChainPosition.values
                    if p in by_position
                ],
            }
        )
    return trees


# --- Promise vs actual --------------------------------------------------------------------------


def promise_vs_actual(project: Project) -> dict[str, Any]:
    """A landed project's signed promises against the linked enterprise's latest annual report."""
    if project.enterprise_id is None:
        return {"year": None, "rows": [], "flagged": 0}
    report = AnnualReport.objects.filter(enterprise_id=project.enterprise_id).order_by("-year").first()
    enterprise = project.enterprise
    assert enterprise is not None
    promised = {
        "registered_capital": project.registered_capital,
        "paid_in_capital": project.paid_in_capital,
        "investment_amount": project.investment_amount,
        "revenue": project.expected_revenue,
        "tax": project.expected_tax,
        "headcount": project.expected_headcount,
    }
    revenue = None
    if report is not None:
        revenue = (
            report.operating_revenue if report.operating_revenue is not None else report.main_business_revenue
        )
    actual = {
        "registered_capital": enterprise.registered_capital,
        "paid_in_capital": None,  # the registry holds registered, not paid-in, capital
        "investment_amount": None,  # the registry does not hold it
        "revenue": revenue,
        "tax": report.tax_paid if report else None,
        "headcount": report.employees if report else None,
    }
    first_lease = (
        Lease.objects.filter(enterprise_id=project.enterprise_id, start_on__isnull=False)
        .order_by("start_on")
        .values_list("start_on", flat=True)
        .first()
    )
    rows = rules.compare_promises(
        promised, actual, move_in_promised=project.move_in_on, move_in_actual=first_lease
    )
    return {
        "year": report.year if report else None,
        "rows": rows,
        "flagged": sum(1 for r in rows if r.flagged),
    }


def promise_overview(qs: QuerySet[Project]) -> list[dict[str, Any]]:
    """Every landed project with its flagged deviations (the 承诺兑现 list)."""
    out = []
    for project in with_furthest_stage(qs).filter(enterprise__isnull=False).select_related("enterprise"):
        result = promise_vs_actual(project)
        out.append({"project": project, **result})
    return out


def project_space_matches(project: Project) -> list[rules.SpaceMatch]:
    return rules.match_spaces(project.space_area, project.space_use, space_facts())


# --- Dashboard ----------------------------------------------------------------------------------


def dashboard_numbers(year: int) -> dict[str, Any]:
    pipeline = Project.objects.filter(
        stage__in=[Stage.LEAD, Stage.CONTACT, Stage.NEGOTIATION, Stage.SIGNED]
    ).count()
    landed = Project.objects.filter(landed_on__year=year, enterprise__isnull=False).count()
    progress = {row["metric"]: row for row in plan_progress(year)}
    return {"pipeline": pipeline, "landed": landed, "outbound": progress[PlanMetric.OUTBOUND_EVENTS]}


def money_wan(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value / 10_000).quantize(Decimal("0.01"))
