"""The workers' half of a sweep: one batch of due index entries, decided on fresh data.

For each partner in the batch: read its referrals in one round trip; let ``decide`` say what
each needs; write the changes MAX_BATCH_CHANGES at a time with ``update_many`` (one
ETag-conditional transaction with their outbox rows: all or nothing); hand the partner's
events to the notification queue together (``dispatch`` puts a partner's deliveries in one
message); and at the end delete the index rows that are done with, one transaction per index
partition.

Why this is safe at least once, in any overlap:
* a change commits only if the referral is still the version decided on, so a referral
  accepted meanwhile makes the write fail, and on fresh data ``decide`` leaves it accepted;
  a second worker on the same entries loses the same way and then finds them done;
* index rows go only after their change committed: a worker that dies before leaves them
  for the next run, which finds them done (stale, deleted) or still due (done then);
* a worker that dies between the commit and the enqueue leaves the events pending in the
  outbox, where ``redispatch`` finds them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import groupby

from shared.domain.events import Event
from shared.storage.ports import MAX_BATCH_CHANGES, Change, ConcurrencyConflict, Stored
from shared.storage.ports.ids import new_referral_id
from shared.storage.ports.sweeps import DueEntry, DueIndex, SweepBatch

from .context import Context

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# The index row is written before its referral, so a referral not found may be an intake
# still in flight (windows shorter than a sweep's reach, in tests or by configuration).
ARRIVAL_GRACE = timedelta(minutes=5)


class Outcome(StrEnum):
    CHANGED = "changed"  # committed now; the row is done
    STALE = "stale"  # nothing to do, ever: answered, gone, or done by another worker
    WAITING = "waiting"  # not yet: the row stays for a later run


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    change: Change | None = None


Decide = Callable[[Stored, datetime], Verdict]


@dataclass
class BatchResult:
    changed: int = 0
    stale: int = 0
    waiting: int = 0
    conflicted: int = 0  # kept changing under us: rows kept, the message retried


class BatchIncomplete(Exception):
    """Some referrals kept changing while decided; raised after the rest was saved, so that
    the host retries the message (after host.json's visibilityTimeout)."""


def work_batch(ctx: Context, batch: SweepBatch, index: DueIndex, decide: Decide) -> BatchResult:
    result = BatchResult()
    finished: list[DueEntry] = []
    for partner_id, group in groupby(batch.entries, key=lambda e: e.partner_id):
        entries = list(group)
        found = ctx.sweeps.reads.get_many(partner_id, [e.referral_id for e in entries])
        events: list[Event] = []
        try:
            for start in range(0, len(entries), MAX_BATCH_CHANGES):
                chunk = entries[start:start + MAX_BATCH_CHANGES]
                finished += _settle(ctx, partner_id, chunk, found, decide, result, events)
        finally:  # what committed is handed on even if a later chunk fails
            ctx.dispatch(events)
    index.drop(finished)
    log.info("%s batch of %d: %s", batch.kind.value, len(batch.entries), result)
    if result.conflicted:
        raise BatchIncomplete(f"{result.conflicted} referral(s) kept changing; retry later")
    return result


def _settle(ctx: Context, partner_id: str, chunk: list[DueEntry], found: dict[str, Stored],
            decide: Decide, result: BatchResult, events: list[Event]) -> list[DueEntry]:
    """Decide and commit one chunk, adding its committed events to ``events``; the entries
    whose rows can go."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:  # lost a race: read the chunk again and decide on what is there now
            found = ctx.sweeps.reads.get_many(partner_id, [e.referral_id for e in chunk])
        now = ctx.clock()
        verdicts = [(e, _verdict(found.get(e.referral_id), e, now, decide)) for e in chunk]
        changes = [v.change for _, v in verdicts if v.change is not None]
        if changes:
            try:
                ctx.referrals.update_many(changes)
            except ConcurrencyConflict:
                continue
            events += [event for c in changes for event in c.events]
        for _, v in verdicts:
            setattr(result, v.outcome.value, getattr(result, v.outcome.value) + 1)
        return [e for e, v in verdicts if v.outcome is not Outcome.WAITING]
    log.warning("referrals of %s kept changing: %s", partner_id,
                [e.referral_id for e in chunk])
    result.conflicted += len(chunk)
    return []


def _verdict(stored: Stored | None, entry: DueEntry, now: datetime, decide: Decide) -> Verdict:
    if stored is not None:
        return decide(stored, now)
    # Ids are inverted arrival times: an id larger than one made at a moment arrived before it.
    arrived_long_ago = entry.referral_id[:14] > new_referral_id(now - ARRIVAL_GRACE)[:14]
    return Verdict(Outcome.STALE if arrived_long_ago else Outcome.WAITING)
