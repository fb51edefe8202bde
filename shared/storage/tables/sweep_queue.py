"""The ``sweep-batches`` queue: the timers put batches of due index entries on it, and the
queue function ``sweep_batch`` works them, many at once.

Encoded like ``notifications``: the producer's client has TextBase64EncodePolicy and host.json
says ``messageEncoding: base64``. A message names its entries, grouped by partner to stay
small: at most 100 entries (about 11 KB before base64) against the queue's 64 KB.
"""

from __future__ import annotations

import json
from datetime import timedelta
from itertools import groupby
from typing import TYPE_CHECKING

from shared.storage.ports.sweeps import DueEntry, SweepBatch, SweepKind
from shared.telemetry.context import inject

if TYPE_CHECKING:
    from azure.storage.queue import QueueClient

SWEEP_QUEUE = "sweep-batches"
SWEEP_POISON_QUEUE = f"{SWEEP_QUEUE}-poison"
SWEEP_QUEUES = (SWEEP_QUEUE, SWEEP_POISON_QUEUE)


def encode_batch(batch: SweepBatch) -> str:
    groups = [[partner, [[e.referral_id, e.partition] for e in entries]]
              for partner, entries in groupby(batch.entries, key=lambda e: e.partner_id)]
    # With the timer's trace context (telemetry on), so a sweep's work is one trace.
    return json.dumps(inject({"kind": batch.kind.value, "groups": groups}),
                      separators=(",", ":"))


def decode_batch(text: str) -> SweepBatch:
    """The batch a message carries; ValueError when it is not one (retrying cannot help)."""
    try:
        data = json.loads(text)
        entries = [DueEntry(_text(partner), _text(rid), _text(partition))
                   for partner, rows in data["groups"] for rid, partition in rows]
        return SweepBatch(SweepKind(data["kind"]), tuple(sorted(entries)))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a sweep batch: {exc}") from exc


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a non-empty string, got {value!r}")
    return value


class StorageBatchQueue:
    def __init__(self, client: QueueClient) -> None:
        self._client = client

    def send(self, batch: SweepBatch, delay: timedelta | None = None) -> None:
        hidden = int(delay.total_seconds()) if delay else None
        self._client.send_message(encode_batch(batch), visibility_timeout=hidden)
