"""The app's metrics: counters, each behind a small ``record_*`` function that does nothing
while telemetry is off.

- ``referrals.received``; ``referrals.answered`` {outcome: accepted, declined, won, lost};
  ``referrals.expired``: counted from the events a committed change raised (``record_events``
  is called where committed events are handed to the queue), so every path that creates or
  answers a referral (HTTP, Partner Center, marketplace, the sweep) counts once.
- ``referrals.deliveries`` {destination, result}: one per delivery attempt.
- ``partner_center.sync`` {result}, ``partner_center.connection.reconnect_required``: for the
  Partner Center connection (``record_sync``, ``record_reconnect_required``). The latter is a
  counter of connections found needing a new sign-in: how many need one *now* is stored state
  shared by every worker, which no one process can report; an alert fires on any increase.

Attributes are from closed sets of our own words: no ids (unbounded series) and no personal
data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.metrics import Counter, Meter

ANSWERS = {"referral.accepted": "accepted", "referral.declined": "declined",
           "referral.won": "won", "referral.lost": "lost"}


@dataclass(frozen=True)
class _Counters:
    received: Counter
    answered: Counter
    expired: Counter
    deliveries: Counter
    sync: Counter
    reconnect_required: Counter


_counters: _Counters | None = None


def activate(meter: Meter | None) -> None:
    """Called by setup (or a test) with the app's meter; None turns metrics off again."""
    global _counters
    if meter is None:
        _counters = None
        return
    _counters = _Counters(
        received=meter.create_counter("referrals.received", "{referral}",
                                      "Referrals received"),
        answered=meter.create_counter("referrals.answered", "{referral}",
                                      "Referrals accepted, declined, won or lost"),
        expired=meter.create_counter("referrals.expired", "{referral}",
                                     "Referrals whose response window closed"),
        deliveries=meter.create_counter("referrals.deliveries", "{attempt}",
                                        "Notification delivery attempts by result"),
        sync=meter.create_counter("partner_center.sync", "{sync}",
                                  "Partner Center syncs by result"),
        reconnect_required=meter.create_counter(
            "partner_center.connection.reconnect_required", "{connection}",
            "Partner Center connections found needing a new sign-in"),
    )


def record_events(event_types: Iterable[str]) -> None:
    """Count the referral events of one committed change (event type values)."""
    counters = _counters
    if counters is None:
        return
    for event_type in event_types:
        if event_type == "referral.received":
            counters.received.add(1)
        elif event_type == "referral.expired":
            counters.expired.add(1)
        elif event_type in ANSWERS:
            counters.answered.add(1, {"outcome": ANSWERS[event_type]})


def record_delivery(destination: str, result: str) -> None:
    if _counters is not None:
        _counters.deliveries.add(1, {"destination": destination, "result": result})


def record_sync(result: str) -> None:
    """One Partner Center sync ended: ``result`` from a closed set, e.g. ``succeeded``,
    ``failed``, ``throttled``, ``reconnectRequired``."""
    if _counters is not None:
        _counters.sync.add(1, {"result": result})


def record_reconnect_required() -> None:
    """A Partner Center connection was found needing a new sign-in (refresh refused)."""
    if _counters is not None:
        _counters.reconnect_required.add(1)
