"""Every change to 招商 records: guard, change in one transaction, exactly one audit entry.

Each service is ``verb_noun(obj, *, ..., actor)``. The guard is :func:`permissions.require_manage`
(a managing role in the 产业/招商 section) and the pure rules in :mod:`wutong.investment.rules`;
a business "no" is a translated :class:`~wutong.core.exceptions.DomainError` (with the field it is
about, so views put it on the form).

Landing a project (:func:`advance_project` to 落地) links it to the registry's enterprise with the
project's USCC, or registers the enterprise through
:func:`wutong.enterprises.services.create_enterprise` (which writes the registry's own audit entry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wutong.core import audit
from wutong.core.exceptions import DomainError
from wutong.core.models import Industry
from wutong.enterprises.identity import validate_uscc
from wutong.enterprises.models import Enterprise
from wutong.enterprises.services import mask_phone
from wutong.investment import rules
from wutong.investment.choices import Channel, LeadStatus, Stage
from wutong.investment.models import (
    Activity,
    Announcement,
    Chain,
    ChainLink,
    ChainSegment,
    Lead,
    PlanTarget,
    Project,
    ProjectStageChange,
    Space,
    Target,
    TargetContact,
    TargetList,
)
from wutong.investment.permissions import require_manage

TARGET_FIELDS = (
    "name",
    "uscc",
    "hq_city",
    "industry",
    "segment",
    "size_class",
    "is_listed",
    "stock_code",
    "channel",
    "source_detail",
    "owner",
    "notes",
)
PROJECT_FIELDS = (
    "name",
    "target",
    "channel",
    "channel_detail",
    "owner",
    "industry",
    "segment",
    "investment_amount",
    "registered_capital",
    "paid_in_capital",
    "expected_revenue",
    "expected_tax",
    "expected_headcount",
    "space_area",
    "space_use",
    "land_area",
    "uscc",
    "signed_on",
    "move_in_on",
    "landed_on",
    "operating_on",
    "notes",
)
STATE_FIELDS = ("stage", "lost_reason", "lost_note", "lost_from_stage", "enterprise")
ACTIVITY_FIELDS = ("kind", "title", "date", "city", "participants", "participant_count", "owner", "notes")
SPACE_FIELDS = ("park", "building", "floor", "area", "use", "rent", "available_from", "is_available", "note")


def _check_fields(allowed: Iterable[str], fields: dict[str, Any]) -> None:
    allowed = set(allowed) | {f"{name}_id" for name in allowed}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


# --- Targets ------------------------------------------------------------------------------------


def _clean_target(fields: dict[str, Any], *, exclude_pk: int | None = None) -> None:
    if not (fields.get("name") or "").strip():
        raise DomainError(_("请填写企业名称"), field="name")
    fields["name"] = fields["name"].strip()
    uscc = (fields.get("uscc") or "").strip()
    if uscc:
        verdict = validate_uscc(uscc)
        if not verdict.valid:
            raise DomainError("；".join(verdict.errors), field="uscc")
        holder = Target.objects.filter(uscc=verdict.code).exclude(pk=exclude_pk).first()
        if holder is not None:
            raise DomainError(
                _("统一社会信用代码 %(c)s 已登记为招商目标“%(n)s”") % {"c": verdict.code, "n": holder.name},
                field="uscc",
            )
        fields["uscc"] = verdict.code
    else:
        fields["uscc"] = ""
    if not fields.get("is_listed") and fields.get("stock_code"):
        raise DomainError(_("非上市公司不应填写股票代码"), field="stock_code")
    if fields.get("channel") not in Channel.values:
        raise DomainError(_("请选择来源渠道"), field="channel")


def create_target(
    *,
    actor: Any,
    lists: Iterable[TargetList] = (),
    contacts: Iterable[dict[str, Any]] = (),
    **fields: Any,
) -> Target:
    """Register a company the bureau wants to bring in (with its channel, the key of attribution)."""
    require_manage(actor)
    _check_fields(TARGET_FIELDS, fields)
    _clean_target(fields)
    with transaction.atomic():
        target = Target.objects.create(**fields)
        if lists:
            target.lists.set(list(lists))
        for contact in contacts:
            TargetContact.objects.create(target=target, **contact)
        audit.record(
            "investment.target.created",
            actor=actor,
            target=target,
            changes=audit.diff({}, audit.snapshot(target, TARGET_FIELDS)),
            data={"lists": [t.pk for t in target.lists.all()]},
        )
    return target


def update_target(
    target: Target, *, actor: Any, lists: Iterable[TargetList] | None = None, **fields: Any
) -> Target:
    require_manage(actor)
    _check_fields(TARGET_FIELDS, fields)
    merged = {**audit.snapshot(target, TARGET_FIELDS), **fields}
    merged = {k: v for k, v in merged.items() if not k.endswith("_id")}
    for name in ("name", "uscc", "is_listed", "stock_code", "channel"):
        fields.setdefault(name, merged.get(name, getattr(target, name)))
    _clean_target(fields, exclude_pk=target.pk)
    with transaction.atomic():
        before = audit.snapshot(target, TARGET_FIELDS)
        before_lists = sorted(target.lists.values_list("pk", flat=True))
        for name, value in fields.items():
            setattr(target, name, value)
        target.save()
        if lists is not None:
            target.lists.set(list(lists))
        after_lists = sorted(target.lists.values_list("pk", flat=True))
        changes = audit.diff(before, audit.snapshot(target, TARGET_FIELDS))
        if before_lists != after_lists:
            changes["lists"] = [before_lists, after_lists]
        if changes:
            audit.record("investment.target.updated", actor=actor, target=target, changes=changes)
    return target


def add_target_contact(target: Target, *, actor: Any, **fields: Any) -> TargetContact:
    require_manage(actor)
    _check_fields(("name", "role", "phone", "email"), fields)
    if not (fields.get("name") or "").strip():
        raise DomainError(_("请填写联系人姓名"), field="name")
    with transaction.atomic():
        contact = TargetContact.objects.create(target=target, **fields)
        audit.record(
            "investment.target.contact_added",
            actor=actor,
            target=target,
            data={
                "contact": contact.pk,
                "name": contact.name,
                "role": contact.role,
                "phone": mask_phone(contact.phone),
            },
        )
    return contact


def create_target_list(
    *, actor: Any, name: str, owner: Any = None, year: int | None = None, description: str = ""
) -> TargetList:
    """A named list of targets with an owner (市外招商目标清单 …)."""
    require_manage(actor)
    if not name.strip():
        raise DomainError(_("请填写清单名称"), field="name")
    if TargetList.objects.filter(name=name.strip()).exists():
        raise DomainError(_("已有同名清单"), field="name")
    with transaction.atomic():
        target_list = TargetList.objects.create(
            name=name.strip(), owner=owner, year=year, description=description
        )
        audit.record(
            "investment.targetlist.created",
            actor=actor,
            target=target_list,
            changes=audit.diff({}, audit.snapshot(target_list, ["name", "owner", "year", "description"])),
        )
    return target_list


def add_targets_to_list(target_list: TargetList, targets: Iterable[Target], *, actor: Any) -> int:
    require_manage(actor)
    ids = {t.pk for t in targets}
    with transaction.atomic():
        present = set(target_list.targets.filter(pk__in=ids).values_list("pk", flat=True))
        new = sorted(ids - present)
        target_list.targets.add(*new)
        audit.record("investment.targetlist.extended", actor=actor, target=target_list, data={"added": new})
    return len(new)


# --- Projects -----------------------------------------------------------------------------------


def _stage_change(
    project: Project, from_stage: str, to_stage: str, *, actor: Any, at: dt.datetime, note: str = ""
) -> None:
    ProjectStageChange.objects.create(
        project=project,
        from_stage=from_stage,
        to_stage=to_stage,
        changed_at=at,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:300],
    )


def _clean_project(fields: dict[str, Any]) -> None:
    if "name" in fields and not (fields.get("name") or "").strip():
        raise DomainError(_("请填写项目名称"), field="name")
    if "channel" in fields and fields["channel"] not in Channel.values:
        raise DomainError(_("请选择来源渠道"), field="channel")
    if fields.get("uscc"):
        verdict = validate_uscc(fields["uscc"])
        if not verdict.valid:
            raise DomainError("；".join(verdict.errors), field="uscc")
        fields["uscc"] = verdict.code
    for name in (
        "investment_amount",
        "registered_capital",
        "paid_in_capital",
        "expected_revenue",
        "expected_tax",
    ):
        value = fields.get(name)
        if value is not None and value < 0:
            raise DomainError(_("金额不能为负数"), field=name)


def create_project(*, actor: Any, at: dt.datetime | None = None, **fields: Any) -> Project:
    """Open a project at 线索 (its first stage change is recorded, so time in stage starts now).
    Without a channel it inherits its target's: attribution follows the target's source."""
    require_manage(actor)
    _check_fields((*PROJECT_FIELDS, "lead"), fields)
    target = fields.get("target")
    if not fields.get("channel") and target is not None:
        fields["channel"] = target.channel
        fields.setdefault("channel_detail", target.source_detail)
    fields.setdefault("name", "")
    fields.setdefault("channel", "")
    _clean_project(fields)
    gate = rules.check_gate(fields, Stage.LEAD)
    if not gate.passed:
        raise DomainError(gate.explain(), field=gate.missing[0].field)
    now = at or timezone.now()
    with transaction.atomic():
        project = Project.objects.create(stage=Stage.LEAD, stage_since=now, **fields)
        _stage_change(project, "", Stage.LEAD, actor=actor, at=now)
        audit.record(
            "investment.project.created",
            actor=actor,
            target=project,
            changes=audit.diff({}, audit.snapshot(project, (*PROJECT_FIELDS, "stage"))),
        )
    return project


def update_project(project: Project, *, actor: Any, **fields: Any) -> Project:
    """Change a project's figures. The stage is changed only by :func:`advance_project`,
    :func:`mark_project_lost` and :func:`reopen_project`; a landed project's USCC is fixed."""
    require_manage(actor)
    _check_fields(PROJECT_FIELDS, fields)
    _clean_project(fields)
    if project.enterprise_id and fields.get("uscc") and fields["uscc"] != project.uscc:
        raise DomainError(_("项目已落地，落地企业信用代码不能修改"), field="uscc")
    with transaction.atomic():
        before = audit.snapshot(project, PROJECT_FIELDS)
        for name, value in fields.items():
            setattr(project, name, value)
        # Only the given columns: a stale instance must never write back an old stage.
        project.save(update_fields=[*fields, "updated_at"])
        changes = audit.diff(before, audit.snapshot(project, PROJECT_FIELDS))
        if changes:
            audit.record("investment.project.updated", actor=actor, target=project, changes=changes)
    return project


