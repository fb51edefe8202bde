"""NCRONTAB parsing and next-occurrence computation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devhost import ncrontab
from devhost.ncrontab import CronError


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        # Daily at 02:00, the app's sweep schedule.
        ("0 0 2 * * *", "2024-01-01T01:59:59", "2024-01-01T02:00:00"),
        ("0 0 2 * * *", "2024-01-01T02:00:00", "2024-01-02T02:00:00"),  # strictly after
        ("0 0 2 * * *", "2024-12-31T03:00:00", "2025-01-01T02:00:00"),  # year rollover
        # Seconds come first.
        ("*/5 * * * * *", "2024-01-01T10:00:03", "2024-01-01T10:00:05"),
        ("*/5 * * * * *", "2024-01-01T10:00:59.500", "2024-01-01T10:01:00"),
        ("30 * * * * *", "2024-01-01T10:00:30", "2024-01-01T10:01:30"),
        # Lists, ranges, ranged steps, and `a/n` (from a to the top of the field).
        ("0 0 8,20 * * *", "2024-01-01T08:00:00", "2024-01-01T20:00:00"),
        ("0 0 1-10/3 * * *", "2024-01-01T04:00:00", "2024-01-01T07:00:00"),
        ("0 0 1-10/3 * * *", "2024-01-01T10:00:00", "2024-01-02T01:00:00"),
        ("5/20 * * * * *", "2024-01-01T00:00:25", "2024-01-01T00:00:45"),
        ("5/20 * * * * *", "2024-01-01T00:00:45", "2024-01-01T00:01:05"),
        ("0 0,30 9-10 * * *", "2024-01-01T10:30:00", "2024-01-02T09:00:00"),
        # Working hours, weekdays: Friday evening -> Monday morning.
        ("0 */15 9-17 * * 1-5", "2024-06-07T17:45:00", "2024-06-10T09:00:00"),
        # Sunday is 0; names work for days and months.
        ("0 0 0 * * 0", "2024-06-01T12:00:00", "2024-06-02T00:00:00"),
        ("0 30 9 * * Mon", "2024-06-04T00:00:00", "2024-06-10T09:30:00"),
        ("0 0 0 1 jan *", "2024-06-01T00:00:00", "2025-01-01T00:00:00"),
        ("0 0 0 1 Mar-May *", "2024-03-01T00:00:00", "2024-04-01T00:00:00"),
        # Months without day 31 are skipped; Feb 29 waits for a leap year.
        ("0 0 0 31 * *", "2024-01-31T00:00:00", "2024-03-31T00:00:00"),
        ("0 0 12 29 2 *", "2023-03-01T00:00:00", "2024-02-29T12:00:00"),
        # Day of month AND day of week (NCRONTAB, unlike Vixie cron): Friday the 13th.
        ("0 0 0 13 * 5", "2024-01-01T00:00:00", "2024-09-13T00:00:00"),
        ("0 0 0 13 * 5", "2024-09-13T00:00:00", "2024-12-13T00:00:00"),
        # Every month on the last possible days.
        ("0 0 0 30 * *", "2024-01-30T00:00:00", "2024-03-30T00:00:00"),
        ("59 59 23 31 12 *", "2024-06-01T00:00:00", "2024-12-31T23:59:59"),
        ("59 59 23 31 12 *", "2024-12-31T23:59:59", "2025-12-31T23:59:59"),
        # Extra spaces between fields are fine.
        ("0  0  2 * *  *", "2024-01-01T00:00:00", "2024-01-01T02:00:00"),
    ],
)
def test_next_occurrence(expression, after, expected):
    assert ncrontab.parse(expression).next_after(at(after)) == at(expected)


def test_next_occurrence_keeps_timezone():
    result = ncrontab.parse("0 0 2 * * *").next_after(at("2024-01-01T00:00:00"))
    assert result.tzinfo is UTC


def test_consecutive_occurrences_every_ten_minutes():
    schedule = ncrontab.parse("0 */10 * * * *")
    t = at("2024-01-01T23:35:12")
    seen = []
    for _ in range(4):
        t = schedule.next_after(t)
        seen.append(t)
    assert seen == [
        at(x)
        for x in (
            "2024-01-01T23:40:00",
            "2024-01-01T23:50:00",
            "2024-01-02T00:00:00",
            "2024-01-02T00:10:00",
        )
    ]


@pytest.mark.parametrize(
    "expression",
    ["*/7 */3 * * * *", "15,45 0-5 */2 * * 1,3", "0 0 12 * * 6", "0 */20 * 1-3 * *"],
)
def test_agrees_with_brute_force_search(expression):
    schedule = ncrontab.parse(expression)
    start = at("2024-02-27T21:13:07")
    # Minute by minute, trying only the listed seconds, keeps the scan quick but naive.
    minute, expected = start.replace(second=0), []
    while len(expected) < 5 and minute < start + timedelta(days=21):
        for second in sorted(schedule.seconds):
            t = minute.replace(second=second)
            if t > start and schedule.matches(t) and len(expected) < 5:
                expected.append(t)
        minute += timedelta(minutes=1)
    got, t = [], start
    for _ in expected:
        t = schedule.next_after(t)
        got.append(t)
    assert got == expected and expected


def test_matches():
    schedule = ncrontab.parse("0 0 2 * * *")
    assert schedule.matches(at("2024-05-05T02:00:00"))
    assert not schedule.matches(at("2024-05-05T02:00:01"))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 0 * * *", "expected 6 fields"),
        ("0 0 0 * * * *", "expected 6 fields"),
        ("60 * * * * *", "60 is outside 0-59"),
        ("* 60 * * * *", "outside 0-59"),
        ("* * 24 * * *", "outside 0-23"),
        ("* * * 0 * *", "outside 1-31"),
        ("* * * * 13 *", "outside 1-12"),
        ("* * * * * 7", "outside 0-6"),
        ("* * * * * 5-1", "range start is after its end"),
        ("*/0 * * * * *", "step must be a positive number"),
        ("*/x * * * * *", "step must be a positive number"),
        ("a * * * * *", "is not a number"),
        ("* * * * foo *", "is not a number"),
        ("1,,2 * * * * *", "is not a number"),
        ("0 0 0 30 2 *", "never occurs"),
    ],
)
def test_rejects_invalid_expressions(expression, message):
    with pytest.raises(CronError, match=message):
        ncrontab.parse(expression)
