"""Marks that make a profile change's re-scoring survive a crash (services/refit.py).

The same idea as the outbox's index rows: the mark is written before the profile, and
cleared only once every re-score batch is on the queue. A process that dies in between
leaves the mark, and the redispatch timer fans the re-scoring out again. A mark left by a
change that died before its profile write costs one re-score that changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol


class RefitMarks(Protocol):
    def mark(self, partner_id: str, now: datetime) -> str:
        """Record that the partner's received referrals need re-scoring; returns the token
        ``clear`` needs (marking again gives a new one)."""

    def clear(self, partner_id: str, token: str) -> None:
        """Drop the mark unless it was set again after ``token``: that later change's
        re-scoring is still to be enqueued, and clears its own mark. Gone already is fine."""

    def stale(self, cutoff: datetime) -> Iterator[tuple[str, str]]:
        """(partner id, token) of the marks set before ``cutoff``."""