def gate_for(project: Project, to_stage: str) -> rules.GateResult:
    """The stage gate of ``project`` for ``to_stage`` (with the registry's verdict on its USCC)."""
    facts = {
        name: getattr(project, f"{name}_id" if name in ("owner", "target", "industry") else name)
        for name in (
            *PROJECT_FIELDS,
            "lost_reason",
        )
    }
    verdict = validate_uscc(project.uscc).valid if project.uscc else None
    return rules.check_gate(facts, to_stage, uscc_valid=verdict)


def _land(project: Project, *, actor: Any) -> tuple[Enterprise, bool]:
    """The registry enterprise of a landing project: found by USCC, or registered now."""
    code = validate_uscc(project.uscc).code
    enterprise = Enterprise.objects.filter(uscc=code).first()
    if enterprise is not None:
        return enterprise, False
    from wutong.enterprises.services import create_enterprise

    name = project.target.name if project.target is not None else project.name
    fields: dict[str, Any] = {"uscc": code, "name": name}
    if project.industry_id:
        fields["industry_id"] = project.industry_id
    if project.registered_capital is not None:
        fields["registered_capital"] = project.registered_capital
    if project.landed_on:
        fields["established"] = project.landed_on
    enterprise, _duplicates = create_enterprise(actor=actor, **fields)
    return enterprise, True


