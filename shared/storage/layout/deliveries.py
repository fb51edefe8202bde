"""Deliveries: one row per (event, recipient), in the partition of the partner the event
concerns, written in the same transaction as the change that raised the event.

RowKey ``o<delivery id>``; a delivery id is ``<13-digit inverted epoch ms>-<event id>-<recipient
key>``, so ascending RowKeys list a partner's deliveries newest first (the delivery log) and
each recipient of an event has its own state, attempts and error. ``OutboxIndex`` rows
(PartitionKey = hour of ``pendingSince``) let the redispatch sweep find rows left pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.domain.events import Event, Recipient
from shared.storage.layout.keys import OUTBOX_PREFIX, hour_bucket, index_row, outbox_row
from shared.storage.layout.referral_deliveries import event_row
from shared.storage.ports import Delivery, DeliveryState
from shared.storage.ports.ids import delivery_id

MAX_ERROR = 1000


@dataclass(frozen=True)
class NewDelivery:
    """A delivery row about to be written, with the OutboxIndex row that finds it."""

    partner_id: str
    id: str
    entity: dict[str, Any]
    index: dict[str, Any]


def new_deliveries(event: Event) -> list[NewDelivery]:
    rows = []
    for recipient in event.recipients:
        did = delivery_id(event, recipient)
        entity = {
            "PartitionKey": event.partner_id,
            "RowKey": outbox_row(did),
            "eventJson": event.model_dump_json(),
            "eventId": event.id,
            "eventType": event.type.value,
            "referralId": event.referral_id or "",
            "destination": recipient.destination.value,
            "recipientJson": recipient.model_dump_json(),
            "deliveryState": DeliveryState.PENDING.value,
            "attempts": 0,
            "occurredDateTime": event.occurred,
            "pendingSinceDateTime": event.occurred,
        }
        rows.append(NewDelivery(event.partner_id, did, entity,
                                pending_index_row(event.partner_id, did, event.occurred)))
    return rows


def delivery_entities(event: Event) -> list[dict[str, Any]]:
    """Every row an event's deliveries take in its change's transaction: the delivery rows
    and, for an event about a referral, its row in that referral's list
    (referral_deliveries.py)."""
    rows = [d.entity for d in new_deliveries(event)]
    listed = event_row(event)
    return [*rows, listed] if listed is not None else rows


def pending_index_row(partner_id: str, did: str, since: datetime) -> dict[str, Any]:
    return {"PartitionKey": hour_bucket(since), "RowKey": index_row(partner_id, did),
            "occurredDateTime": since}


def utc(value: datetime) -> datetime:
    # The SDK returns its own datetime subclass; normalise to a plain aware UTC datetime.
    return datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                    value.microsecond, tzinfo=UTC)


def optional_utc(value: Any) -> datetime | None:
    return utc(value) if isinstance(value, datetime) else None


def entity_to_delivery(e: dict[str, Any]) -> Delivery:
    return Delivery(
        partner_id=e["PartitionKey"],
        id=str(e["RowKey"]).removeprefix(OUTBOX_PREFIX),
        event=Event.model_validate_json(e["eventJson"]),
        recipient=Recipient.model_validate_json(e["recipientJson"]),
        state=DeliveryState(e.get("deliveryState", DeliveryState.PENDING.value)),
        attempts=int(e.get("attempts") or 0),
        last_attempt=optional_utc(e.get("lastAttemptDateTime")),
        last_error=e.get("lastError") or None,
        recipient_label=e.get("recipientLabel") or None,
        pending_since=optional_utc(e.get("pendingSinceDateTime")),
    )


def attempt_patch(delivery: Delivery, state: DeliveryState, error: str | None, now: datetime,
                  label: str | None) -> dict[str, Any]:
    """What an attempt changes on the row (a merge): state, count, time, error, recipient."""
    patch: dict[str, Any] = {
        "PartitionKey": delivery.partner_id,
        "RowKey": outbox_row(delivery.id),
        "deliveryState": state.value,
        "attempts": delivery.attempts + 1,
        "lastAttemptDateTime": now,
        "lastError": (error or "")[:MAX_ERROR],
    }
    if label:
        patch["recipientLabel"] = label
    return patch
