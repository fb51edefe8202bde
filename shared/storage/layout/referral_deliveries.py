"""A referral's deliveries: ``d|<referral id>|<inverted ms>-<event id>``, one row per event
about a referral, in the partner's partition, written in the same transaction as the event's
delivery rows. Its ``recipients`` property holds the event's recipient keys (space-separated),
so its delivery ids are ``<inverted ms>-<event id>-<key>`` (ports/ids.py).

``GET /api/notifications?referralId=`` reads these with one RowKey range (newest first, like
the delivery log) and then the deliveries by point reads: the cost follows the referral's
deliveries, not the partner's log. The delivery rows' own keys cannot serve: they start with
the time, so the log stays newest first. One row per event, not per delivery, keeps a
change's transaction small: a sweep's MAX_BATCH_CHANGES reminders of 21 deliveries each
(partner + 20 e-mail addresses) take 4 x (22 + 1) = 92 of the 100 operations.
"""

from __future__ import annotations

from typing import Any

from shared.domain.events import Event
from shared.storage.ports.ids import MAX_MS

PREFIX = "d|"
_AFTER_SEPARATOR = "}"  # the character after "|": the end of one referral's range


def referral_range(referral_id: str) -> tuple[str, str]:
    """(low, high) RowKeys, exclusive, of one referral's rows."""
    return f"{PREFIX}{referral_id}|", f"{PREFIX}{referral_id}{_AFTER_SEPARATOR}"


def event_row(event: Event) -> dict[str, Any] | None:
    """The row of an event about a referral (None for one about none: webhook.test)."""
    if not event.referral_id or not event.recipients:
        return None
    inverted = MAX_MS - int(event.occurred.timestamp() * 1000)
    low, _ = referral_range(event.referral_id)
    return {"PartitionKey": event.partner_id, "RowKey": f"{low}{inverted:013d}-{event.id}",
            "recipients": " ".join(r.key for r in event.recipients)}


def delivery_ids_of(row: dict[str, Any]) -> list[str]:
    """The delivery ids one row names, in delivery-log order."""
    event_part = str(row["RowKey"]).rsplit("|", 1)[1]
    return sorted(f"{event_part}-{key}" for key in str(row.get("recipients", "")).split())