def advance_project(
    project: Project, *, to_stage: str, actor: Any, note: str = "", at: dt.datetime | None = None
) -> Project:
    """Move a project one stage forward through its gate (or reopen a lost one at the stage it left).

    The transition and the gate are pure rules; each missing field is named with the reason. On
    落地(注册) the project is linked to the registry enterprise with its USCC (registered when new),
    and its target takes the USCC too.
    """
    require_manage(actor)
    if to_stage == Stage.LOST:
        raise DomainError(_("请使用“标记流失”并填写原因"), field="to_stage")
    decision = rules.decide_transition(project.stage, to_stage, lost_from=project.lost_from_stage)
    if not decision:
        raise DomainError(decision.reason, field="to_stage")
    gate = gate_for(project, to_stage)
    if not gate.passed:
        raise DomainError(gate.explain(), field=gate.missing[0].field, code="gate")
    now = at or timezone.now()
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        before = audit.snapshot(project, STATE_FIELDS)
        from_stage = project.stage
        data: dict[str, Any] = {"from": from_stage, "to": to_stage}
        if to_stage == Stage.LANDED:
            enterprise, created = _land(project, actor=actor)
            project.enterprise = enterprise
            data.update(enterprise=enterprise.pk, enterprise_created=created)
            if project.target is not None and not project.target.uscc:
                Target.objects.filter(pk=project.target.pk).update(uscc=enterprise.uscc)
        if from_stage == Stage.LOST:
            project.lost_reason, project.lost_note, project.lost_from_stage = "", "", ""
            data["reopened"] = True
        project.stage = to_stage
        project.stage_since = now
        project.save()
        _stage_change(project, from_stage, to_stage, actor=actor, at=now, note=note)
        audit.record(
            "investment.project.reopened" if from_stage == Stage.LOST else "investment.project.advanced",
            actor=actor,
            target=project,
            changes=audit.diff(before, audit.snapshot(project, STATE_FIELDS)),
            data={**data, "note": note},
        )
    return project


