"""Changes to the core reference data: the holiday calendar staff keep up to date.

``chinesecalendar`` knows the State Council's holiday notices up to 2026; each December the
bureau enters the next year's notice here (one day at a time, or by pasting the notice as lines).
Every service checks ``core.manage_holidays``, writes in one transaction with one audit entry,
and tells the working-day calendar to forget its cached years.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from wutong.accounts.roles import has_capability
from wutong.core import audit, workdays
from wutong.core.choices import HolidayKind
from wutong.core.exceptions import DomainError
from wutong.core.models import Holiday

CAPABILITY = "core.manage_holidays"
NAME_MAX = Holiday._meta.get_field("name").max_length or 50

#: Words accepted for the kind column of a pasted notice (English codes and the usual Chinese).
KIND_WORDS: dict[str, str] = {
    "holiday": HolidayKind.HOLIDAY,
    "休": HolidayKind.HOLIDAY,
    "假": HolidayKind.HOLIDAY,
    "放假": HolidayKind.HOLIDAY,
    "休息": HolidayKind.HOLIDAY,
    "节假日": HolidayKind.HOLIDAY,
    "workday": HolidayKind.WORKDAY,
    "班": HolidayKind.WORKDAY,
    "上班": HolidayKind.WORKDAY,
    "调休": HolidayKind.WORKDAY,
    "调休上班": HolidayKind.WORKDAY,
}


def _require(actor: Any) -> None:
    if not has_capability(actor, CAPABILITY):
        raise PermissionDenied(_("无权维护基础数据"))


def _check_day(day: dt.date, kind: str) -> str | None:
    """Why this (date, kind) cannot be entered, or None. A 调休 workday only makes sense on a weekend."""
    if kind not in HolidayKind.values:
        return _("类型应为 holiday（节假日）或 workday（调休上班）")
    if kind == HolidayKind.WORKDAY and day.weekday() < 5:
        return _("%(date)s 是工作日（周一至周五），无需登记为调休上班日") % {"date": day.isoformat()}
    return None


def _after_change() -> None:
    workdays.invalidate()
    transaction.on_commit(workdays.invalidate)


def add_holiday(*, date: dt.date, kind: str, name: str = "", actor: Any) -> Holiday:
    """Staff enter one day of a holiday notice: a day off, or a weekend day worked in lieu (调休)."""
    _require(actor)
    problem = _check_day(date, kind)
    if problem:
        raise DomainError(problem, field="kind" if kind not in HolidayKind.values else "date")
    if len(name) > NAME_MAX:
        raise DomainError(_("名称最多 %(max)s 个字") % {"max": NAME_MAX}, field="name")
    if Holiday.objects.filter(date=date).exists():
        raise DomainError(_("%(date)s 已有记录，请先删除再添加") % {"date": date.isoformat()}, field="date")
    with transaction.atomic():
        holiday = Holiday.objects.create(date=date, kind=kind, name=name)
        audit.record(
            "core.holiday.added",
            actor=actor,
            target=holiday,
            changes=audit.diff({}, audit.snapshot(holiday)),
        )
        _after_change()
    return holiday


def remove_holiday(holiday: Holiday, *, actor: Any) -> None:
    """Staff delete a wrongly entered day; the calendar falls back to the library for that date."""
    _require(actor)
    with transaction.atomic():
        before = audit.snapshot(holiday)
        label = str(holiday)
        audit.record(
            "core.holiday.removed",
            actor=actor,
            target=holiday,
            target_label=label,
            changes=audit.diff(before, {}),
        )
        holiday.delete()
        _after_change()


@dataclass
class ParsedNotice:
    """The lines of a pasted notice: what would be written, or the numbered problems."""

    rows: list[tuple[dt.date, str, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


class HolidayImportError(DomainError):
    """A pasted notice had bad lines; nothing was written. ``errors`` holds (line number, message)."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        message = "；".join(_("第 %(line)s 行：%(msg)s") % {"line": n, "msg": m} for n, m in errors)
        super().__init__(message, field="text")
        self.errors = errors


def parse_notice(text: str) -> ParsedNotice:
    """Read lines ``YYYY-MM-DD kind [name]``; blank lines and lines starting with ``#`` are skipped.

    ``kind`` is ``holiday``/``workday`` or 休/班 (see ``KIND_WORDS``). Every line is checked, so
    staff see all problems at once, each with its line number.
    """
    parsed = ParsedNotice()
    seen: dict[dt.date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.replace("\t", " ").replace("，", " ").replace(",", " ").split(maxsplit=2)
        if len(parts) < 2:
            parsed.errors.append((number, _("格式应为“日期 类型 名称”，例如 2027-01-01 holiday 元旦")))
            continue
        try:
            day = dt.date.fromisoformat(parts[0].replace("/", "-"))
        except ValueError:
            parsed.errors.append(
                (number, _("日期“%(value)s”无法识别，应为 YYYY-MM-DD") % {"value": parts[0]})
            )
            continue
        kind = KIND_WORDS.get(parts[1].lower())
        if kind is None:
            parsed.errors.append(
                (number, _("类型“%(value)s”无法识别，应为 holiday 或 workday") % {"value": parts[1]})
            )
            continue
        name = parts[2].strip() if len(parts) > 2 else ""
        problem = _check_day(day, kind)
        if problem:
            parsed.errors.append((number, problem))
        elif len(name) > NAME_MAX:
            parsed.errors.append((number, _("名称最多 %(max)s 个字") % {"max": NAME_MAX}))
        elif day in seen:
            parsed.errors.append(
                (number, _("%(date)s 与第 %(line)s 行重复") % {"date": day.isoformat(), "line": seen[day]})
            )
        else:
            seen[day] = number
            parsed.rows.append((day, kind, name))
    return parsed


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def import_holiday_notice(text: str, *, actor: Any) -> ImportResult:
    """Staff paste a State Council notice as lines; all lines are written or none.

    A date already in the table takes the pasted kind and name (re-pasting a corrected notice is
    how staff fix it). One audit entry lists every date written.
    """
    _require(actor)
    parsed = parse_notice(text)
    if parsed.errors:
        raise HolidayImportError(parsed.errors)
    if not parsed.rows:
        raise HolidayImportError([(1, _("没有可导入的行"))])
    with transaction.atomic():
        existing = {
            h.date: h
            for h in Holiday.objects.select_for_update().filter(date__in=[r[0] for r in parsed.rows])
        }
        new, changed, unchanged = [], [], 0
        for day, kind, name in parsed.rows:
            holiday = existing.get(day)
            if holiday is None:
                new.append(Holiday(date=day, kind=kind, name=name))
            elif (holiday.kind, holiday.name) != (kind, name):
                holiday.kind, holiday.name = kind, name
                changed.append(holiday)
            else:
                unchanged += 1
        Holiday.objects.bulk_create(new)
        Holiday.objects.bulk_update(changed, ["kind", "name"])
        years = sorted({day.year for day, _kind, _name in parsed.rows})
        audit.record(
            "core.holiday.imported",
            actor=actor,
            target_label=_("节假日通知（%(years)s 年）") % {"years": "、".join(map(str, years))},
            data={
                "created": [[h.date, h.kind, h.name] for h in new],
                "updated": [[h.date, h.kind, h.name] for h in changed],
                "unchanged": unchanged,
            },
        )
        _after_change()
    return ImportResult(created=len(new), updated=len(changed), unchanged=unchanged)
