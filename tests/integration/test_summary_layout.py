"""Where the sums sit (layout/summaries.py): a window reads day rows and deltas, all time
reads deltas and month rows, and neither pays for the other kind. Month rows written under
the key of earlier releases (``u|m|``) still count, and the next fold moves them. Both
stores (memory and Azurite)."""

from __future__ import annotations

from shared.services import insights
from shared.services.context import Context
from shared.storage.ports.summaries import DAY, DELTA, LEGACY_MONTH, MONTH, Fold, SummaryRow
from tests.integration.test_index_contract import _all, _life, assert_figures_match, life, recount

__all__ = ["life"]  # the fixture


def _as_an_earlier_release_wrote_them(ctx: Context, partner: str) -> int:
    """Move every month row to the legacy key, through the store's own fold transaction."""
    months = [r for r in ctx.referrals.summary_rows(partner, days=True) if r.key.startswith(MONTH)]
    for row in months:
        legacy = SummaryRow(LEGACY_MONTH + row.day, row.day, row.counts, None)
        ctx.referrals.fold(partner, Fold([legacy], [row.key]))
    return len(months)


def test_a_window_reads_days_and_deltas_and_all_time_reads_deltas_and_months(life, partner):
    _life(life, partner, seed=3, steps=40)
    insights.fold_pending(life, partner)
    _life(life, partner, seed=4, steps=10)  # some deltas pending again
    days = sorted(r.created_date_time.date() for r in _all(life, partner))
    window = life.referrals.summary_rows(partner, days[len(days) // 2], days=True, months=False)
    everything = life.referrals.summary_rows(partner)
    assert {r.key[:4] for r in window} == {DAY, DELTA}
    assert {r.key[:4] for r in everything} == {DELTA, MONTH}
    assert_figures_match(insights.insights(life, partner, days[len(days) // 2], None),
                         recount(_all(life, partner), days[len(days) // 2], None))


def test_month_rows_of_an_earlier_release_count_until_a_fold_moves_them(life, partner):
    _life(life, partner, seed=11, steps=40)
    insights.fold_pending(life, partner)
    assert _as_an_earlier_release_wrote_them(life, partner) >= 1
    _life(life, partner, seed=12, steps=15)  # new deltas, some in the legacy rows' months
    referrals = _all(life, partner)
    day = sorted(r.created_date_time.date() for r in referrals)[len(referrals) // 3]
    assert_figures_match(insights.insights(life, partner), recount(referrals))
    assert_figures_match(insights.insights(life, partner, day, None), recount(referrals, day, None))

    insights.fold_pending(life, partner)
    rows = life.referrals.summary_rows(partner, days=True)
    assert not [r for r in rows if r.key.startswith(LEGACY_MONTH)]
    assert not [r for r in rows if r.is_delta]
    assert_figures_match(insights.insights(life, partner), recount(referrals))
    assert_figures_match(insights.insights(life, partner, day, None), recount(referrals, day, None))
