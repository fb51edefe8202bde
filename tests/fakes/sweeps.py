"""In-memory side of the fan-out sweeps, with the Table one's semantics (for unit tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from shared.storage.layout.keys import due_day, hour_bucket
from shared.storage.layout.summaries import fold_partition
from shared.storage.ports import Stored
from shared.storage.ports.folds import FOLD_ENTRY, FoldRequests
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


class MemoryFoldIndex(MemoryDueIndex):
    """The daily fold index (its own class: a test that breaks the expiry index's ``drop``
    breaks only that one)."""

    def __init__(self, rows: dict[tuple[str, str, str], Any]) -> None:
        super().__init__(rows, lambda t: fold_partition(t.strftime("%Y-%m-%d")), timed=False)

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
        self.delays: list[timedelta] = []  # each batch's visibility delay, in order sent

    def send(self, batch: SweepBatch, delay: timedelta | None = None) -> None:
        with self._lock:
            self.batches.append(batch)
            self.delays.append(delay or timedelta(0))

    def take(self) -> list[SweepBatch]:
        return [batch for batch, _ in self.take_with_delays()]

    def take_with_delays(self) -> list[tuple[SweepBatch, timedelta]]:
        with self._lock:
            taken = list(zip(self.batches, self.delays, strict=True))
            self.batches, self.delays = [], []
        return taken


class MemoryFoldMarks:
    """The fold-request rows and the daily fold index, as tables/folds.py keeps them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.marks: set[str] = set()
        self.notes: dict[tuple[str, str, str], bool] = {}  # (partition, partner, entry)

    def claim(self, partner_id: str, now: datetime) -> bool:
        with self._lock:
            if partner_id in self.marks:
                return False
            self.marks.add(partner_id)
            return True

    def release(self, partner_id: str) -> None:
        with self._lock:
            self.marks.discard(partner_id)

    def note(self, partner_id: str, day: str) -> None:
        self.notes[(fold_partition(day), partner_id, FOLD_ENTRY)] = True


class MemoryFoldRequests(FoldRequests):
    def __init__(self, queue: MemoryBatchQueue) -> None:
        self.marks = MemoryFoldMarks()
        super().__init__(self.marks, queue)


def memory_sweep_ports(store: MemoryStore, queue: MemoryBatchQueue) -> SweepPorts:
    """The sweep ports over ``store``. The store reports its deltas to the fold requests (as
    bootstrap wires TableReferrals), set up once, so every context over it shares them."""
    requests = store.folds if isinstance(store.folds, MemoryFoldRequests) \
        else MemoryFoldRequests(queue)
    store.folds = requests
    return SweepPorts(
        expiry=MemoryDueIndex(store.expiry, due_day, timed=True),
        reminders=MemoryDueIndex(store.reminders, hour_bucket, timed=True),
        reads=MemoryBatchReads(store),
        queue=queue,
        folds=MemoryFoldIndex(requests.marks.notes),
        fold_requests=requests,
    )
