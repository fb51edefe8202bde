"""At most ``PARTNER_CENTER_MAX_RPS`` Partner Center requests a second per partner.

``RateLimiter`` is the port every request goes through; ``TokenBucket`` keeps the budget
within one process. Across workers the budget must be shared (the lead's choice: e.g. a
Table-backed limiter behind the same port), since each worker's own bucket would let N
workers send N times the rate.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class RateLimiter(Protocol):
    def acquire(self, partner_id: str) -> None:
        """Return when one more request for ``partner_id`` fits the budget (may sleep)."""


class Unlimited:
    """No budget at all (tests, tools)."""

    def acquire(self, partner_id: str) -> None:
        return None


class TokenBucket:
    """A bucket per partner, ``rate`` tokens a second, holding at most ``burst``.

    ``burst`` defaults to 1: requests are spaced ``1/rate`` apart, so no one-second window
    ever sees more than ``rate`` of them (plus the one at its edge). A larger burst lets a
    short run go out at once and then settles to the rate."""

    def __init__(self, rate: float, burst: float = 1.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._rate, self._burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # partner -> (tokens, at)

    def acquire(self, partner_id: str) -> None:
        while True:
            wait = self._take(partner_id)
            if wait <= 0:
                return
            self._sleep(wait)  # outside the lock: other partners are not held up

    def _take(self, partner_id: str) -> float:
        """Take a token and return 0, or return how long until one is there."""
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(partner_id, (self._burst, now))
            tokens = min(self._burst, tokens + (now - at) * self._rate)
            if tokens >= 1:
                self._buckets[partner_id] = (tokens - 1, now)
                return 0.0
            self._buckets[partner_id] = (tokens, now)
            return (1 - tokens) / self._rate
