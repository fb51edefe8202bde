"""What Partner Center holds of a referral it sent, and the rules for keeping it right
(contract section 9): which local changes must be written back, who is told about a change
Partner Center made, and how Partner Center's own state is taken here. Pure.

Write-back reconciles rather than replays: the delivery row only says "Partner Center may be
behind on this referral"; the worker reads both sides at delivery time and sends the
difference. So the event that carries the write-back needs no payload of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .enums import EventType
from .events import Destination, Event, Recipient, make_event
from .history import Actor
from .models import Referral
from .sources import SyncState

# Changes that arrive from Partner Center (a sync or an event) are made by this actor.
PARTNER_CENTER_ACTOR = Actor(id="partner-center", name="Partner Center")
PARTNER_CENTER_RECIPIENT = Recipient(destination=Destination.PARTNER_CENTER)
# Who hears about a change Partner Center made: the partner's own people only. Microsoft (and
# through it the customer or a sender) already knows: the change happened in its system.
OWN_DESTINATIONS = frozenset({Destination.PARTNER, Destination.EMAIL})


def held_view(referral: Referral) -> tuple[Any, ...]:
    """The fields Partner Center keeps for a referral (the owner stays local)."""
    details = referral.details
    return (referral.status, referral.substatus, referral.status_reason,
            referral.closing_notes, referral.name, details.deal_value, details.currency,
            details.notes, details.closing_date, referral.external_reference_id,
            referral.campaign_id, tuple(referral.team), referral.favorite)


def is_connected(referral: Referral) -> bool:
    return referral.partner_center is not None


def with_write_back(before: Referral, after: Referral, events: Sequence[Event],
                    now: datetime) -> tuple[Referral, list[Event]]:
    """A local change to a Partner Center referral: when it moved anything Partner Center
    holds, the referral is marked ``pending`` and one of the change's events (or a new
    ``referral.updated`` with no other recipient, e.g. for a favorite) carries the
    ``partnerCenter`` delivery. Anything else passes through unchanged."""
    link = after.partner_center
    if link is None or held_view(before) == held_view(after):
        return after, list(events)
    after = after.model_copy(update={"partner_center": link.model_copy(
        update={"sync_state": SyncState.PENDING})})
    events = list(events)
    if events:
        first = events[0]
        events[0] = first.model_copy(
            update={"recipients": (*first.recipients, PARTNER_CENTER_RECIPIENT)})
    else:
        event = make_event(EventType.UPDATED, after, now)
        events.append(event.model_copy(update={"recipients": (PARTNER_CENTER_RECIPIENT,)}))
    return after, events


def own_people_only(events: Sequence[Event]) -> list[Event]:
    """The events of a change Partner Center made, addressed to the partner's own webhook
    and e-mail only (never written back, never sent to Microsoft, a customer or a sender);
    events left with no recipient are dropped."""
    kept = []
    for event in events:
        recipients = tuple(r for r in event.recipients if r.destination in OWN_DESTINATIONS)
        if recipients:
            kept.append(event.model_copy(update={"recipients": recipients}))
    return kept