def reopen_project(project: Project, *, actor: Any, note: str = "", at: dt.datetime | None = None) -> Project:
    """Bring a lost project back at the stage it was lost from."""
    if project.stage != Stage.LOST:
        raise DomainError(_("只有流失的项目可以恢复"))
    return advance_project(project, to_stage=project.lost_from_stage, actor=actor, note=note, at=at)


def mark_project_lost(
    project: Project, *, reason: str, actor: Any, note: str = "", at: dt.datetime | None = None
) -> Project:
    """Take a project off the pipeline with a reason; the stage it left is kept (for the funnel and
    for reopening)."""
    require_manage(actor)
    decision = rules.decide_transition(project.stage, Stage.LOST)
    if not decision:
        raise DomainError(decision.reason)
    gate = rules.check_gate({"lost_reason": reason}, Stage.LOST)
    if not gate.passed:
        raise DomainError(gate.explain(), field="lost_reason")
    now = at or timezone.now()
    with transaction.atomic():
        before = audit.snapshot(project, STATE_FIELDS)
        from_stage = project.stage
        project.lost_from_stage = from_stage
        project.lost_reason = reason
        project.lost_note = note[:300]
        project.stage = Stage.LOST
        project.stage_since = now
        project.save()
        _stage_change(project, from_stage, Stage.LOST, actor=actor, at=now, note=note)
        audit.record(
            "investment.project.lost",
            actor=actor,
            target=project,
            changes=audit.diff(before, audit.snapshot(project, STATE_FIELDS)),
            data={"from": from_stage, "reason": reason, "note": note},
        )
    return project


# --- Activities and plan ------------------------------------------------------------------------


def record_activity(
    *, actor: Any, targets: Iterable[Target] = (), projects: Iterable[Project] = (), **fields: Any
) -> Activity:
    """Log a piece of 招商 work; it counts against the year's plan figures from its date."""
    require_manage(actor)
    _check_fields(ACTIVITY_FIELDS, fields)
    if not (fields.get("title") or "").strip():
        raise DomainError(_("请填写活动主题"), field="title")
    if fields.get("date") is None:
        raise DomainError(_("请填写活动日期"), field="date")
    with transaction.atomic():
        activity = Activity.objects.create(**fields)
        activity.targets.set(list(targets))
        activity.projects.set(list(projects))
        audit.record(
            "investment.activity.recorded",
            actor=actor,
            target=activity,
            changes=audit.diff({}, audit.snapshot(activity, ACTIVITY_FIELDS)),
            data={
                "targets": sorted(activity.targets.values_list("pk", flat=True)),
                "projects": sorted(activity.projects.values_list("pk", flat=True)),
            },
        )
    return activity


