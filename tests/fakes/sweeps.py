"""In-memory side of the fan-out sweeps, with the Table one's semantics (for unit tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from shared.storage.layout.keys import due_day, hour_bucket
from shared.storage.ports import Stored
from shared.storage.ports.sweeps import DueEntry, SweepBatch, SweepPorts
from tests.fakes.memory import MemoryStore


class MemoryDueIndex:
    """Rows keyed (partition, partner, id), as a MemoryStore keeps them; ``timed`` rows hold
    the expiry moment (the expiry and reminder indexes), others anything."""

    def __init__(self, rows: dict[tuple[str, str, str], Any],
                 bucket: Callable[[datetime], str], timed: bool) -> None:
        self._rows = rows
        self._bucket = bucket
        self._timed = timed

    def due(self, limit: datetime) -> Iterator[DueEntry]:
        last = self._bucket(limit)
        snapshot = sorted(dict(self._rows).items())  # copying a dict is atomic under the GIL
        return iter([DueEntry(partner, rid, part) for (part, partner, rid), value in snapshot
                     if part <= last and (not self._timed or value <= limit)])

    def drop(self, entries: Sequence[DueEntry]) -> None:
        for e in entries:
            self._rows.pop((e.partition, e.partner_id, e.referral_id), None)


class MemoryBatchReads:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def get_many(self, partner_id: str, referral_ids: Sequence[str]) -> dict[str, Stored]:
        found = {rid: self.store.get(partner_id, rid) for rid in referral_ids}
        return {rid: s for rid, s in found.items() if s is not None}


class MemoryBatchQueue:
    """Batches sent, in order; tests take them off and hand them to the worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.batches: list[SweepBatch] = []

    def send(self, batch: SweepBatch) -> None:
        with self._lock:
            self.batches.append(batch)

    def take(self) -> list[SweepBatch]:
        with self._lock:
            taken, self.batches = self.batches, []
        return taken


def memory_sweep_ports(store: MemoryStore, queue: MemoryBatchQueue) -> SweepPorts:
    return SweepPorts(
        expiry=MemoryDueIndex(store.expiry, due_day, timed=True),
        reminders=MemoryDueIndex(store.reminders, hour_bucket, timed=True),
        reads=MemoryBatchReads(store),
        queue=queue,
    )
