"""The timers' half of a sweep: read a due index and put its entries on the queue in batches,
which queue-triggered workers then process in parallel (sweep_worker.py).

A run only reads and enqueues (one request per batch), so it ends in seconds even with a
large backlog. Workers delete index rows only after their change committed, so a run or a
worker that dies part-way leaves the rest in the index, and the next run enqueues exactly
what is left: runs resume where the last one stopped. Overlapping runs enqueue some entries
twice; workers decide again on fresh data, so a duplicate costs a read and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from shared.storage.ports.sweeps import DueEntry, SweepBatch, SweepKind

from .context import Context

log = logging.getLogger(__name__)

# A batch closes at TARGET_ENTRIES once the next entry is another partner's, so that one
# partner's entries stay together (one read and few transactions for them), and at
# MAX_ENTRIES regardless. The index lists rows partner by partner, so this needs no sorting
# of the whole run. Small enough that a backlog spreads over many workers, large enough
# that the per-message cost (enqueue, receive, delete) is a few hundredths per entry.
TARGET_ENTRIES = 50
MAX_ENTRIES = 100


@dataclass(frozen=True)
class FanOut:
    entries: int = 0
    batches: int = 0


def fan_out(ctx: Context, kind: SweepKind, entries: Iterable[DueEntry]) -> FanOut:
    pending: list[DueEntry] = []
    total = batches = 0
    for entry in entries:
        if _closes(pending, entry):
            _send(ctx, kind, pending)
            batches += 1
            pending = []
        pending.append(entry)
        total += 1
    if pending:
        _send(ctx, kind, pending)
        batches += 1
    result = FanOut(total, batches)
    log.info("%s sweep: %d entries in %d batches enqueued", kind.value, total, batches)
    return result


def _closes(pending: list[DueEntry], entry: DueEntry) -> bool:
    if len(pending) >= MAX_ENTRIES:
        return True
    return len(pending) >= TARGET_ENTRIES and entry.partner_id != pending[-1].partner_id


def _send(ctx: Context, kind: SweepKind, entries: list[DueEntry]) -> None:
    # Sorted by partner then id: a partner's rows from two index partitions (due days)
    # become one group, read with one range query.
    ctx.sweeps.queue.send(SweepBatch(kind, tuple(sorted(entries))))
