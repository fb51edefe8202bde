"""The organisation's response and outcome figures (GET /insights), from maintained sums,
and the folding that keeps those sums few.

All-time insights read the partner's month rows and the deltas not yet folded in one query,
so the cost follows the number of months and the deltas pending, never the number of
referrals. A window reads its whole months, two running sums and the deltas, a handful of
rows in up to four requests, whatever its length (layout/summaries.py). A read that still
meets more than FOLD_AT deltas, or rows of an earlier release, asks for a fold (the
background may be behind or down) and stays exact meanwhile, only dearer.

Folding runs in the background. Changes ask for it (storage/ports/folds.py: every few delta
rows an instance commits, one request in flight per partner); the request arrives as a
``fold`` sweep batch and ``work`` folds. The daily expiry timer also calls ``start``, which
fans out every partner noted with deltas on an earlier day: what the asks missed.

A fold reads the partner's pending rows and the sums they touch once, then folds transaction
after transaction from that one read, taking each transaction's new ETags as the next one's
condition (``after_fold``): a burst of 2,000 deltas on one day costs one read (three
requests) and ~31 transactions, not 31 reads. Every transaction is conditional on the
stamp's and the written rows' ETags and deletes the deltas it adds (a delta already gone
fails it), so it commits once or not at all: a fold racing
another fold loses, reads again and carries on with what is left; a change racing a fold
only adds a delta, which this fold or the next one takes. Nothing is counted twice or lost.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import groupby

from shared.domain.summary import Figures, figures
from shared.storage.ports import ConcurrencyConflict
from shared.storage.ports.folds import REQUESTED
from shared.storage.ports.summaries import FOLD_AT, after_fold, plan_fold, totals
from shared.storage.ports.sweeps import SweepBatch, SweepKind

from .context import Context
from .fanout import FanOut, fan_out
from .sweep_worker import BatchResult

log = logging.getLogger(__name__)


def insights(ctx: Context, partner_id: str, day_from: date | None = None,
             day_to: date | None = None) -> Figures:
    window = day_from is not None or day_to is not None
    rows = (ctx.referrals.window_rows(partner_id, day_from, day_to) if window
            else ctx.referrals.summary_rows(partner_id))
    result = figures(totals(rows, day_from, day_to))
    # Rows of an earlier release count too, but a fold moves them to where reads are cheap.
    if sum(row.is_delta for row in rows) > FOLD_AT or any(row.is_legacy for row in rows):
        request(ctx, partner_id)
    return result


def fold_pending(ctx: Context, partner_id: str) -> None:
    """Fold every pending delta now, in this call (tools and tests; the app folds in the
    background). Losing a race to another fold is harmless: it folded them."""
    fold_partner(ctx, partner_id)


# A fold that keeps losing races leaves the rest to the fold that beats it; one that runs
# this long (a burst still going on) stops, and the changes' next ask carries on.
MAX_CONFLICTS = 5
BUDGET_S = 60.0


@dataclass
class Folded:
    deltas: int = 0
    transactions: int = 0
    reads: int = 0
    conflicts: int = 0
    complete: bool = True  # nothing left that this fold read


def fold_partner(ctx: Context, partner_id: str, budget_s: float = BUDGET_S) -> Folded:
    """Fold every delta a read of the partner's summary rows finds."""
    out = Folded(reads=1)
    rows = ctx.referrals.fold_rows(partner_id)
    deadline = time.monotonic() + budget_s
    while (plan := plan_fold(rows)) is not None:
        if time.monotonic() > deadline or out.conflicts > MAX_CONFLICTS:
            out.complete = False
            break
        try:
            etags = ctx.referrals.fold(partner_id, plan)
        except ConcurrencyConflict:  # another fold came first: carry on from what is left
            out.conflicts += 1
            out.reads += 1
            rows = ctx.referrals.fold_rows(partner_id)
            continue
        out.deltas += len(plan.deletes)
        out.transactions += 1
        rows = after_fold(rows, plan, etags)
    return out


def fold_requested(ctx: Context, partner_id: str) -> Folded:
    """A requested fold: fold, release the request, fold what came meanwhile. A change that
    committed before the release is read by the second pass; one after it may ask again."""
    try:
        first = fold_partner(ctx, partner_id)
    finally:
        ctx.sweeps.fold_requests.done(partner_id)
    second = fold_partner(ctx, partner_id)
    return Folded(first.deltas + second.deltas, first.transactions + second.transactions,
                  first.reads + second.reads, first.conflicts + second.conflicts,
                  second.complete)


def work(ctx: Context, batch: SweepBatch) -> BatchResult:
    """A ``fold`` batch: each partner it names folded, its daily index rows then dropped
    (kept when the fold stopped short, for the next daily run). Folds change no referral,
    so the result counts none; the log says what each folded."""
    for partner_id, group in groupby(batch.entries, key=lambda e: e.partner_id):
        entries = list(group)
        folded = fold_requested(ctx, partner_id)
        log.info("fold of %s: %s", partner_id, folded)
        if folded.complete:
            ctx.sweeps.folds.drop([e for e in entries if e.partition != REQUESTED])
    return BatchResult()


def start(ctx: Context, through: datetime | None = None) -> FanOut:
    """The daily fold: every partner noted with deltas on a day up to ``through`` (default
    yesterday; today's notes stay, as today's changes may still be noting)."""
    limit = through if through is not None else ctx.clock() - timedelta(days=1)
    return fan_out(ctx, SweepKind.FOLD, ctx.sweeps.folds.due(limit))


def request(ctx: Context, partner_id: str) -> None:
    """A reader met many deltas: ask for a fold (one conditional write when none is asked
    for yet; never an error for the reader)."""
    try:
        ctx.sweeps.fold_requests.request(partner_id, ctx.clock())
    except Exception:  # the reader's answer is exact anyway; the daily fold catches up
        log.warning("fold request for %s failed", partner_id, exc_info=True)