def set_plan_target(*, year: int, metric: str, target: int, actor: Any, note: str = "") -> PlanTarget:
    """Set a figure of the year's plan (insert or change)."""
    require_manage(actor)
    if target < 0:
        raise DomainError(_("目标值不能为负数"), field="target")
    with transaction.atomic():
        plan, created = PlanTarget.objects.get_or_create(
            year=year, metric=metric, defaults={"target": target, "note": note}
        )
        before = {} if created else audit.snapshot(plan, ["year", "metric", "target", "note"])
        if not created:
            plan.target, plan.note = target, note
            plan.save()
        audit.record(
            "investment.plantarget.set",
            actor=actor,
            target=plan,
            changes=audit.diff(before, audit.snapshot(plan, ["year", "metric", "target", "note"])),
        )
    return plan


# --- Chains -------------------------------------------------------------------------------------


def create_chain(*, actor: Any, name: str, description: str = "", order: int = 0) -> Chain:
    require_manage(actor)
    if Chain.objects.filter(name=name).exists():
        raise DomainError(_("已有同名产业链"), field="name")
    with transaction.atomic():
        chain = Chain.objects.create(name=name, description=description, order=order)
        audit.record("investment.chain.created", actor=actor, target=chain, data={"name": name})
    return chain


def add_chain_segment(chain: Chain, *, actor: Any, **fields: Any) -> ChainSegment:
    require_manage(actor)
    _check_fields(("position", "name", "industry_codes", "keywords", "order"), fields)
    codes = [c for c in fields.get("industry_codes", "").replace("，", ",").split(",") if c.strip()]
    known = set(Industry.objects.filter(code__in=[c.strip() for c in codes]).values_list("code", flat=True))
    unknown = [c.strip() for c in codes if c.strip() not in known]
    if unknown:
        raise DomainError(_("行业代码不存在：%(c)s") % {"c": "、".join(unknown)}, field="industry_codes")
    if ChainSegment.objects.filter(chain=chain, name=fields.get("name")).exists():
        raise DomainError(_("该产业链已有同名环节"), field="name")
    with transaction.atomic():
        segment = ChainSegment.objects.create(chain=chain, **fields)
        audit.record(
            "investment.chainsegment.created",
            actor=actor,
            target=segment,
            changes=audit.diff(
                {}, audit.snapshot(segment, ["chain", "position", "name", "industry_codes", "keywords"])
            ),
        )
    return segment


def record_chain_link(
    *,
    actor: Any,
    leader: Enterprise,
    kind: str,
    counterpart_enterprise: Enterprise | None = None,
    counterpart_target: Target | None = None,
    segment: ChainSegment | None = None,
    note: str = "",
) -> ChainLink:
    """Record a chain leader's supplier or customer (a local enterprise or a target)."""
    require_manage(actor)
    if (counterpart_enterprise is None) == (counterpart_target is None):
        raise DomainError(_("请选择一个对方企业：区内企业或招商目标，二选一"), field="counterpart_target")
    if counterpart_enterprise is not None and counterpart_enterprise.pk == leader.pk:
        raise DomainError(_("链主不能是自己的上下游"), field="counterpart_enterprise")
    with transaction.atomic():
        link = ChainLink.objects.create(
            leader=leader,
            kind=kind,
            counterpart_enterprise=counterpart_enterprise,
            counterpart_target=counterpart_target,
            segment=segment,
            note=note,
        )
        audit.record(
            "investment.chainlink.recorded",
            actor=actor,
            target=link,
            data={
                "leader": leader.pk,
                "kind": kind,
                "enterprise": getattr(counterpart_enterprise, "pk", None),
                "target": getattr(counterpart_target, "pk", None),
            },
        )
    return link


# --- Space --------------------------------------------------------------------------------------


def create_space(*, actor: Any, **fields: Any) -> Space:
    require_manage(actor)
    _check_fields(SPACE_FIELDS, fields)
    if fields.get("area") is None or fields["area"] <= 0:
        raise DomainError(_("面积须大于 0"), field="area")
    with transaction.atomic():
        space = Space.objects.create(**fields)
        audit.record(
            "investment.space.created",
            actor=actor,
            target=space,
            changes=audit.diff({}, audit.snapshot(space, SPACE_FIELDS)),
        )
    return space


def update_space(space: Space, *, actor: Any, **fields: Any) -> Space:
    require_manage(actor)
    _check_fields(SPACE_FIELDS, fields)
    if "area" in fields and (fields["area"] is None or fields["area"] <= 0):
        raise DomainError(_("面积须大于 0"), field="area")
    with transaction.atomic():
        before = audit.snapshot(space, SPACE_FIELDS)
        for name, value in fields.items():
            setattr(space, name, value)
        space.save()
        audit.record(
            "investment.space.updated",
            actor=actor,
            target=space,
            changes=audit.diff(before, audit.snapshot(space, SPACE_FIELDS)),
        )
    return space


