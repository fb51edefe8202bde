"""Expiry: a referral still received when its response window closes is archived as Expired
and its sender told; and notifications left pending are re-enqueued.

The timer ``expire_referrals`` calls ``start``: it enqueues the due ExpiryIndex rows in
batches (fanout.py) and returns; queue workers call ``work`` on each batch (sweep_worker.py).
Safe to run twice at once and alongside user actions: every expiry is an ETag-conditional
write of a referral re-read after any lost race, so a referral accepted at the same moment
ends either accepted or expired, never both, and a second run finds nothing left to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain import history, partner_center
from shared.domain import operations as ops
from shared.domain.enums import Stage
from shared.domain.lifecycle import stage_of
from shared.storage.ports import Change, Stored
from shared.storage.ports.sweeps import SweepBatch, SweepKind

from .context import Context
from .fanout import FanOut, fan_out
from .sweep_worker import BatchResult, Outcome, Verdict, work_batch

log = logging.getLogger(__name__)

# Long enough that a message still in its queue retries (visibility timeout x
# maxDequeueCount) is not sent twice, short enough that a crash costs minutes, not a day.
REDISPATCH_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Started:
    fanned: FanOut
    redispatched: int


def start(ctx: Context) -> Started:
    """The timer's work: enqueue what is due; the expiring itself happens in the workers."""
    fanned = fan_out(ctx, SweepKind.EXPIRE, ctx.sweeps.expiry.due(ctx.clock()))
    return Started(fanned, redispatch(ctx))


def work(ctx: Context, batch: SweepBatch) -> BatchResult:
    return work_batch(ctx, batch, ctx.sweeps.expiry, decide)


def decide(stored: Stored, now: datetime) -> Verdict:
    referral = stored.referral
    if stage_of(referral.status) is not Stage.RECEIVED:
        return Verdict(Outcome.STALE)  # answered (or expired) since the row was written
    if not ops.is_past_window(referral, now):
        return Verdict(Outcome.WAITING)  # due later today: a later run takes it
    updated, events = ops.expire(referral, now)
    if partner_center.is_connected(referral):
        events = partner_center.own_people_only(events)  # Partner Center tells the sender
    record = history.entry(referral, updated, history.HistoryAction.EXPIRED, history.SYSTEM, now)
    return Verdict(Outcome.CHANGED, Change(stored, updated, events, record))


def redispatch(ctx: Context) -> int:
    """Re-enqueue events still pending well after their change committed (the process died
    between commit and enqueue, or the enqueue failed). Delivery is idempotent per event id,
    so an event that was merely slow costs at most a duplicate the receiver can drop."""
    count = 0
    for partner_id, event_id in ctx.outbox.pending_before(ctx.clock() - REDISPATCH_AFTER):
        ctx.queue.send(partner_id, event_id)
        count += 1
    if count:
        log.warning("re-enqueued %d notification(s) left pending", count)
    return count
