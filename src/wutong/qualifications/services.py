"""Use cases that write: publish rule versions, store an assessment, record an expert's estimate; start a
screening; create cultivation pools, add members, move their stages, assign owners and agencies, record
coaching, open application batches."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wutong.accounts.choices import OrgUnitKind, Role
from wutong.accounts.roles import EDITOR_ROLES, role_of
from wutong.accounts.services import require
from wutong.core import audit
from wutong.core.exceptions import DomainError
from wutong.qualifications.choices import PoolStage
from wutong.qualifications.models import (
    ApplicationBatch,
    Assessment,
    CoachingRecord,
    CultivationPool,
    ExpertEstimate,
    PoolMember,
    PoolMemberStageChange,
    RuleSetVersion,
    ScreeningRun,
)
from wutong.qualifications.profiles import normalize_profile, profile_from_enterprise
from wutong.qualifications.rules import (
    RuleNotFound,
    RuleVersion,
    all_versions,
    assess,
    get_ruleset,
    stage_move,
    version_in_force,
)


def sync_rule_set_versions(apps: Any = None) -> dict[str, int]:
    """Create or refresh one :class:`RuleSetVersion` row per published version file. Idempotent; called
    by the data migration (with its historical model) and after a release adds a version."""
    model = apps.get_model("qualifications", "RuleSetVersion") if apps is not None else RuleSetVersion
    created = updated = 0
    for version in all_versions():
        data = version.as_json()
        defaults = {key: data[key] for key in ("name", "source_documents", "thresholds", "flags", "notes")}
        defaults["effective_from"] = version.effective_from
        defaults["effective_to"] = version.effective_to
        _row, was_created = model.objects.update_or_create(
            code=version.code, version=version.version, defaults=defaults
        )
        created += was_created
        updated += not was_created
    return {"created": created, "updated": updated}


def _version_row(version: RuleVersion) -> RuleSetVersion:
    row = RuleSetVersion.objects.filter(code=version.code, version=version.version).first()
    if row is None:
        sync_rule_set_versions()
        row = RuleSetVersion.objects.get(code=version.code, version=version.version)
    return row


def current_estimates(enterprise: Any, rule_code: str) -> dict[str, tuple[float, float]]:
    """The latest estimate per expert-judged item for this enterprise and rule set."""
    estimates: dict[str, tuple[float, float]] = {}
    rows = ExpertEstimate.objects.filter(rule_code=rule_code).filter(
        enterprise=enterprise
    ) | ExpertEstimate.objects.filter(rule_code=rule_code, assessment__enterprise=enterprise)
    for row in rows.order_by("created_at", "id"):
        estimates[row.item_id] = (float(row.min_points), float(row.max_points))
    return estimates


def assess_enterprise(enterprise: Any, *, rule_code: str, on_date: dt.date, actor: Any) -> Assessment:
    """Assess a registry enterprise for one qualification as of ``on_date`` and keep the result.

    Reads the registry through :func:`profile_from_enterprise`, applies the latest expert estimates and
    stores the inputs and every criterion's result with the rule version in force on the date.
    """
    try:
        version = version_in_force(rule_code, on_date)
        get_ruleset(rule_code)
    except RuleNotFound as exc:
        raise DomainError(str(exc), code="no_rule")
    profile_json = profile_from_enterprise(enterprise, on_date)
    outcome = assess(
        normalize_profile(profile_json),
        rule_code,
        on_date,
        estimates=current_estimates(enterprise, rule_code),
    )
    results = outcome.as_json()
    with transaction.atomic():
        assessment = Assessment.objects.create(
            enterprise=enterprise,
            rule_version=_version_row(version),
            assessed_on=on_date,
            verdict=outcome.verdict,
            score_min=Decimal(str(outcome.score.min)) if outcome.score else None,
            score_max=Decimal(str(outcome.score.max)) if outcome.score else None,
            inputs={"profile": profile_json, "derived": _jsonable(outcome.inputs)},
            results=results,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            "qualifications.assessment.created",
            actor=actor,
            target=assessment,
            data={
                "enterprise": enterprise.pk,
                "rule": f"{rule_code} {version.version}",
                "assessed_on": on_date,
                "verdict": outcome.verdict,
                "score": [results["score"]["min"], results["score"]["max"]] if results["score"] else None,
            },
        )
    return assessment


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def record_expert_estimate(
    *,
    rule_code: str,
    item_id: str,
    min_points: float | Decimal,
    max_points: float | Decimal,
    actor: Any,
    assessment: Assessment | None = None,
    enterprise: Any = None,
    note: str = "",
) -> ExpertEstimate:
    """Record an estimate that narrows one expert-judged score item to [min, max].

    Guards: the item must be expert-judged in that rule set; 0 ≤ min ≤ max ≤ the item's maximum; an
    estimate made on an assessment must lie inside the range that assessment computed.
    """
    if assessment is None and enterprise is None:
        raise DomainError(_("专家估计须对应一个企业或一次评估"))
    if assessment is not None:
        enterprise = enterprise or assessment.enterprise
        if assessment.rule_version.code != rule_code:
            raise DomainError(_("评估的资质与估计的资质不一致"), field="rule_code")
    try:
        ruleset = get_ruleset(rule_code)
    except RuleNotFound as exc:
        raise DomainError(str(exc), field="rule_code")
    if item_id not in ruleset.expert_item_ids():
        raise DomainError(_("“%(item)s”不是需要专家判断的评分项") % {"item": item_id}, field="item_id")
    low, high = Decimal(str(min_points)), Decimal(str(max_points))
    top = Decimal(str(ruleset.item(item_id).max_points))
    if not (0 <= low <= high <= top):
        raise DomainError(_("估计区间应满足 0 ≤ 下限 ≤ 上限 ≤ %(top)s") % {"top": top}, field="min_points")
    if assessment is not None:
        computed = next((i for i in assessment.results["score"]["items"] if i["id"] == item_id), None)
        if computed is not None and not (
            Decimal(str(computed["min"])) <= low and high <= Decimal(str(computed["max"]))
        ):
            raise DomainError(
                _("估计区间须在本次评估的计算区间 [%(lo)s, %(hi)s] 之内")
                % {"lo": computed["min"], "hi": computed["max"]},
                field="min_points",
            )
    with transaction.atomic():
        estimate = ExpertEstimate.objects.create(
            assessment=assessment,
            enterprise=enterprise,
            rule_code=rule_code,
            item_id=item_id,
            min_points=low,
            max_points=high,
            note=note,
            by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit.record(
            "qualifications.expertestimate.recorded",
            actor=actor,
            target=estimate,
            data={
                "enterprise": getattr(enterprise, "pk", None),
                "assessment": getattr(assessment, "pk", None),
                "rule_code": rule_code,
                "item_id": item_id,
                "range": [low, high],
                "note": note,
            },
        )
    return estimate


# --- Screening ------------------------------------------------------------------------------------


def start_screening(*, rule_code: str, on_date: dt.date, actor: Any) -> ScreeningRun:
    """Queue a screening of the whole registry for the rule version in force on ``on_date``; the
    ``run_screening`` task does the work after the commit and reports progress on the run."""
    require(actor, "qualifications.screen")
    try:
        version = version_in_force(rule_code, on_date)
        get_ruleset(rule_code)
    except RuleNotFound as exc:
        raise DomainError(str(exc), field="rule_code")
    with transaction.atomic():
        run = ScreeningRun.objects.create(
            rule_version=_version_row(version), on_date=on_date, requested_by=actor
        )
        audit.record(
            "qualifications.screeningrun.started",
            actor=actor,
            target=run,
            data={"rule": f"{rule_code} {version.version}", "on_date": on_date},
        )
        transaction.on_commit(lambda: _enqueue_screening(run.pk))
    return run


def _enqueue_screening(run_pk: int) -> None:
    from wutong.qualifications.tasks import run_screening

    run_screening.enqueue(run_pk)


# --- Cultivation pools ----------------------------------------------------------------------------


def create_pool(
    *,
    name: str,
    rule_code: str,
    year: int,
    actor: Any,
    target: int | None = None,
    description: str = "",
    enterprise_ids: list[int] | None = None,
    source_filter: dict[str, Any] | None = None,
) -> CultivationPool:
    """Create a 培育库 for one qualification and year, optionally filled with enterprises (the ids a
    screening filter selected, or picked by hand); every member starts at 潜力."""
    require(actor, "qualifications.manage_pools")
    get_ruleset_or_error(rule_code)
    if CultivationPool.objects.filter(rule_code=rule_code, year=year, name=name).exists():
        raise DomainError(_("同名培育库已存在"), field="name")
    today = timezone.localdate()
    with transaction.atomic():
        pool = CultivationPool.objects.create(
            name=name,
            rule_code=rule_code,
            year=year,
            target=target,
            description=description,
            source_filter=source_filter or {},
            owner=actor,
        )
        ids = sorted(set(enterprise_ids or []))
        PoolMember.objects.bulk_create(
            [PoolMember(pool=pool, enterprise_id=pk, owner=actor, stage_changed_on=today) for pk in ids],
            batch_size=2000,
        )
        audit.record(
            "qualifications.cultivationpool.created",
            actor=actor,
            target=pool,
            data={
                "rule_code": rule_code,
                "year": year,
                "target": target,
                "members": len(ids),
                "filter": source_filter or {},
            },
        )
    return pool


def get_ruleset_or_error(rule_code: str) -> None:
    try:
        get_ruleset(rule_code)
    except RuleNotFound as exc:
        raise DomainError(str(exc), field="rule_code")


def add_pool_members(pool: CultivationPool, *, enterprise_ids: list[int], actor: Any) -> int:
    """Add enterprises to a pool (those already in it are skipped); returns how many were added."""
    require(actor, "qualifications.manage_pools")
    existing = set(
        pool.members.filter(enterprise_id__in=enterprise_ids).values_list("enterprise_id", flat=True)
    )
    new = sorted(set(enterprise_ids) - existing)
    if not new:
        raise DomainError(_("所选企业均已在培育库中"), field="enterprises")
    today = timezone.localdate()
    with transaction.atomic():
        PoolMember.objects.bulk_create(
            [PoolMember(pool=pool, enterprise_id=pk, owner=actor, stage_changed_on=today) for pk in new]
        )
        audit.record(
            "qualifications.cultivationpool.members_added",
            actor=actor,
            target=pool,
            data={"enterprises": new},
        )
    return len(new)


def move_member_stage(
    member: PoolMember,
    *,
    stage: str,
    actor: Any,
    batch: ApplicationBatch | None = None,
    on_date: dt.date | None = None,
    note: str = "",
) -> PoolMember:
    """Move a pool member to another stage (a pure rule decides which moves are legal); moving to 申报
    puts it in an application batch of the same pool. Keeps the history row."""
    require(actor, "qualifications.manage_pools")
    batch = batch or member.batch
    decision = stage_move(member.stage, stage, has_batch=batch is not None)
    if not decision.allowed:
        raise DomainError(decision.reason, field="stage")
    if batch is not None and batch.pool_id != member.pool_id:
        raise DomainError(_("申报批次不属于该培育库"), field="batch")
    day = on_date or timezone.localdate()
    before = member.stage
    with transaction.atomic():
        member.stage = stage
        member.stage_changed_on = day
        if stage == PoolStage.APPLIED:
            member.batch = batch
        member.save(update_fields=["stage", "stage_changed_on", "batch", "updated_at"])
        PoolMemberStageChange.objects.create(
            member=member, from_stage=before, to_stage=stage, changed_on=day, note=note, by=actor
        )
        audit.record(
            "qualifications.poolmember.stage_changed",
            actor=actor,
            target=member,
            changes={"stage": [before, stage]},
            data={"batch": getattr(member.batch, "name", None), "note": note},
        )
    return member


def assign_member(member: PoolMember, *, owner: Any = None, agency: Any = None, actor: Any) -> PoolMember:
    """Set a member's owner (bureau staff) and coaching agency (an OrgUnit of kind agency)."""
    require(actor, "qualifications.manage_pools")
    if agency is not None and agency.kind != OrgUnitKind.AGENCY:
        raise DomainError(_("辅导机构须为第三方机构"), field="agency")
    if owner is not None and owner.role not in EDITOR_ROLES:
        raise DomainError(_("负责人须为本局工作人员"), field="owner")
    before = {"owner": member.owner_id, "agency": member.agency_id}
    with transaction.atomic():
        member.owner = owner
        member.agency = agency
        member.save(update_fields=["owner", "agency", "updated_at"])
        audit.record(
            "qualifications.poolmember.assigned",
            actor=actor,
            target=member,
            changes={
                "owner": [before["owner"], getattr(owner, "pk", None)],
                "agency": [before["agency"], getattr(agency, "pk", None)],
            },
        )
    return member


