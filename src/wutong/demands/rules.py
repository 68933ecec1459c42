"""Pure decisions about demands: which step is allowed in which state for whom, and the clocks.

Every "no" says why. Services call :func:`check` before they change anything; pages call
:func:`available_actions` to show only the buttons that would work.

Clock definitions (documented here because the ledger, the escalation job and the statistics all
depend on them):

* acceptance: ``accept_due = add_working_days(submitted date, category.accept_days)`` (default 1),
  due at the end of that day.
* reply: ``reply_due = add_working_days(start, category.reply_days)`` where ``start`` is the
  submission date (or the reopening date after a reopen); due at the end of that day.
* yellow light (临期): from ``warn_on = add_working_days(start, ceil(0.8 × days))``, the first day
  on which 80 % of the working days are used up when that day is counted as used.
* red light (超期): the day after the due date.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from wutong.accounts.choices import Role
from wutong.core import workdays
from wutong.demands.choices import DeadlineState, DemandStatus

S = DemandStatus

#: action -> (states it may start from, capability it needs). The state it leads to is in the service.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({S.SUBMITTED}), "demands.accept"),
    "reject": (frozenset({S.SUBMITTED, S.ACCEPTED, S.RETURNED}), "demands.reject"),
    "route": (frozenset({S.ACCEPTED, S.RETURNED}), "demands.route"),
    "start": (frozenset({S.ROUTED}), "demands.handle"),
    "transfer": (frozenset({S.ROUTED, S.IN_PROGRESS}), "demands.reassign"),
    "return": (frozenset({S.ROUTED, S.IN_PROGRESS}), "demands.handle"),
    "reply": (frozenset({S.ROUTED, S.IN_PROGRESS}), "demands.handle"),
    "rate": (frozenset({S.REPLIED}), "demands.rate"),
    "close": (frozenset({S.REPLIED}), "demands.close"),
    "reopen": (frozenset({S.REPLIED, S.CLOSED}), "demands.reopen"),
    "merge": (
        frozenset({S.SUBMITTED, S.ACCEPTED, S.ROUTED, S.IN_PROGRESS, S.RETURNED}),
        "demands.merge",
    ),
    "comment": (frozenset(set(S) - {S.MERGED}), "demands.comment"),
}

ACTION_LABELS = {
    "accept": _l("签收"),
    "reject": _l("不予受理"),
    "route": _l("交办"),
    "start": _l("开始办理"),
    "transfer": _l("改派"),
    "return": _l("退回"),
    "reply": _l("答复"),
    "rate": _l("评价"),
    "close": _l("办结"),
    "reopen": _l("重新办理"),
    "merge": _l("合并"),
    "comment": _l("留言"),
}

#: Actions only a member of the active lead department may take ("only the lead department replies").
LEAD_ONLY = frozenset({"start", "return", "reply"})
#: Actions the enterprise itself may take on its own demand (staff may record a rating given by phone).
ENTERPRISE_ACTIONS = frozenset({"rate", "comment"})

#: A rating at or below this reopens the demand instead of closing it.
POOR_RATING = 2


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class Facts:
    """What a decision needs to know about the actor and the demand (no database access)."""

    status: str
    role: str | None
    capabilities: frozenset[str]
    in_lead_department: bool = False
    own_enterprise: bool = False


def decide(action: str, facts: Facts) -> Decision:
    """May the actor take ``action`` now? Explained either way."""
    if action not in TRANSITIONS:
        return Decision(False, _("未知的操作：%(action)s") % {"action": action})
    states, capability = TRANSITIONS[action]
    label = ACTION_LABELS[action]
    status_label = S(facts.status).label
    if facts.status not in states:
        allowed = "、".join(str(S(s).label) for s in S if s in states)
        return Decision(
            False,
            _("诉求当前为“%(status)s”，不能%(action)s（仅“%(allowed)s”状态可以）")
            % {"status": status_label, "action": label, "allowed": allowed},
        )
    if capability not in facts.capabilities:
        return Decision(False, _("您的角色无权%(action)s诉求") % {"action": label})
    if facts.role == Role.ENTERPRISE and (action not in ENTERPRISE_ACTIONS or not facts.own_enterprise):
        return Decision(False, _("企业用户只能对本企业的诉求评价或留言"))
    if action in LEAD_ONLY and not facts.in_lead_department:
        return Decision(False, _("只有主办单位可以%(action)s") % {"action": label})
    if facts.role == Role.PARTNER and action not in LEAD_ONLY | {"comment"}:
        return Decision(False, _("协办部门不能%(action)s") % {"action": label})
    return Decision(True, _("可以%(action)s") % {"action": label})


def status_after_rating(rating: int) -> str:
    """A rating of 3 or more closes the demand; 1–2 sends it back to the lead department."""
    return S.IN_PROGRESS if rating <= POOR_RATING else S.CLOSED


# --- Clocks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    start: dt.date
    due: dt.date
    warn_on: dt.date
    warnings: tuple[str, ...]


def clock(start: dt.date, working_days: int) -> Clock:
    """The due date and the yellow-light date of a clock of ``working_days`` starting on ``start``."""
    days = max(1, working_days)
    due = workdays.add_working_days(start, days)
    warn_on = workdays.add_working_days(start, math.ceil(0.8 * days))
    return Clock(start, due, warn_on, tuple(workdays.calendar_warnings(start, due)))


def deadline_state(
    *, status: str, today: dt.date, accept_due: dt.date, reply_due: dt.date, reply_warn_on: dt.date
) -> str:
    """The traffic light of one demand on ``today`` (the SQL twin is ``queries.with_deadline_state``)."""
    if status == S.SUBMITTED:
        if today > accept_due:
            return DeadlineState.OVERDUE
        return DeadlineState.WARNING if today >= accept_due else DeadlineState.OK
    if status in (S.ACCEPTED, S.ROUTED, S.IN_PROGRESS, S.RETURNED):
        if today > reply_due:
            return DeadlineState.OVERDUE
        return DeadlineState.WARNING if today >= reply_warn_on else DeadlineState.OK
    return DeadlineState.STOPPED


def escalation_target(*, overdue_working_days: int, level_two_after: int) -> int:
    """Escalation level an overdue demand should have: 1 once overdue, 2 after ``level_two_after``
    further working days overdue (督办). 0 when not overdue."""
    if overdue_working_days <= 0:
        return 0
    return 2 if overdue_working_days > level_two_after else 1
