"""One entry for the queue function: a sweep batch goes to the worker of its kind."""

from __future__ import annotations

from collections.abc import Callable

from shared.storage.ports.sweeps import SweepBatch, SweepKind

from . import expiry, insights, refit, reminders
from .context import Context
from .sweep_worker import BatchResult

WORKERS: dict[SweepKind, Callable[[Context, SweepBatch], BatchResult]] = {
    SweepKind.EXPIRE: expiry.work,
    SweepKind.REMIND: reminders.work,
    SweepKind.REFIT: refit.work,
    SweepKind.FOLD: insights.work,
}


def work(ctx: Context, batch: SweepBatch) -> BatchResult:
    return WORKERS[batch.kind](ctx, batch)
