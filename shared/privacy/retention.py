"""Retention: referrals archived longer than PERSONAL_DATA_RETENTION ago lose their personal
data (contacts, team, owner, history values, their deliveries' addresses), the way an
erasure removes it; the referral stays, so insights do not change.

Fanned out like the expiry sweep: the daily timer reads the ``ArchiveIndex`` partitions (one
per archive day) up to the cut-off day and enqueues them in batches (services/fanout.py);
queue workers erase each due referral and then delete its index row. Keyed by archive day,
not by due day, so a changed retention applies to every referral. A row whose referral is
gone or no longer archived is stale and goes; one archived later the same day waits.
"""

from __future__ import annotations

import logging
from datetime import datetime

from shared.domain.enums import Stage
from shared.domain.errors import PreconditionFailed
from shared.domain.lifecycle import stage_of
from shared.services.context import Context
from shared.services.fanout import FanOut, fan_out
from shared.services.sweep_worker import BatchIncomplete, BatchResult
from shared.storage.ports import Stored
from shared.storage.ports.privacy import PersonalData, PrivacyPorts
from shared.storage.ports.sweeps import DueEntry, SweepBatch, SweepKind

from .scrub import EVERYONE, erase_delivery
from .service import Counts, erase_in_referral

log = logging.getLogger(__name__)
PAGE = 100


def start(ctx: Context) -> FanOut:
    keep = ctx.settings.personal_data_retention
    if keep is None:  # PERSONAL_DATA_RETENTION=none: kept
        return FanOut()
    return fan_out(ctx, SweepKind.FORGET, ports_of(ctx).archive.due(ctx.clock() - keep))


def ports_of(ctx: Context) -> PrivacyPorts:
    if ctx.privacy is None:
        raise RuntimeError("customer-data storage is not configured")
    return ctx.privacy


def archived_at(stored: Stored) -> datetime:
    r = stored.referral
    return r.closed_date_time or r.updated_date_time


def work(ctx: Context, batch: SweepBatch) -> BatchResult:
    keep = ctx.settings.personal_data_retention
    result = BatchResult()
    if keep is None:
        return result  # the rows stay for when retention is switched on
    ports, cutoff = ports_of(ctx), ctx.clock() - keep
    finished: list[DueEntry] = []
    for entry in batch.entries:
        stored = ctx.referrals.get(entry.partner_id, entry.referral_id)
        if stored is None or stage_of(stored.referral.status) is not Stage.ARCHIVED:
            result.stale += 1
        elif archived_at(stored) > cutoff:
            result.waiting += 1
            continue
        else:
            try:
                forget(ctx, ports.store, stored)
            except PreconditionFailed:
                result.conflicted += 1
                continue
            result.changed += 1
        finished.append(entry)
    ports.archive.drop(finished)
    log.info("retention batch of %d: %s", len(batch.entries), result)
    if result.conflicted:
        raise BatchIncomplete(f"{result.conflicted} referral(s) kept changing; retry later")
    return result


def forget(ctx: Context, store: PersonalData, stored: Stored) -> Counts:
    """Erase every person of one referral: itself, its history, its deliveries."""
    r = stored.referral
    counts = Counts()
    erase_in_referral(ctx, store, r.partner_id, r.id, EVERYONE, counts)
    cursor: str | None = None
    while True:
        page = ctx.outbox.page(r.partner_id, None, cursor, PAGE, referral_id=r.id)
        for delivery in page.items:
            erased = erase_delivery(delivery, EVERYONE, counts.traces)
            if erased != delivery:
                store.rewrite_delivery(delivery, erased)
                counts.deliveries += 1
        if page.cursor is None:
            return counts
        cursor = page.cursor
