"""Use cases that write: publish rule versions, store an assessment, record an expert's estimate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from wutong.core import audit
from wutong.core.exceptions import DomainError
from wutong.qualifications.models import Assessment, ExpertEstimate, RuleSetVersion
from wutong.qualifications.profiles import normalize_profile, profile_from_enterprise
from wutong.qualifications.rules import (
    RuleNotFound,
    RuleVersion,
    all_versions,
    assess,
    get_ruleset,
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
