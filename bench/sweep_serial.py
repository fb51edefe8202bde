"""The expiry sweep as it was before the fan-out (commit 8b469da), kept as the baseline.

One process, one referral at a time: per due index row a point read, then (if due) an
OutboxIndex upsert, the conditional transaction with its outbox row, the enqueue of its event,
and the index row's delete: 5 storage requests per expired referral. Only the index access
goes through today's ports (the same requests as the old repository methods made).
"""

from __future__ import annotations

from shared.domain import operations as ops
from shared.domain.enums import Stage
from shared.domain.lifecycle import stage_of
from shared.services.context import Context
from shared.services.expiry import redispatch
from shared.storage.ports import Change, ConcurrencyConflict
from shared.storage.ports.sweeps import DueEntry

MAX_ATTEMPTS = 5


def serial_sweep(ctx: Context) -> int:
    """Expire what is due; returns how many referrals were expired."""
    expired = sum(_expire_one(ctx, entry) for entry in ctx.sweeps.expiry.due(ctx.clock()))
    redispatch(ctx)
    return expired


def _expire_one(ctx: Context, entry: DueEntry) -> int:
    for _ in range(MAX_ATTEMPTS):
        stored = ctx.referrals.get(entry.partner_id, entry.referral_id)
        if stored is None or stage_of(stored.referral.status) is not Stage.RECEIVED:
            ctx.sweeps.expiry.drop([entry])
            return 0
        now = ctx.clock()
        if not ops.is_past_window(stored.referral, now):
            return 0
        updated, events = ops.expire(stored.referral, now)
        try:
            ctx.referrals.update(Change(stored, updated, events))
        except ConcurrencyConflict:
            continue
        ctx.dispatch(events)
        ctx.sweeps.expiry.drop([entry])
        return 1
    return 0
