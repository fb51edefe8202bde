"""The producer side of the `notifications` queue.

Encoding is one decision: host.json says ``messageEncoding: base64`` (the Functions
default), so every producer encodes with TextBase64EncodePolicy. A test sends through a real
Azurite queue and decodes it the way the trigger does.
"""

from __future__ import annotations

import json

from azure.storage.queue import QueueClient

NOTIFICATIONS_QUEUE = "notifications"
POISON_QUEUE = f"{NOTIFICATIONS_QUEUE}-poison"
QUEUES = (NOTIFICATIONS_QUEUE, POISON_QUEUE)


def encode_message(partner_id: str, delivery_id: str) -> str:
    # A pointer, not the event: the delivery row stays the one source of truth.
    return json.dumps({"partnerId": partner_id, "deliveryId": delivery_id},
                      separators=(",", ":"))


def decode_message(text: str) -> tuple[str, str]:
    data = json.loads(text)
    return str(data["partnerId"]), str(data["deliveryId"])


class StorageQueue:
    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def send(self, partner_id: str, delivery_id: str) -> None:
        self._client.send_message(encode_message(partner_id, delivery_id))
