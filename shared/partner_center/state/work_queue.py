"""The ``partner-center-sync`` queue: one message per unit of Partner Center work, so the
timer, the Sync-now route and the event route only enqueue and answer fast.

A message names the partner and, for an event, the Partner Center referral id to read; never
personal data (section 11). Encoded like every queue of the app (host.json: base64).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from azure.storage.queue import QueueClient

from shared.telemetry.context import inject

SYNC_QUEUE = "partner-center-sync"
SYNC_POISON_QUEUE = f"{SYNC_QUEUE}-poison"
QUEUES = (SYNC_QUEUE, SYNC_POISON_QUEUE)


@dataclass(frozen=True)
class Work:
    partner_id: str
    referral_id: str | None = None  # an event's referral; None: a full sync


def encode(work: Work) -> str:
    data = {"partnerId": work.partner_id}
    if work.referral_id:
        data["referralId"] = work.referral_id
    return json.dumps(inject(data), separators=(",", ":"))  # W3C trace context rides along


def decode(text: str) -> Work:
    data = json.loads(text)
    partner, referral = data["partnerId"], data.get("referralId")
    if not isinstance(partner, str) or not (referral is None or isinstance(referral, str)):
        raise ValueError("partnerId must be a string, referralId a string or absent")
    return Work(partner, referral)


class WorkQueue:
    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def send(self, work: Work) -> None:
        self._client.send_message(encode(work))
