"""Notifications the outside world must hear about, and who receives each (contract section 5).

An event is one thing that happened; each of its recipients is its own *delivery* (its own
state row, retried on its own), so a customer endpoint that is down never holds back the
partner's webhook. Nothing here says how a webhook looks: ``data`` is rendered at delivery.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .enums import EventType
from .models import Referral

MICROSOFT_ORG = "msft"


class Destination(StrEnum):
    PARTNER = "partner"  # the referral's partner: its profile's webhookUrl
    MICROSOFT = "microsoft"  # MICROSOFT_NOTIFICATION_URL
    CUSTOMER = "customer"  # CUSTOMER_NOTIFICATION_URL
    SENDER = "sender"  # the referring partner's webhookUrl (invitedBy, when not Microsoft)
    EMAIL = "email"  # location contacts (a later issue adds per-address deliveries)


# Other organisations: they get the minimal data, never deal data, notes, owner, team or
# contacts (contract section 5, the privacy rule).
OTHER_ORGANISATIONS = frozenset({Destination.CUSTOMER, Destination.SENDER})


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    destination: Destination
    partner_id: str | None = None  # PARTNER / SENDER: whose profile webhook and secret

    @property
    def key(self) -> str:
        """What tells this recipient apart among an event's deliveries (part of its id)."""
        return self.destination.value

    @property
    def sees_full_referral(self) -> bool:
        return self.destination not in OTHER_ORGANISATIONS


class Event(BaseModel):
    """One notification. ``id`` is the CloudEvents id and ``webhook-id`` on every attempt."""

    model_config = ConfigDict(frozen=True)

    id: str
    type: EventType
    occurred: datetime
    partner_id: str
    referral_id: str | None  # None for webhook.test
    recipients: tuple[Recipient, ...]


def recipients_for(event_type: EventType, referral: Referral) -> tuple[Recipient, ...]:
    """The event table of contract section 5 (e-mail comes with its own issue)."""
    partner = Recipient(destination=Destination.PARTNER, partner_id=referral.partner_id)
    microsoft = Recipient(destination=Destination.MICROSOFT)
    if event_type is EventType.DECLINED:
        return partner, Recipient(destination=Destination.CUSTOMER)
    if event_type is EventType.EXPIRED:
        sender = referral.invited_by.organization_id
        if sender.lower() == MICROSOFT_ORG:
            return partner, microsoft
        return partner, Recipient(destination=Destination.SENDER, partner_id=sender)
    if event_type in (EventType.ACCEPTED, EventType.UPDATED, EventType.WON, EventType.LOST):
        return partner, microsoft
    return (partner,)  # received, reminder


def make_event(event_type: EventType, referral: Referral, now: datetime) -> Event:
    return Event(id=str(uuid.uuid4()), type=event_type, occurred=now,
                 partner_id=referral.partner_id, referral_id=referral.id,
                 recipients=recipients_for(event_type, referral))


def webhook_test_event(partner_id: str, now: datetime) -> Event:
    """webhook.test: a signed event to the partner's own endpoint, about no referral."""
    return Event(id=str(uuid.uuid4()), type=EventType.TEST, occurred=now,
                 partner_id=partner_id, referral_id=None,
                 recipients=(Recipient(destination=Destination.PARTNER, partner_id=partner_id),))


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with Z and millisecond precision, as the contract writes times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
