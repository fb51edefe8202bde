"""Re-scoring a partner's received referrals when its profile changes, fanned out like the
sweeps: the profile change enqueues batches of the received referrals' ids; workers re-score
them on fresh data (fit.py) and write those whose score moved. Accepted and archived
referrals keep the score they arrived with: it is what the partner decided on.

No re-scoring is lost to a crash between the profile write and the enqueue: the change
marks the partner first (ports/refits.py), clears the mark once every batch is queued, and
the redispatch timer fans out again for marks left behind, as it does for notifications.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from shared.domain import fit, summary
from shared.domain.enums import Stage
from shared.domain.lifecycle import stage_of
from shared.domain.models import Profile
from shared.storage.ports import Change, ListQuery, Stored
from shared.storage.ports.summaries import totals
from shared.storage.ports.sweeps import DueEntry, SweepBatch, SweepKind

from .context import Context
from .fanout import FanOut, fan_out
from .sweep_worker import BatchResult, Outcome, Verdict, work_batch

log = logging.getLogger(__name__)
PAGE = 1000
# As for notifications (expiry.REDISPATCH_AFTER): a healthy change clears its mark within
# the request, so a mark this old was left by a process that died or could not enqueue.
REDISPATCH_AFTER = timedelta(minutes=10)


def affects_fit(before: Profile | None, after: Profile) -> bool:
    return before is None or (before.keywords, before.customer_sizes,
                              [loc.country for loc in before.locations]) != (
        after.keywords, after.customer_sizes, [loc.country for loc in after.locations])


def start(ctx: Context, partner_id: str) -> FanOut:
    return fan_out(ctx, SweepKind.REFIT, _received(ctx, partner_id))


def request(ctx: Context, partner_id: str) -> str:
    """Mark the partner before its profile is written; the token goes to ``run``."""
    return ctx.refits.mark(partner_id, ctx.clock())


def run(ctx: Context, partner_id: str, token: str) -> FanOut | None:
    """Fan the re-scoring out, then clear the mark. An enqueue that fails leaves the mark
    for ``redispatch`` (None): the profile is saved, and the scores follow minutes later."""
    try:
        fanned = start(ctx, partner_id)
    except Exception:  # any enqueue failure is recoverable by the redispatch timer
        log.warning("re-scoring for %s not enqueued; the redispatch timer will retry",
                    partner_id, exc_info=True)
        return None
    ctx.refits.clear(partner_id, token)
    return fanned


def redispatch(ctx: Context) -> int:
    """Fan out again the re-scorings whose marks were left behind. Workers decide on fresh
    data, so one that was enqueued after all costs reads, not wrong scores."""
    count = sum(run(ctx, partner_id, token) is not None
                for partner_id, token in ctx.refits.stale(ctx.clock() - REDISPATCH_AFTER))
    if count:
        log.warning("re-enqueued the re-scoring of %d partner(s) left pending", count)
    return count


def _received(ctx: Context, partner_id: str) -> Iterator[DueEntry]:
    cursor: str | None = None
    while True:
        page = ctx.referrals.page(partner_id, ListQuery(stage=Stage.RECEIVED), cursor, PAGE)
        yield from (DueEntry(partner_id, s.referral.id, "") for s in page.items)
        if page.cursor is None:
            return
        cursor = page.cursor


class _NoIndex:
    """Re-scoring has no index rows to clean up: the referrals themselves are the work."""

    def due(self, limit: datetime) -> Iterator[DueEntry]:
        return iter(())

    def drop(self, entries: Sequence[DueEntry]) -> None:
        return None


def work(ctx: Context, batch: SweepBatch) -> BatchResult:
    inputs: dict[str, tuple[Profile | None, summary.Counts]] = {}

    def decide(stored: Stored, now: datetime) -> Verdict:
        r = stored.referral
        if stage_of(r.status) is not Stage.RECEIVED:
            return Verdict(Outcome.STALE)
        if r.partner_id not in inputs:  # one profile and one summary read per partner
            inputs[r.partner_id] = (ctx.profiles.get(r.partner_id), totals(
                ctx.referrals.summary_rows(r.partner_id), None, None))
        profile, total = inputs[r.partner_id]
        if profile is None:
            return Verdict(Outcome.STALE)
        scored = fit.score(r, profile, summary.similar(total, r))
        if scored == r.fit:
            return Verdict(Outcome.STALE)
        return Verdict(Outcome.CHANGED, Change(stored, r.model_copy(update={"fit": scored})))

    return work_batch(ctx, batch, _NoIndex(), decide)
