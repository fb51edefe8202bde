"""The producer side of the `notifications` queue.

Encoding is one decision: host.json says ``messageEncoding: base64`` (the Functions
default), so every producer encodes with TextBase64EncodePolicy. A test sends through a real
Azurite queue and decodes it the way the trigger does.
"""

from __future__ import annotations

import json
from datetime import timedelta

from azure.storage.queue import QueueClient

from shared.storage.ports import MAX_DELIVERY_BATCH
from shared.telemetry.context import inject

NOTIFICATIONS_QUEUE = "notifications"
POISON_QUEUE = f"{NOTIFICATIONS_QUEUE}-poison"
QUEUES = (NOTIFICATIONS_QUEUE, POISON_QUEUE)


def encode_message(partner_id: str, delivery_id: str, attempt: int = 1) -> str:
    # A pointer, not the event: the delivery row stays the one source of truth. ``attempt``
    # (from 2 on) is which attempt a back-off retry is; the host's dequeue count adds to it.
    data: dict[str, object] = {"partnerId": partner_id, "deliveryId": delivery_id}
    if attempt > 1:
        data["attempt"] = attempt
    # The sender's trace context (telemetry on): a retry continues its attempt's trace.
    return json.dumps(inject(data), separators=(",", ":"))


MAX_BATCH = MAX_DELIVERY_BATCH


def encode_batch(partner_id: str, delivery_ids: list[str]) -> str:
    return json.dumps(inject({"partnerId": partner_id, "deliveryIds": delivery_ids}),
                      separators=(",", ":"))


def decode_message(text: str) -> tuple[str, list[str], int]:
    """(partner id, delivery ids, attempt) of a single-delivery or a batch message; other
    keys (a ``traceparent``, telemetry/context.py) are not this function's business."""
    data = json.loads(text)
    attempt = data.get("attempt", 1)
    if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 1:
        raise ValueError("attempt must be a positive integer")
    ids = data["deliveryIds"] if "deliveryIds" in data else [data["deliveryId"]]
    if not isinstance(ids, list) or not ids or len(ids) > MAX_BATCH:
        raise ValueError(f"deliveryIds must list 1..{MAX_BATCH} deliveries")
    return str(data["partnerId"]), [str(i) for i in ids], attempt


class StorageQueue:
    def __init__(self, client: QueueClient, poison: QueueClient | None = None) -> None:
        self._client = client
        self._poison = poison

    def send(self, partner_id: str, delivery_id: str, attempt: int = 1,
             delay: timedelta | None = None) -> None:
        # Hidden for ``delay`` (whole seconds, as the service takes them; at most 7 days).
        seconds = min(round(delay.total_seconds()), 7 * 24 * 3600) if delay else 0
        self._client.send_message(encode_message(partner_id, delivery_id, attempt),
                                  visibility_timeout=seconds or None)

    def send_batch(self, partner_id: str, delivery_ids: list[str]) -> None:
        self._client.send_message(encode_batch(partner_id, delivery_ids))

    def poison(self, partner_id: str, delivery_id: str, attempt: int) -> None:
        """Where the host itself puts a message past maxDequeueCount: `<queue>-poison`."""
        if self._poison is None:
            raise RuntimeError("this queue has no poison queue")
        self._poison.send_message(encode_message(partner_id, delivery_id, attempt))
