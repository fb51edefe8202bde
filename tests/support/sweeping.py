"""Running the fan-out sweeps in tests: the timer half, then every batch it enqueued through
the worker, as the queue function would (in-memory queue, so tests choose the order)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from shared.services import expiry, reminders, sweeps
from shared.services.context import Context
from shared.services.sweep_worker import BatchResult
from shared.storage.ports.sweeps import DueEntry, DueIndex, SweepBatch
from tests.fakes.sweeps import MemoryBatchQueue


def total(results: Sequence[BatchResult]) -> BatchResult:
    out = BatchResult()
    for r in results:
        for name in ("changed", "stale", "waiting", "conflicted"):
            setattr(out, name, getattr(out, name) + getattr(r, name))
    return out


def work_all(ctx: Context, batches: Sequence[SweepBatch]) -> BatchResult:
    return total([sweeps.work(ctx, b) for b in batches])


def expire_now(ctx: Context, queue: MemoryBatchQueue) -> BatchResult:
    """One run of expire_referrals and all the work it fans out."""
    expiry.start(ctx)
    return work_all(ctx, queue.take())


def remind_now(ctx: Context, queue: MemoryBatchQueue) -> BatchResult:
    reminders.start(ctx)
    return work_all(ctx, queue.take())


@dataclass
class PartnerOnly:
    """A due index seen through one test's partners: tests sharing one Azurite must not
    sweep each other's (or the e2e suite's) rows."""

    index: DueIndex
    partners: set[str] = field(default_factory=set)

    def due(self, limit: datetime) -> Iterator[DueEntry]:
        return (e for e in self.index.due(limit) if e.partner_id in self.partners)

    def drop(self, entries: Sequence[DueEntry]) -> None:
        self.index.drop(entries)


def isolated(ctx: Context, *partners: str) -> tuple[Context, MemoryBatchQueue]:
    """``ctx`` with its sweeps limited to ``partners`` and batches kept in memory."""
    queue = MemoryBatchQueue()
    ports = replace(ctx.sweeps, queue=queue,
                    expiry=PartnerOnly(ctx.sweeps.expiry, set(partners)),
                    reminders=PartnerOnly(ctx.sweeps.reminders, set(partners)))
    return replace(ctx, sweeps=ports), queue
