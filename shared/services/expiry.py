"""The daily sweep: expire what is past its window, and re-enqueue notifications left pending.

Safe to run twice at once and alongside user actions: every expiry is an ETag-conditional
write of a referral re-read after any lost race, so a referral accepted at the same moment
ends either accepted or expired, never both, and a second sweep finds nothing left to do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from shared.domain import operations as ops
from shared.domain.enums import Stage
from shared.domain.lifecycle import stage_of
from shared.storage.ports import Change, ConcurrencyConflict, ExpiryEntry

from .context import Context

log = logging.getLogger(__name__)

# Long enough that a message still in its queue retries (visibility timeout x
# maxDequeueCount) is not sent twice, short enough that a crash costs minutes, not a day.
REDISPATCH_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 5


@dataclass
class SweepResult:
    expired: int = 0
    stale: int = 0
    not_yet_due: int = 0
    redispatched: int = 0


def sweep(ctx: Context) -> SweepResult:
    result = SweepResult()
    now = ctx.clock()
    for entry in ctx.referrals.due_for_expiry(now):
        outcome = _expire_one(ctx, entry)
        setattr(result, outcome, getattr(result, outcome) + 1)
    result.redispatched = redispatch(ctx)
    log.info("expiry sweep: %s", result)
    return result


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


def _expire_one(ctx: Context, entry: ExpiryEntry) -> str:
    for _ in range(MAX_ATTEMPTS):
        stored = ctx.referrals.get(entry.partner_id, entry.referral_id)
        if stored is None or stage_of(stored.referral.status) is not Stage.RECEIVED:
            # Answered, or the intake never committed: the index row is stale.
            ctx.referrals.drop_expiry_entry(entry)
            return "stale"
        now = ctx.clock()
        if not ops.is_past_window(stored.referral, now):
            return "not_yet_due"  # due later today: the next sweep takes it
        updated, events = ops.expire(stored.referral, now)
        try:
            ctx.referrals.update(Change(stored, updated, events))
        except ConcurrencyConflict:
            continue  # someone acted on it meanwhile; decide again on fresh data
        ctx.dispatch(events)
        ctx.referrals.drop_expiry_entry(entry)
        return "expired"
    log.warning("referral %s/%s kept changing; left for the next sweep",
                entry.partner_id, entry.referral_id)
    return "not_yet_due"
