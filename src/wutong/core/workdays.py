"""The working-day calendar: which days the bureau works, and deadlines counted in working days.

Sources, in order of authority:

1. the :class:`~wutong.core.models.Holiday` table (staff enter the State Council's notice there; a
   row of kind ``holiday`` makes a day off, ``workday`` makes a weekend day a 调休 working day);
2. ``chinesecalendar`` (``chinese_calendar``), which knows 2004–2026;
3. for a year neither knows: Monday–Friday, with a warning from :func:`calendar_warnings` that the
   year's holidays are missing. Never a crash: ``chinese_calendar`` raises ``NotImplementedError``
   for unknown years and that is caught here.

A year counts as *covered* when the library knows it or the table has at least one row for it.

Speed: each year is computed once into a day-by-day table with running totals, so
:func:`working_days_between` is O(years) and :func:`add_working_days` jumps whole years. Tables
are kept per process and rebuilt when :func:`invalidate` is called (the holiday services do, in
the transaction and again on commit) or the shared cache's version number changes (so every
process sees a change when the cache is Redis), and at the latest after ``MAX_AGE`` seconds.

Definitions (documented here because SLA code depends on them):

* ``add_working_days(start, n)`` with ``n > 0`` is the n-th working day *after* ``start``;
  ``start`` itself is not counted (received Friday, 1 working day → Monday).
* ``n == 0`` returns ``start`` if it is a working day, otherwise the next working day (a matter
  received on a Sunday and due "the same working day" is due Monday).
* ``n < 0`` goes back: the |n|-th working day *before* ``start`` (``start`` not counted).
* ``working_days_between(a, b)`` counts working days in the half-open interval ``(a, b]``, and is
  negative when ``b < a``. So for ``n > 0``, ``working_days_between(s, add_working_days(s, n)) == n``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import chinese_calendar
from django.core.cache import cache
from django.utils.translation import gettext as _

from wutong.core.choices import HolidayKind

VERSION_KEY = "wutong:core:holidays:version"
MAX_AGE = 600  # seconds: bound on staleness if an invalidation was missed (e.g. a rolled-back write)


@dataclass(frozen=True)
class YearCalendar:
    """One year, day by day. ``cumulative[i]`` = working days among the year's first ``i`` days."""

    year: int
    flags: bytes
    cumulative: tuple[int, ...]
    library: bool  # chinese_calendar knows this year
    table_rows: int  # rows in the Holiday table for this year
    built_at: float

    @property
    def covered(self) -> bool:
        return self.library or self.table_rows > 0

    @property
    def total(self) -> int:
        return self.cumulative[-1]

    def index(self, day: dt.date) -> int:
        return day.toordinal() - dt.date(self.year, 1, 1).toordinal()


_lock = threading.Lock()
_years: dict[int, YearCalendar] = {}
_seen_version: object = None


def library_knows(year: int) -> bool:
    """Whether ``chinese_calendar`` has holiday data for ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _build(year: int) -> YearCalendar:
    from wutong.core.models import Holiday

    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    days = [first + dt.timedelta(days=i) for i in range(length)]
    library = library_knows(year)
    if library:
        working = [chinese_calendar.is_workday(day) for day in days]
    else:
        working = [day.weekday() < 5 for day in days]
    rows = list(Holiday.objects.filter(date__year=year).values_list("date", "kind"))
    for day, kind in rows:
        working[(day - first).days] = kind == HolidayKind.WORKDAY
    cumulative = [0]
    for flag in working:
        cumulative.append(cumulative[-1] + flag)
    return YearCalendar(
        year=year,
        flags=bytes(working),
        cumulative=tuple(cumulative),
        library=library,
        table_rows=len(rows),
        built_at=time.monotonic(),
    )


def _check_version() -> None:
    global _seen_version
    version = cache.get(VERSION_KEY)
    if version != _seen_version:
        with _lock:
            _years.clear()
            _seen_version = version


def year_calendar(year: int) -> YearCalendar:
    """The (cached) calendar of one year."""
    _check_version()
    calendar = _years.get(year)
    if calendar is None or time.monotonic() - calendar.built_at > MAX_AGE:
        calendar = _build(year)
        with _lock:
            _years[year] = calendar
    return calendar


def invalidate() -> None:
    """Forget every cached year, here and (through the shared cache's version) in other processes."""
    global _seen_version
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)
    with _lock:
        _years.clear()
        _seen_version = cache.get(VERSION_KEY)


def is_working_day(day: dt.date) -> bool:
    calendar = year_calendar(day.year)
    return bool(calendar.flags[calendar.index(day)])


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days in ``(a, b]``; negative when ``b < a``; 0 when equal."""
    if b < a:
        return -working_days_between(b, a)
    if a.year == b.year:
        calendar = year_calendar(a.year)
        return calendar.cumulative[calendar.index(b) + 1] - calendar.cumulative[calendar.index(a) + 1]
    first = year_calendar(a.year)
    count = first.total - first.cumulative[first.index(a) + 1]
    for year in range(a.year + 1, b.year):
        count += year_calendar(year).total
    last = year_calendar(b.year)
    return count + last.cumulative[last.index(b) + 1]


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after ``start`` (before it when ``n < 0``); see the module docstring."""
    if n == 0:
        day = start
        while not is_working_day(day):
            day += dt.timedelta(days=1)
        return day
    if n < 0:
        return _subtract_working_days(start, -n)
    calendar = year_calendar(start.year)
    remaining = n
    done = calendar.cumulative[calendar.index(start) + 1]  # working days up to and including start
    while calendar.total - done < remaining:  # the target lies in a later year: jump over this one
        remaining -= calendar.total - done
        calendar = year_calendar(calendar.year + 1)
        done = 0
    target = done + remaining  # the target is this year's target-th working day
    index = _first_index_with_cumulative(calendar, target)
    return dt.date(calendar.year, 1, 1) + dt.timedelta(days=index)


def _first_index_with_cumulative(calendar: YearCalendar, target: int) -> int:
    """The day index whose running total first reaches ``target`` (binary search)."""
    low, high = 1, len(calendar.cumulative) - 1
    while low < high:
        middle = (low + high) // 2
        if calendar.cumulative[middle] >= target:
            high = middle
        else:
            low = middle + 1
    return low - 1


def _subtract_working_days(start: dt.date, n: int) -> dt.date:
    calendar = year_calendar(start.year)
    before = calendar.cumulative[calendar.index(start)]  # working days strictly before start
    remaining = n
    while before < remaining:
        remaining -= before
        calendar = year_calendar(calendar.year - 1)
        before = calendar.total
    target = before - remaining + 1
    index = _first_index_with_cumulative(calendar, target)
    return dt.date(calendar.year, 1, 1) + dt.timedelta(days=index)


def uncovered_years(d1: dt.date, d2: dt.date) -> list[int]:
    """Years between the two dates (inclusive) for which no holiday data is known."""
    low, high = sorted((d1.year, d2.year))
    return [year for year in range(low, high + 1) if not year_calendar(year).covered]


def calendar_warnings(d1: dt.date, d2: dt.date) -> list[str]:
    """Chinese messages for the years in ``[d1, d2]`` that neither the library nor the table covers.

    Show them next to any deadline computed over such a year: it was counted as Monday–Friday.
    """
    return [
        _(
            "%(year)s 年的法定节假日和调休尚未录入，期限按仅周末休息计算，可能不准确。"
            "请在“节假日与调休”中录入国务院办公厅的放假通知。"
        )
        % {"year": year}
        for year in uncovered_years(d1, d2)
    ]
