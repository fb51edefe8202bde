"""The organisation's response and outcome figures (GET /insights), from maintained sums.

Reads the partner's summary rows (day sums plus deltas not yet folded) in one query, so the
cost follows the number of arrival days, not the number of referrals. A read that finds many
pending deltas folds some of them, so the next read finds fewer.
"""

from __future__ import annotations

import logging
from datetime import date

from shared.domain.summary import Figures, figures
from shared.storage.ports import ConcurrencyConflict
from shared.storage.ports.summaries import FOLD_AT, plan_fold, totals

from .context import Context

log = logging.getLogger(__name__)


def insights(ctx: Context, partner_id: str, day_from: date | None = None,
             day_to: date | None = None) -> Figures:
    window = day_from is not None or day_to is not None
    rows = ctx.referrals.summary_rows(partner_id, day_from, days=window)
    result = figures(totals(rows, day_from, day_to))
    if sum(row.is_delta for row in rows) > FOLD_AT:
        fold_pending(ctx, partner_id)
    return result


def fold_pending(ctx: Context, partner_id: str) -> None:
    """Fold one batch of pending deltas; losing to a concurrent fold is harmless."""
    fold = plan_fold(ctx.referrals.summary_rows(partner_id, days=True))
    if fold is None:
        return
    try:
        ctx.referrals.fold(partner_id, fold)
    except ConcurrencyConflict:
        log.info("summary fold for %s lost a race; the next read folds again", partner_id)
