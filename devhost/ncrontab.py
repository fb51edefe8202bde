"""NCRONTAB expressions as the Functions timer trigger reads them.

Six fields, seconds first: `sec min hour day month day-of-week`. Each field takes `*`, a
number, a list `a,b`, a range `a-b`, and steps `*/n`, `a-b/n` and `a/n` (from a to the top of
the field). Months and days of the week may be written as names (`Jan`, `Mon`). Day-of-week
is 0-6 with Sunday = 0.

Unlike classic (Vixie) cron, NCRONTAB requires the day of the month AND the day of the week
to match when both are restricted: `0 0 0 13 * 5` is Friday the 13th only.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from devhost import DevhostError

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: dict[str, int]


_FIELDS = (
    _Field("second", 0, 59, {}),
    _Field("minute", 0, 59, {}),
    _Field("hour", 0, 23, {}),
    _Field("day", 1, 31, {}),
    _Field("month", 1, 12, {n: i + 1 for i, n in enumerate(_MONTHS)}),
    _Field("day-of-week", 0, 6, {n: i for i, n in enumerate(_DAYS)}),
)

# The Gregorian calendar repeats every 400 years, so a schedule with no occurrence in that
# span (e.g. Feb 29 that must also be a weekday that never coincides) has none at all.
_SEARCH_SPAN = timedelta(days=146097)


class CronError(DevhostError):
    pass


@dataclass(frozen=True)
class CronSchedule:
    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]

    def matches(self, moment: datetime) -> bool:
        return (
            moment.second in self.seconds
            and moment.minute in self.minutes
            and moment.hour in self.hours
            and self._day_matches(moment)
        )

    def _day_matches(self, moment: datetime) -> bool:
        return (
            moment.month in self.months
            and moment.day in self.days
            and (moment.weekday() + 1) % 7 in self.days_of_week
        )

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after `moment` (same tzinfo; sub-seconds dropped)."""
        t = moment.replace(microsecond=0) + timedelta(seconds=1)
        limit = t + _SEARCH_SPAN
        while t < limit:
            if t.month not in self.months:
                year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
                t = t.replace(year=year, month=month, day=1, hour=0, minute=0, second=0)
            elif not self._day_matches(t):
                t = t.replace(hour=0, minute=0, second=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0, second=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t = t.replace(second=0) + timedelta(minutes=1)
            elif t.second not in self.seconds:
                t += timedelta(seconds=1)
            else:
                return t
        raise CronError(f"schedule {self.expression!r} never occurs")

    def __str__(self) -> str:
        return self.expression


def parse(expression: str) -> CronSchedule:
    parts = expression.split()
    if len(parts) != 6:
        raise CronError(
            f"invalid NCRONTAB {expression!r}: expected 6 fields "
            f"(second minute hour day month day-of-week), got {len(parts)}"
        )
    sets = [_parse_field(text, spec, expression) for text, spec in zip(parts, _FIELDS, strict=True)]
    schedule = CronSchedule(expression, *sets)
    _check_possible(schedule)
    return schedule


def _parse_field(text: str, field: _Field, expression: str) -> frozenset[int]:
    values: set[int] = set()
    for item in text.split(","):
        values.update(_parse_item(item, field, expression))
    return frozenset(values)


def _parse_item(item: str, field: _Field, expression: str) -> range:
    def fail(why: str) -> CronError:
        return CronError(f"invalid NCRONTAB {expression!r}: {field.name} field {item!r}: {why}")

    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise fail("step must be a positive number")
        step = int(step_text)
    if base == "*":
        low, high = field.low, field.high
    elif "-" in base:
        first, _, last = base.partition("-")
        low, high = _value(first, field, fail), _value(last, field, fail)
        if low > high:
            raise fail("range start is after its end")
    else:
        low = _value(base, field, fail)
        # `a/n` means "from a, every n, to the top of the field"; a bare `a` is just a.
        high = field.high if slash else low
    return range(low, high + 1, step)


def _value(text: str, field: _Field, fail: Callable[[str], CronError]) -> int:
    lowered = text.strip().lower()
    if lowered in field.names:
        return field.names[lowered]
    if not lowered.isdigit():
        raise fail(f"{text!r} is not a number")
    value = int(lowered)
    if not field.low <= value <= field.high:
        raise fail(f"{value} is outside {field.low}-{field.high}")
    return value


def _check_possible(schedule: CronSchedule) -> None:
    # Catch "Feb 30" at parse time rather than after a 400-year search; 2000 is a leap year.
    longest = max(calendar.monthrange(2000, m)[1] for m in schedule.months)
    if min(schedule.days) > longest:
        raise CronError(f"schedule {schedule.expression!r} never occurs (no such day)")
