"""Notifications the outside world must hear about, and who receives each."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from .enums import EventType
from .models import Referral

MICROSOFT_ORG = "msft"


class RecipientKind(StrEnum):
    MICROSOFT = "microsoft"  # MICROSOFT_NOTIFICATION_URL
    CUSTOMER = "customer"  # CUSTOMER_NOTIFICATION_URL
    PARTNER = "partner"  # a partner profile's webhookUrl


class Recipient(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: RecipientKind
    partner_id: str | None = None  # for PARTNER: whose profile webhook


class Event(BaseModel):
    """One notification. ``id`` is the idempotency key on every delivery attempt."""

    model_config = ConfigDict(frozen=True)

    id: str
    type: EventType
    occurred: datetime
    partner_id: str
    referral_id: str
    recipient: Recipient
    payload: dict[str, Any]


def recipient_for(event_type: EventType, referral: Referral) -> Recipient:
    if event_type in (EventType.RECEIVED, EventType.REMINDER):
        return Recipient(kind=RecipientKind.PARTNER, partner_id=referral.partner_id)
    if event_type is EventType.DECLINED:
        return Recipient(kind=RecipientKind.CUSTOMER)
    if event_type is EventType.EXPIRED:
        sender = referral.invited_by.organization_id
        if sender.lower() == MICROSOFT_ORG:
            return Recipient(kind=RecipientKind.MICROSOFT)
        return Recipient(kind=RecipientKind.PARTNER, partner_id=sender)
    return Recipient(kind=RecipientKind.MICROSOFT)  # won / lost: outcome reporting


def make_event(event_type: EventType, referral: Referral, now: datetime) -> Event:
    event_id = str(uuid.uuid4())
    payload = {
        "id": event_id,
        "type": event_type.value,
        "occurredDateTime": iso(now),
        "referral": {
            "id": referral.id,
            "partnerId": referral.partner_id,
            "qualification": referral.qualification.value,
            "status": referral.status.value,
            "substatus": referral.substatus.value,
            "statusReason": referral.status_reason,
            "customerProfile": {"name": referral.customer_profile.name},
            "invitedBy": referral.invited_by.model_dump(mode="json", by_alias=True),
            # The respond-by time, which alerts and reminders tell their readers.
            "expirationDateTime": iso(referral.expiration_date_time)
            if referral.expiration_date_time is not None else None,
        },
    }
    return Event(
        id=event_id,
        type=event_type,
        occurred=now,
        partner_id=referral.partner_id,
        referral_id=referral.id,
        recipient=recipient_for(event_type, referral),
        payload=payload,
    )


def iso(moment: datetime) -> str:
    """UTC ISO-8601 with Z and millisecond precision, as the contract writes times."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