def record_coaching(
    member: PoolMember, *, date: dt.date, content: str, actor: Any, next_step: str = ""
) -> CoachingRecord:
    """Record one coaching contact; an agency user records it for its own assigned members only, and
    the record carries the actor's agency (or the member's agency for bureau staff)."""
    require(actor, "qualifications.coach")
    if not content.strip():
        raise DomainError(_("请填写辅导内容"), field="content")
    if member.stage == PoolStage.CERTIFIED:
        raise DomainError(_("已认定的企业无需再辅导"), field="content")
    if role_of(actor) == Role.AGENCY and actor.org_unit_id != member.agency_id:
        raise DomainError(_("只能为分配给本机构的企业登记辅导"))
    agency = actor.org_unit if role_of(actor) == Role.AGENCY else member.agency
    with transaction.atomic():
        record = CoachingRecord.objects.create(
            member=member, date=date, by=actor, agency=agency, content=content, next_step=next_step
        )
        audit.record(
            "qualifications.coachingrecord.recorded",
            actor=actor,
            target=record,
            data={"member": member.pk, "date": date, "next_step": next_step},
        )
    return record


def create_batch(
    pool: CultivationPool, *, name: str, actor: Any, submitted_on: dt.date | None = None
) -> ApplicationBatch:
    """Open an application round of a pool (2021 第一批)."""
    require(actor, "qualifications.manage_pools")
    if pool.batches.filter(name=name).exists():
        raise DomainError(_("该培育库已有同名批次"), field="name")
    with transaction.atomic():
        batch = ApplicationBatch.objects.create(pool=pool, name=name, submitted_on=submitted_on)
        audit.record(
            "qualifications.applicationbatch.created",
            actor=actor,
            target=batch,
            data={"pool": pool.pk, "submitted_on": submitted_on},
        )
    return batch


def set_pool_target(pool: CultivationPool, *, target: int, actor: Any) -> CultivationPool:
    """Set the year's 认定目标 of a pool (the KPI compares certified with it)."""
    require(actor, "qualifications.set_targets")
    if target < 0:
        raise DomainError(_("目标不能为负数"), field="target")
    before = pool.target
    with transaction.atomic():
        pool.target = target
        pool.save(update_fields=["target", "updated_at"])
        audit.record(
            "qualifications.cultivationpool.target_set",
            actor=actor,
            target=pool,
            changes={"target": [before, target]},
        )
    return pool
