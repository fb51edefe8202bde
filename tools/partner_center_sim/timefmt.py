"""Partner Center's date-time format: UTC with seven fractional digits and ``Z`` (as in
"Create a referral"'s response example, ``2019-02-23T02:05:23.2931817Z``); events use the
``+00:00`` form of "Partner Center webhook events" (``ResourceChangeUtcDate``)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


def fmt(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0Z"


def fmt_event(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0+00:00"


def parse(text: str) -> datetime:
    """An ISO 8601 date-time (``Z`` or an offset; naive means UTC); ValueError otherwise."""
    value = datetime.fromisoformat(text.strip())
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Ticker:
    """Strictly increasing 'now' (per store), so that every change has its own
    ``updatedDateTime`` and ``updatedDateTime gt X`` never hides a change made in the same
    microsecond as X."""

    def __init__(self) -> None:
        self._last = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            now = datetime.now(UTC)
            self._last = max(now, self._last + timedelta(microseconds=1))
            return self._last
