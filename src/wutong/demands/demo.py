"""The demo district's 诉求 ledger: a year of demands with realistic timings.

About one demand per 20 enterprises a year (~1,000 for the default 20,000; the seeds speak of
"协调解决问题1000余个"), spread over the year before the as-of date on working days. Each demand's
story is simulated with the same clocks and transitions as the services (rules.clock,
rules.status_after_rating, rules.escalation_target) and cut at "now", so recent demands are still
open and some are overdue and escalated; older ones were replied (most on time), rated (mostly
4–5), a few reopened after a poor rating, returned by a department, or rejected. The five demo
enterprise logins each get a few demands of their own.

Rows are written in bulk (``ctx.insert``) with explicit ids, so the numbers are SQ<year><id>.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from wutong.accounts.choices import Role
from wutong.core import workdays
from wutong.core.choices import SourceKind
from wutong.core.demo import DemoContext, register_builder, reset_sequences
from wutong.core.demo_data import mobile_phone, person_name
from wutong.demands import rules
from wutong.demands.choices import (
    AssignmentRole,
    AssignmentStatus,
    DemandChannel,
    DemandStatus,
    EventKind,
    RejectionReason,
)

S = DemandStatus
DEMANDS_PER_ENTERPRISE = 0.05

#: category code -> (default department key, section key) in the demo org chart (accounts/demo.py)
ROUTING = {
    "housing": ("zhujian", "rc"),
    "finance": ("jinrong", "qf"),
    "space": ("guizi", "cy"),
    "policy": ("qf", "qf"),
    "ip": ("zscq", "zscq"),
    "qualification": ("kj", "kj"),
    "approval": ("qf", "qf"),
    "talent": ("renshe", "rc"),
    "other": ("qf", "qf"),
}
WEIGHTS = {
    "housing": 14, "finance": 16, "space": 15, "policy": 18, "ip": 7,
    "qualification": 10, "approval": 8, "talent": 8, "other": 4,
}  # fmt: skip

TEXTS = {
    "housing": [
        "公司引进的{n}名骨干申请人才住房，配租审核进度较慢，希望协调加快审核",
        "人才住房配租名额不足，希望增加面向科技企业的人才房配租",
        "人才公寓租金补贴申请提交后迟迟未到账，请帮助了解进度",
    ],
    "finance": [
        "企业计划扩大生产，需要流动资金贷款约{m}万元，希望对接银行和担保机构",
        "申请科技金融贷款贴息，希望了解申报条件和办理流程",
        "公司拟申报上市辅导备案，希望获得上市培育政策支持",
    ],
    "space": [
        "现有办公场地已满，需要新增研发用房约{a}平方米，希望推荐园区载体",
        "租用的产业用房租金上涨较快，希望了解产业用房租金补贴政策",
        "希望入驻区属创新载体，请协助对接空置厂房和办公空间",
    ],
    "policy": [
        "去年获批的研发投入资助资金尚未拨付，希望了解兑现进度",
        "高新技术企业认定奖励申报后未收到结果，请协助查询",
        "希望了解今年科技创新专项资金的申报时间和扶持标准",
    ],
    "ip": [
        "公司发明专利被侵权，希望获得知识产权维权援助",
        "希望申请专利资助，请说明资助标准和办理流程",
        "商标被抢注，需要知识产权保护方面的指导",
    ],
    "qualification": [
        "计划申报国家高新技术企业认定，希望获得申报辅导",
        "希望了解专精特新中小企业认定条件，请安排辅导",
        "科技型中小企业评价入库遇到问题，请协助",
    ],
    "approval": [
        "新办公场所消防验收办理时间较长，希望协调加快",
        "实验室环评审批材料多次退回，希望给予指导",
        "办理特种行业许可证遇到困难，请协助对接审批部门",
    ],
    "talent": [
        "引进的海外高层次人才办理落户手续遇到困难，希望协调",
        "希望为研发人员申报区高层次人才认定，请说明条件",
        "员工子女入学需要人才证明材料，请协助办理",
    ],
    "other": [
        "希望参加区里组织的产业对接活动，请告知报名方式",
        "企业周边交通拥堵影响员工通勤，希望反映给相关部门",
    ],
}
REPLIES = {
    "housing": "已与区住房和建设局核实，配租审核已加快，预计两周内通知配租结果。",
    "finance": "已推荐三家合作银行及区融资担保机构对接，并告知贴息申报流程。",
    "space": "已推荐两处园区空置载体并安排现场踏勘，租金补贴按政策申报。",
    "policy": "资金已进入拨付流程，预计本月内到账；已告知企业查询方式。",
    "ip": "已转介知识产权维权援助机构，并提供专利资助申报指引。",
    "qualification": "已安排第三方机构上门辅导，并纳入本年度培育库。",
    "approval": "已协调审批部门开通绿色通道，企业已按指导补正材料。",
    "talent": "已与区人力资源局对接，按人才引进政策办理相关手续。",
    "other": "已将企业诉求转达相关部门，并向企业反馈办理情况。",
}
RATINGS = [5] * 50 + [4] * 30 + [3] * 12 + [2] * 5 + [1] * 3


@dataclass
class Story:
    """One demand's simulated life: the demand row's values and its events."""

    values: dict[str, Any]
    events: list[tuple[dt.datetime, str, Any, str, str, str, bool]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    comments: list[tuple[dt.datetime, Any, str, bool]] = field(default_factory=list)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    tz = timezone.get_current_timezone()
    return dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=tz)


def _working_day_on_or_after(day: dt.date) -> dt.date:
    return workdays.add_working_days(day, 0)


class DemandSimulator:
    def __init__(self, ctx: DemoContext) -> None:
        from wutong.demands.models import DemandCategory

        self.ctx = ctx
        self.rng = ctx.rng("demands")
        self.today = ctx.as_of
        # stories are cut at "now"; when the demo is built as of another day, at the end of that day
        tz = timezone.get_current_timezone()
        if timezone.localtime(ctx.now).date() == ctx.as_of:
            self.now = ctx.now
        else:
            self.now = dt.datetime.combine(ctx.as_of, dt.time(18), tzinfo=tz)
        self.categories = {c.code: c for c in DemandCategory.objects.filter(is_active=True)}
        self.staff = ctx.users.get(Role.STAFF, []) or [None]
        self.heads = {u.org_unit_id: u for u in ctx.users.get(Role.SECTION_HEAD, [])}
        self.leader = (ctx.users.get(Role.BUREAU_LEADER) or [None])[0]
        self.partners: dict[int, list[Any]] = {}
        for user in ctx.users.get(Role.PARTNER, []):
            self.partners.setdefault(user.org_unit_id, []).append(user)
        self.staff_by_unit: dict[int, list[Any]] = {}
        for user in ctx.users.get(Role.STAFF, []):
            self.staff_by_unit.setdefault(user.org_unit_id, []).append(user)
        self.enterprise_users = {
            u.org_unit.uscc: u for u in ctx.users.get(Role.ENTERPRISE, []) if u.org_unit_id
        }

    def handler(self, unit: Any) -> Any:
        pool = self.partners.get(unit.pk) or self.staff_by_unit.get(unit.pk) or self.staff
        return self.rng.choice(pool)

    def story(self, enterprise: tuple[int, str, str], submitted: dt.datetime) -> Story | None:
        rng, now = self.rng, self.now
        code = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        category = self.categories.get(code)
        if category is None:
            return None
        ent_id, uscc, address = enterprise
        lead = category.default_department
        staff = rng.choice(self.staff)
        ent_user = self.enterprise_users.get(uscc)
        day = timezone.localtime(submitted).date()
        accept_clock = rules.clock(day, category.accept_days)
        reply_clock = rules.clock(day, category.reply_days)
        text = rng.choice(TEXTS[code]).format(
            n=rng.randint(2, 12), m=rng.choice([300, 500, 1000, 2000]), a=rng.choice([300, 800, 1500])
        )
        channel = rng.choices(
            [DemandChannel.VISIT, DemandChannel.PORTAL, DemandChannel.PHONE, DemandChannel.STAFF],
            [45, 25, 15, 15],
        )[0]
        v: dict[str, Any] = {
            "enterprise_id": ent_id,
            "category_id": category.pk,
            "content": text,
            "channel": channel,
            "contact_name": person_name(rng),
            "contact_phone": mobile_phone(rng),
            "address": address,
            "status": S.SUBMITTED,
            "submitted_by_id": (
                ent_user.pk if ent_user and channel == DemandChannel.PORTAL else getattr(staff, "pk", None)
            ),
            "submitted_at": submitted,
            "accept_due": accept_clock.due,
            "accepted_at": None,
            "clock_started_on": reply_clock.start,
            "reply_due": reply_clock.due,
            "reply_warn_on": reply_clock.warn_on,
            "lead_department_id": None,
            "replied_at": None,
            "reply": "",
            "replied_by_id": None,
            "rating": None,
            "rating_comment": "",
            "rated_at": None,
            "closed_at": None,
            "rejection_reason": "",
            "rejection_note": "",
            "reopen_count": 0,
            "escalation_level": 0,
            "escalated_at": None,
            "escalated_to_id": None,
        }
        s = Story(v)
        s.events.append(
            (submitted, EventKind.SUBMITTED, staff, "", S.SUBMITTED, str(DemandChannel(channel).label), True)
        )

        def step(
            when: dt.datetime, kind: str, actor: Any, to: str, note: str = "", public: bool = True
        ) -> bool:
            if when > now:
                return False
            s.events.append((when, kind, actor, v["status"], to, note, public))
            v["status"] = to
            return True

        # 签收: usually the same or next working day, sometimes late
        delay = rng.choices([0, 1, 2, 3], [55, 35, 7, 3])[0]
        accepted = _at(workdays.add_working_days(day, delay), rng)
        accepted = max(accepted, submitted + dt.timedelta(minutes=30))
        if not step(accepted, EventKind.ACCEPTED, staff, S.ACCEPTED):
            return self._escalate(s, category)
        v["accepted_at"] = accepted
        if rng.random() < 0.03:
            reason = rng.choice(
                [RejectionReason.LITIGATION, RejectionReason.NOT_COMPETENT, RejectionReason.UNCLEAR]
            )
            step(
                accepted + dt.timedelta(hours=1),
                EventKind.REJECTED,
                staff,
                S.REJECTED,
                str(RejectionReason(reason).label),
            )
            v.update(rejection_reason=reason, closed_at=accepted + dt.timedelta(hours=1))
            return s
        routed = accepted + dt.timedelta(minutes=rng.randint(10, 120))
        if lead is None or not step(
            routed, EventKind.ROUTED, staff, S.ROUTED, f"主办：{lead.name if lead else ''}"
        ):
            return self._escalate(s, category)
        v["lead_department_id"] = lead.pk
        s.assignments.append(
            {
                "department_id": lead.pk,
                "role": AssignmentRole.LEAD,
                "created_at": routed,
                "assigned_by_id": getattr(staff, "pk", None),
            }
        )
        if rng.random() < 0.04:  # the department says "not ours"; the bureau routes to 企业服务科
            back = _at(workdays.add_working_days(routed.date(), 1), rng)
            other = self.ctx.units.get("qf")
            if back <= now and other is not None and other.pk != lead.pk:
                handler = self.handler(lead)
                why = "该事项不属于本单位职责，建议由区科技创新局企业服务科统筹协调"
                step(back, EventKind.RETURNED, handler, S.RETURNED, why)
                s.assignments[-1].update(status=AssignmentStatus.RETURNED, ended_at=back, end_reason=why)
                s.comments.append(
                    (
                        back,
                        handler,
                        f"{lead.name} 认为该诉求不属于本单位职责，已退回重新交办。理由：{why}",
                        True,
                    )
                )
                rerouted = back + dt.timedelta(hours=2)
                if not step(rerouted, EventKind.ROUTED, staff, S.ROUTED, f"主办：{other.name}"):
                    v["lead_department_id"] = None
                    return self._escalate(s, category)
                lead = other
                v["lead_department_id"] = lead.pk
                s.assignments.append(
                    {
                        "department_id": lead.pk,
                        "role": AssignmentRole.LEAD,
                        "created_at": rerouted,
                        "assigned_by_id": getattr(staff, "pk", None),
                    }
                )
        handler = self.handler(lead)
        started = routed + dt.timedelta(hours=rng.randint(1, 20))
        if not step(started, EventKind.STARTED, handler, S.IN_PROGRESS):
            return self._escalate(s, category)
        for _round in range(2):
            slow = rng.random() < 0.08  # a department that lets it slide (escalated, 督办)
            late = slow or rng.random() < 0.2
            days = (
                rng.randint(*((5, 15) if slow else (1, 4)))
                + working_days_total(v["clock_started_on"], v["reply_due"])
                if late
                else rng.randint(1, max(1, working_days_total(v["clock_started_on"], v["reply_due"])))
            )
            replied = _at(workdays.add_working_days(v["clock_started_on"], days), rng)
            replied = max(replied, started + dt.timedelta(hours=1))
            if not step(replied, EventKind.REPLIED, handler, S.REPLIED, REPLIES[code]):
                return self._escalate(s, category)
            self._escalate(s, category, at=replied)
            v.update(replied_at=replied, reply=REPLIES[code], replied_by_id=getattr(handler, "pk", None))
            if rng.random() < 0.15:  # not rated: staff close after a week
                closed = _at(workdays.add_working_days(replied.date(), 5), rng)
                if step(closed, EventKind.CLOSED, staff, S.CLOSED, "企业未评价，电话回访确认已解决"):
                    v["closed_at"] = closed
                    self._end(s, closed)
                return s
            rating = rng.choice(RATINGS) if _round == 0 else rng.choice([3, 4, 4, 5])
            rated = _at(workdays.add_working_days(replied.date(), rng.randint(0, 3)), rng)
            rated = max(rated, replied + dt.timedelta(minutes=20))
            if rated > now:
                return s
            after = rules.status_after_rating(rating)
            step(rated, EventKind.RATED, ent_user, after if after == S.CLOSED else S.REPLIED, f"{rating} 分")
            v.update(rating=rating, rated_at=rated)
            if after == S.CLOSED:
                v["closed_at"] = rated
                self._end(s, rated)
                return s
            # a poor rating reopens the demand with a fresh clock (services._reopen_in_place)
            step(rated, EventKind.REOPENED, ent_user, S.IN_PROGRESS, "企业不满意，重新办理")
            c = rules.clock(timezone.localtime(rated).date(), category.reply_days)
            v.update(
                reopen_count=v["reopen_count"] + 1,
                replied_at=None,
                escalation_level=0,
                escalated_at=None,
                escalated_to_id=None,
                clock_started_on=c.start,
                reply_due=c.due,
                reply_warn_on=c.warn_on,
            )
            started = rated
        return self._escalate(s, category)

    def _end(self, s: Story, when: dt.datetime) -> None:
        for a in s.assignments:
            if "status" not in a:
                a.update(status=AssignmentStatus.DONE, ended_at=when, end_reason="办结")

    def _escalate(self, s: Story, category: Any, at: dt.datetime | None = None) -> Story:
        """What the daily escalation job would have done by ``at`` (default now) for this demand."""
        v = s.values
        when = at or self.now
        day = timezone.localtime(when).date() if at else self.today
        due = v["accept_due"] if v["status"] == S.SUBMITTED else v["reply_due"]
        if v["status"] not in (S.SUBMITTED, S.ACCEPTED, S.ROUTED, S.IN_PROGRESS, S.RETURNED, S.REPLIED):
            return s
        late = workdays.working_days_between(due, day) if day > due else 0
        if at is not None:
            late = (
                workdays.working_days_between(due, day - dt.timedelta(days=1))
                if day - dt.timedelta(days=1) > due
                else 0
            )
        target = rules.escalation_target(overdue_working_days=late, level_two_after=3)
        if target > v["escalation_level"]:
            to = self.leader if target == 2 else self.heads.get(category.section_id)
            escalated = _at(workdays.add_working_days(due, 1 if target == 1 else 4), self.rng)
            escalated = min(escalated, when)
            v.update(escalation_level=target, escalated_at=escalated, escalated_to_id=getattr(to, "pk", None))
            s.events.append(
                (
                    escalated,
                    EventKind.ESCALATED,
                    None,
                    v["status"],
                    v["status"],
                    f"超期，{'局领导督办' if target == 2 else '科室负责人督办'}",
                    False,
                )
            )
        return s


def working_days_total(start: dt.date, due: dt.date) -> int:
    return max(1, workdays.working_days_between(start, due))


def _db(value: Any) -> Any:
    if isinstance(value, dt.datetime) and connection.vendor != "postgresql":
        return connection.ops.adapt_datetimefield_value(value)
    return value


def _routing(ctx: DemoContext) -> None:
    from wutong.demands.models import DemandCategory

    for code, (dept, section) in ROUTING.items():
        updates = {}
        if dept in ctx.units:
            updates["default_department"] = ctx.units[dept]
        if section in ctx.units:
            updates["section"] = ctx.units[section]
        if updates:
            DemandCategory.objects.filter(code=code).update(**updates)


def build_demands(ctx: DemoContext) -> None:
    """A year of demands for the demo enterprises (~5 per 100 firms), stories cut at ``ctx.now``."""
    from wutong.demands.models import Demand, DemandAssignment, DemandComment, DemandEvent
    from wutong.enterprises.models import Enterprise

    _routing(ctx)
    sim = DemandSimulator(ctx)
    rng = sim.rng
    ids = list(ctx.enterprise_ids) or list(
        Enterprise.objects.filter(source=SourceKind.DEMO).values_list("pk", flat=True)
    )
    if not ids or not sim.categories:
        return
    total = max(10, round(len(ids) * DEMANDS_PER_ENTERPRISE))
    picked = [rng.choice(ids) for _ in range(total)]
    own = [u.org_unit.uscc for u in ctx.users.get(Role.ENTERPRISE, []) if u.org_unit_id]
    own_ids = list(Enterprise.objects.filter(uscc__in=own).values_list("pk", flat=True))
    picked += [pk for pk in own_ids for _ in range(3)]
    firms = {
        pk: (pk, uscc, op or reg)
        for pk, uscc, op, reg in Enterprise.objects.filter(pk__in=set(picked)).values_list(
            "pk", "uscc", "operating_address", "registered_address"
        )
    }
    stories = []
    # most over the year; a share in the last three weeks, so the ledger has work in hand
    recent = set(rng.sample(range(len(picked)), k=max(5, len(picked) // 12)))
    for index, pk in enumerate(picked):
        span = 21 if index in recent else 365
        day = _working_day_on_or_after(ctx.as_of - dt.timedelta(days=rng.randrange(span)))
        if day > ctx.as_of:
            day = ctx.as_of
        submitted = _at(day, rng)
        if submitted > sim.now:
            submitted = sim.now - dt.timedelta(minutes=rng.randint(5, 600))
        story = sim.story(firms[pk], submitted)
        if story is not None:
            stories.append(story)
    stories.sort(key=lambda s: s.values["submitted_at"])
    first = (Demand.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    uuid_field = Demand._meta.get_field("token")
    names = {u.pk: u.display_label for users in ctx.users.values() for u in users}
    demand_rows, assignment_rows, event_rows, comment_rows = [], [], [], []
    columns = [
        "id",
        "number",
        "token",
        "title",
        "source_visit_id",
        "lat",
        "long",
        "merged_into_id",
        "group_id",
        "created_at",
        "updated_at",
    ]
    value_columns = list(stories[0].values) if stories else []
    for offset, story in enumerate(stories):
        pk = first + offset
        v = story.values
        last = max(e[0] for e in story.events)
        year = timezone.localtime(v["submitted_at"]).year
        token = uuid_field.get_db_prep_value(uuid.UUID(int=rng.getrandbits(128)), connection)
        head = (pk, f"SQ{year}{pk:06d}", token, "", None, None, None, None, None)
        demand_rows.append((*head, _db(v["submitted_at"]), _db(last), *(_db(v[c]) for c in value_columns)))
        for a in story.assignments:
            assignment_rows.append(
                (
                    pk,
                    a["department_id"],
                    a["role"],
                    a.get("status", AssignmentStatus.ACTIVE),
                    a["assigned_by_id"],
                    "",
                    _db(a.get("ended_at")),
                    a.get("end_reason", ""),
                    _db(a["created_at"]),
                    _db(a.get("ended_at") or a["created_at"]),
                )
            )
        for when, kind, actor, frm, to, note, public in story.events:
            event_rows.append(
                (
                    pk,
                    _db(when),
                    kind,
                    getattr(actor, "pk", None),
                    names.get(getattr(actor, "pk", None), "系统") if actor else "系统",
                    frm,
                    to,
                    note,
                    public,
                )
            )
        for when, actor, body, public in story.comments:
            comment_rows.append(
                (
                    pk,
                    getattr(actor, "pk", None),
                    getattr(actor, "display_label", ""),
                    body,
                    public,
                    _db(when),
                    _db(when),
                )
            )
    with transaction.atomic():
        ctx.insert(Demand, columns + value_columns, demand_rows)
        ctx.insert(
            DemandAssignment,
            [
                "demand_id",
                "department_id",
                "role",
                "status",
                "assigned_by_id",
                "note",
                "ended_at",
                "end_reason",
                "created_at",
                "updated_at",
            ],
            assignment_rows,
        )
        ctx.insert(
            DemandEvent,
            [
                "demand_id",
                "created_at",
                "kind",
                "actor_id",
                "actor_label",
                "from_status",
                "to_status",
                "note",
                "is_public",
            ],
            event_rows,
        )
        ctx.insert(
            DemandComment,
            ["demand_id", "author_id", "author_label", "body", "is_public", "created_at", "updated_at"],
            comment_rows,
        )
    reset_sequences(Demand, DemandAssignment, DemandEvent, DemandComment)
    by_status: dict[str, int] = {}
    for story in stories:
        by_status[story.values["status"]] = by_status.get(story.values["status"], 0) + 1
    ctx.log(
        f"诉求 {len(stories):,} 件: " + "，".join(f"{S(k).label} {n}" for k, n in sorted(by_status.items()))
    )


def demo_demands_exist(ctx: DemoContext) -> bool:
    from wutong.demands.models import Demand

    return Demand.objects.filter(enterprise__source=SourceKind.DEMO).exists()


def reset_demands(ctx: DemoContext) -> None:
    """Delete the demo enterprises' demands (before the enterprises go: a demand protects its firm)."""
    from wutong.demands.models import Demand, DemandGroup

    with transaction.atomic():
        demo = Demand.objects.filter(enterprise__source=SourceKind.DEMO)
        Demand.objects.filter(merged_into__in=demo).update(merged_into=None)
        deleted, _ = demo.delete()
        DemandGroup.objects.filter(demands__isnull=True).delete()
    ctx.log(f"已删除演示诉求相关记录 {deleted:,} 行")


register_builder("demands", build_demands, order=300, exists=demo_demands_exist, reset=reset_demands)
