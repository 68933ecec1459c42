"""Pure decisions about visits: which step is allowed in which state, when a key enterprise is
overdue, and whether two visits are too close. No writes; every "no" says why."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from wutong.visits.choices import VisitStatus
from wutong.visits.models import DEFAULT_DOUBLE_VISIT_DAYS

S = VisitStatus


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


#: step -> the states it may start from.
TRANSITIONS: dict[str, frozenset[str]] = {
    "record": frozenset({S.PLANNED}),
    "cancel": frozenset({S.PLANNED}),
    "follow_up": frozenset({S.DONE}),
}


def can_step(step: str, status: str) -> Decision:
    """Whether a visit in ``status`` may take ``step`` (record, cancel, follow_up)."""
    if status in TRANSITIONS[step]:
        return Decision(True)
    label = S(status).label
    reasons = {
        "record": _("该走访状态为“%(s)s”，只能记录计划中的走访") % {"s": label},
        "cancel": _("该走访状态为“%(s)s”，只能取消计划中的走访") % {"s": label},
        "follow_up": _("走访记录完成后才能提出诉求等后续事项（当前：%(s)s）") % {"s": label},
    }
    return Decision(False, reasons[step])


def check_record_date(visit_date: dt.date, today: dt.date) -> Decision:
    """A visit is recorded as done on a day that has come; a future date is a plan."""
    if visit_date > today:
        return Decision(False, _("走访日期 %(d)s 在今天之后：未来的走访请先登记为计划") % {"d": visit_date})
    return Decision(True)


def check_plan_date(visit_date: dt.date, today: dt.date) -> Decision:
    if visit_date < today:
        return Decision(False, _("计划日期不能早于今天；已发生的走访请直接登记走访记录"))
    return Decision(True)


@dataclass(frozen=True)
class Due:
    """When a key-list member is next due for a visit, and whether that is past."""

    base: dt.date  # the last visit, or the day the firm joined the list if never visited
    cadence_days: int
    due_on: dt.date
    overdue: bool
    days_overdue: int

    @property
    def explanation(self) -> str:
        if self.overdue:
            return _("上次走访（或纳入名单）%(b)s，周期 %(c)s 天，应于 %(d)s 前走访，已超期 %(n)s 天") % {
                "b": self.base,
                "c": self.cadence_days,
                "d": self.due_on,
                "n": self.days_overdue,
            }
        return _("上次走访（或纳入名单）%(b)s，周期 %(c)s 天，%(d)s 前走访即可") % {
            "b": self.base,
            "c": self.cadence_days,
            "d": self.due_on,
        }


def visit_due(last_visit: dt.date | None, added_on: dt.date, cadence_days: int, today: dt.date) -> Due:
    """Overdue means ``max(last visit, added_on) + cadence < today``: the clock starts when the firm
    joins the list, and the day the cadence ends is still in time. The coverage query computes the
    same condition in SQL (:func:`wutong.visits.queries.annotate_due`)."""
    base = added_on if last_visit is None else max(last_visit, added_on)
    due_on = base + dt.timedelta(days=cadence_days)
    late = (today - due_on).days
    return Due(base, cadence_days, due_on, late > 0, max(late, 0))


def double_visit_window(list_days: list[int | None]) -> int:
    """The window for an enterprise on several lists: the widest any list asks for (default 14)."""
    days = [d for d in list_days if d is not None]
    return max(days) if days else DEFAULT_DOUBLE_VISIT_DAYS
