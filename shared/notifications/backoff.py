"""When a failed delivery is tried again: exponential back-off with jitter, or the receiver's
``Retry-After`` (429/503) when it asks for longer, within caps.

After attempt ``n`` fails, the next waits a random time in ``[d/2, d]`` where
``d = min(base * 2**(n-1), MAX_DELAY)`` ("equal jitter": retries of many deliveries that
failed together spread out, and none comes sooner than half the schedule). ``base`` is the
``NOTIFICATION_RETRY_DELAY`` setting (one minute by default: about 1, 2, 4 and 8 minutes
between the five attempts). A ``Retry-After`` (seconds or an HTTP date) longer than that is
honoured up to ``MAX_RETRY_AFTER``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

MAX_DELAY = timedelta(hours=1)
MAX_RETRY_AFTER = timedelta(hours=1)
RETRY_AFTER_STATUSES = frozenset({429, 503})


def schedule(attempt: int, base: timedelta) -> timedelta:
    """The longest wait after failed attempt ``attempt`` (1-based), before jitter."""
    exponent = min(max(attempt, 1) - 1, 30)  # 2**30 minutes is far past the cap anyway
    grown: timedelta = base * (2 ** exponent)
    return min(grown, MAX_DELAY)


def next_delay(attempt: int, base: timedelta, retry_after: timedelta | None = None,
               rng: random.Random | None = None) -> timedelta:
    """How long to wait before the attempt after ``attempt``."""
    ceiling = schedule(attempt, base)
    fraction = (rng or random).uniform(0.5, 1.0)
    wait = ceiling * fraction
    if retry_after is not None:
        wait = max(wait, min(retry_after, MAX_RETRY_AFTER))
    return wait


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as RFC 9110 writes it: delay-seconds or an HTTP date; None when absent
    or unreadable (the back-off then applies alone). A date in the past is no wait."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return min(timedelta(seconds=int(text[:12])), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" or an obsolete form without a zone: GMT per RFC 9110
        when = when.replace(tzinfo=UTC)
    return min(max(when - now, timedelta(0)), MAX_RETRY_AFTER)
