"""Response reminders: one ``referral.reminder`` per referral still received once
RESPONSE_REMINDER_BEFORE or less is left of its window (domain/operations.py says when).

The timer ``send_reminders`` calls ``start``: it enqueues the ReminderIndex rows of referrals
expiring within that lead time (fanout.py); queue workers call ``work`` (sweep_worker.py).
Exactly once: the reminder's time is written in the same ETag-conditional transaction as
its outbox event, so of two workers on one referral one commits and the other, on fresh
data, finds it reminded; an index row outliving its reminder is then simply deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from shared.domain.events import contact_addresses, with_contacts
from shared.domain.operations import ReminderState, remind, reminder_state
from shared.storage.ports import Change, Stored
from shared.storage.ports.sweeps import SweepBatch, SweepKind

from .context import Context
from .fanout import FanOut, fan_out
from .sweep_worker import BatchResult, Outcome, Verdict, work_batch

_OUTCOMES = {ReminderState.NEVER: Outcome.STALE, ReminderState.LATER: Outcome.WAITING}


def start(ctx: Context) -> FanOut:
    """The timer's work: enqueue the referrals that may need their reminder now."""
    limit = ctx.clock() + ctx.settings.response_reminder_before
    return fan_out(ctx, SweepKind.REMIND, ctx.sweeps.reminders.due(limit))


def work(ctx: Context, batch: SweepBatch) -> BatchResult:
    before = ctx.settings.response_reminder_before
    addresses: dict[str, tuple[str, ...]] = {}  # per partner: one profile read per batch

    def contacts(partner_id: str) -> tuple[str, ...]:
        if partner_id not in addresses:
            addresses[partner_id] = contact_addresses(ctx.profiles.get(partner_id))
        return addresses[partner_id]

    return work_batch(ctx, batch, ctx.sweeps.reminders, lambda stored, now: decide(
        stored, now, before, contacts(stored.referral.partner_id)))


def decide(stored: Stored, now: datetime, before: timedelta,
           addresses: Sequence[str] = ()) -> Verdict:
    """``addresses``: the location contacts e-mailed with the reminder (the profile's now)."""
    state = reminder_state(stored.referral, now, before)
    if state is not ReminderState.DUE:
        return Verdict(_OUTCOMES[state])
    updated, events = remind(stored.referral, now, before)
    return Verdict(Outcome.CHANGED, Change(stored, updated, with_contacts(events, addresses)))
