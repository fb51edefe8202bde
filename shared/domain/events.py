"""Notifications the outside world must hear about, and who receives each (contract section 5).

An event is one thing that happened; each of its recipients is its own *delivery* (its own
state row, retried on its own), so a customer endpoint that is down never holds back the
partner's webhook. Nothing here says how a webhook looks: ``data`` is rendered at delivery.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .enums import EventType
from .models import Profile, Referral

MICROSOFT_ORG = "msft"
# Events e-mailed to the partner's location contacts (contract section 5, E-mail).
EMAILED = frozenset({EventType.RECEIVED, EventType.REMINDER})
# At most this many addresses per event: a profile may list 50 locations x 50 contacts, but
# each address is a delivery row written in the change's one transaction (at most 100
# operations, and a sweep writes up to MAX_BATCH_CHANGES reminders in one), so the first 20
# distinct addresses, in the profile's order, are e-mailed.
MAX_EMAIL_RECIPIENTS = 20


class Destination(StrEnum):
    PARTNER = "partner"  # the referral's partner: its profile's webhookUrl
    MICROSOFT = "microsoft"  # MICROSOFT_NOTIFICATION_URL
    CUSTOMER = "customer"  # CUSTOMER_NOTIFICATION_URL
    SENDER = "sender"  # the referring partner's webhookUrl (invitedBy, when not Microsoft)
    EMAIL = "email"  # one location contact's address (one delivery per address)
    # (r3) the referral's Partner Center record: a write-back that reconciles it
    PARTNER_CENTER = "partnerCenter"


# Other organisations: they get the minimal data, never deal data, notes, owner, team or
# contacts (contract section 5, the privacy rule).
OTHER_ORGANISATIONS = frozenset({Destination.CUSTOMER, Destination.SENDER})


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    destination: Destination
    partner_id: str | None = None  # PARTNER / SENDER: whose profile webhook and secret
    address: str | None = None  # EMAIL: the contact's address, as the profile spells it

    @property
    def key(self) -> str:
        """What tells this recipient apart among an event's deliveries (part of its id)."""
        if self.destination is Destination.EMAIL:
            return f"email.{address_hash(self.address or '')}"
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
    """The event table of contract section 5, webhooks; the e-mail column is EMAILED (the
    addresses come from the partner's profile: ``with_contacts``)."""
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


def contact_addresses(profile: Profile | None) -> tuple[str, ...]:
    """Every location contact's address, each once (compared case-insensitively, the first
    spelling kept), in the profile's order, at most MAX_EMAIL_RECIPIENTS."""
    seen: dict[str, str] = {}
    for location in profile.locations if profile else ():
        for contact in location.contacts:
            if contact.email and contact.email.lower() not in seen:
                seen[contact.email.lower()] = contact.email
    return tuple(seen.values())[:MAX_EMAIL_RECIPIENTS]


def with_contacts(events: Sequence[Event], addresses: Sequence[str]) -> list[Event]:
    """The events, those e-mailed (EMAILED) with one EMAIL recipient per address added."""
    extra = tuple(Recipient(destination=Destination.EMAIL, address=a) for a in addresses)
    return [e.model_copy(update={"recipients": e.recipients + extra})
            if e.type in EMAILED and extra else e for e in events]


def address_hash(address: str) -> str:
    """Stable per address (case-insensitive): in the delivery id and the Message-ID."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]


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
