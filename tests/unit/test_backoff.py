"""The delivery back-off schedule and Retry-After parsing (shared/notifications/backoff.py)."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from shared.notifications.backoff import (
    MAX_DELAY,
    MAX_RETRY_AFTER,
    next_delay,
    parse_retry_after,
    schedule,
)

BASE = timedelta(minutes=1)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_the_schedule_doubles_from_the_base_up_to_the_cap():
    assert [schedule(n, BASE) for n in range(1, 6)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert schedule(7, BASE) == MAX_DELAY and schedule(10_000, BASE) == MAX_DELAY
    assert schedule(1, timedelta(milliseconds=50)) == timedelta(milliseconds=50)


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 9])
def test_jitter_stays_within_half_and_all_of_the_schedule(attempt):
    rng = random.Random(attempt)
    waits = [next_delay(attempt, BASE, rng=rng) for _ in range(500)]
    ceiling = schedule(attempt, BASE)
    assert all(ceiling / 2 <= w <= ceiling for w in waits)
    assert len(set(waits)) > 400  # spread, not one value
    assert min(waits) < ceiling * 0.6 and max(waits) > ceiling * 0.9


def test_retry_after_wins_when_longer_and_is_capped():
    rng = random.Random(1)
    assert next_delay(1, BASE, timedelta(minutes=5), rng) == timedelta(minutes=5)
    assert next_delay(1, BASE, timedelta(days=2), rng) == MAX_RETRY_AFTER
    short = next_delay(3, BASE, timedelta(seconds=1), rng)
    assert timedelta(minutes=2) <= short <= timedelta(minutes=4)  # the back-off still holds


@pytest.mark.parametrize(("value", "wait"), [
    ("120", timedelta(seconds=120)),
    (" 0 ", timedelta(0)),
    ("99999999999999999999", MAX_RETRY_AFTER),
    ("Mon, 02 Nov 2026 09:02:30 GMT", timedelta(minutes=2, seconds=30)),
    ("Monday, 02-Nov-26 09:01:00 GMT", timedelta(minutes=1)),  # RFC 850, obsolete but valid
    ("Mon Nov  2 09:00:30 2026", timedelta(seconds=30)),  # asctime
    ("Sun, 01 Nov 2026 09:00:00 GMT", timedelta(0)),  # in the past: no wait
    ("Wed, 02 Dec 2026 09:00:00 GMT", MAX_RETRY_AFTER),
    (None, None), ("", None), ("soon", None), ("-5", None), ("1.5", None), ("١٢", None),
])
def test_retry_after_is_seconds_or_an_http_date(value, wait):
    assert parse_retry_after(value, NOW) == wait