# --- Leads --------------------------------------------------------------------------------------


def score_announcements(announcement_ids: Iterable[int], *, today: dt.date | None = None) -> int:
    """(Re)score the leads of the given announcements (called inside the import's transaction and by
    :func:`rescore_leads`; no audit entry of its own). Returns the number of leads written."""
    from wutong.investment import queries

    today = today or timezone.localdate()
    segments = queries.segment_facts()
    spaces = queries.space_facts()
    written = 0
    for announcement in Announcement.objects.filter(pk__in=list(announcement_ids)):
        text = " ".join((announcement.project_name, announcement.text, announcement.company_name))
        seg_matches = rules.match_segments(announcement.industry_id, text, segments)
        space_matches = rules.match_spaces(announcement.area_needed, announcement.space_use, spaces)
        scored = rules.score_lead(
            amount=announcement.amount,
            location=announcement.location,
            announced_on=announcement.announced_on,
            today=today,
            segments=seg_matches,
            spaces=space_matches,
        )
        lead, _created = Lead.objects.update_or_create(
            announcement=announcement,
            defaults={
                "score": scored.score,
                "reasons": scored.as_json(),
                "spaces": [
                    {"id": m.space_id, "label": m.label, "reason": m.reason} for m in space_matches[:5]
                ],
            },
        )
        lead.segments.set([m.segment_id for m in seg_matches])
        written += 1
    return written


def rescore_leads(*, actor: Any, today: dt.date | None = None) -> int:
    """Score every announcement again (after chains or spaces changed)."""
    require_manage(actor)
    with transaction.atomic():
        count = score_announcements(Announcement.objects.values_list("pk", flat=True), today=today)
        audit.record("investment.lead.rescored", actor=actor, target_label="募投线索", data={"leads": count})
    return count


def convert_lead(lead: Lead, *, actor: Any, owner: Any = None) -> Project:
    """Turn a lead into a target (found by name, or new, channel 上市公司募投) and a project at 线索."""
    require_manage(actor)
    if lead.status != LeadStatus.NEW:
        raise DomainError(_("该线索已处理"))
    announcement = lead.announcement
    with transaction.atomic():
        target = Target.objects.filter(name=announcement.company_name).first()
        created_target = target is None
        if target is None:
            target = Target.objects.create(
                name=announcement.company_name,
                is_listed=bool(announcement.stock_code),
                stock_code=announcement.stock_code,
                industry_id=announcement.industry_id,
                channel=Channel.LISTED_FUNDRAISING,
                source_detail=_("募投公告 %(d)s") % {"d": announcement.announced_on.isoformat()},
                owner=owner or actor,
            )
        segment = lead.segments.order_by("pk").first()
        now = timezone.now()
        project = Project.objects.create(
            name=f"{announcement.company_name}·{announcement.project_name}"[:200],
            target=target,
            channel=Channel.LISTED_FUNDRAISING,
            channel_detail=target.source_detail,
            owner=owner or actor,
            industry_id=announcement.industry_id,
            segment=segment,
            investment_amount=announcement.amount,
            space_area=announcement.area_needed,
            space_use=announcement.space_use,
            lead=lead,
            stage=Stage.LEAD,
            stage_since=now,
        )
        _stage_change(project, "", Stage.LEAD, actor=actor, at=now, note=_("由募投线索转入"))
        lead.status, lead.target = LeadStatus.CONVERTED, target
        lead.save(update_fields=["status", "target", "updated_at"])
        audit.record(
            "investment.lead.converted",
            actor=actor,
            target=lead,
            data={"project": project.pk, "target": target.pk, "target_created": created_target},
        )
    return project


def dismiss_lead(lead: Lead, *, actor: Any, note: str = "") -> Lead:
    require_manage(actor)
    if lead.status != LeadStatus.NEW:
        raise DomainError(_("该线索已处理"))
    with transaction.atomic():
        lead.status = LeadStatus.DISMISSED
        lead.save(update_fields=["status", "updated_at"])
        audit.record("investment.lead.dismissed", actor=actor, target=lead, data={"note": note})
    return lead
