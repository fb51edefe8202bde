"""Where the sums sit (layout/summaries.py): all time reads deltas and month rows; a window
reads the pending rows, its whole months and two running rows, a handful whatever its length;
rows an earlier release wrote (``u|d|`` days, ``u|m|`` months) still count and the next fold
moves them. Both stores (memory and Azurite)."""

from __future__ import annotations

from datetime import date

from shared.domain.summary import Counts, add
from shared.services import insights
from shared.services.context import Context
from shared.storage.ports.summaries import (
    DELTA,
    LEGACY_DAY,
    LEGACY_MONTH,
    MONTH,
    RUNNING,
    STAMP,
    Fold,
    SummaryRow,
    day_before_in_month,
)
from tests.integration.test_index_contract import _all, _life, assert_figures_match, life, recount

__all__ = ["life"]  # the fixture


def _everything(ctx: Context, partner: str) -> list[SummaryRow]:
    return ctx.referrals.summary_range(partner, "u|", "u|~")  # type: ignore[attr-defined]


def _as_an_earlier_release_wrote_them(ctx: Context, partner: str) -> int:
    """Replace the running and month rows with the day and month rows an earlier release
    kept (day sums from the running sums' differences), through the store's own fold
    transaction."""
    rows = _everything(ctx, partner)
    running = {r.day: r.counts for r in rows if r.key.startswith(RUNNING)}
    legacy: list[SummaryRow] = []
    for day, counts in sorted(running.items()):
        before = running.get(str(day_before_in_month(date.fromisoformat(day))), {})
        own: Counts = dict(counts)
        add(own, {k: -v for k, v in before.items()})
        if any(own.values()):
            legacy.append(SummaryRow(LEGACY_DAY + day, day, own))
    legacy += [SummaryRow(LEGACY_MONTH + r.day, r.day, r.counts)
               for r in rows if r.key.startswith(MONTH)]
    gone = [r.key for r in rows if r.key.startswith((RUNNING, MONTH)) or r.key == STAMP]
    for start in range(0, max(len(legacy), len(gone)), 40):
        ctx.referrals.fold(partner, Fold(legacy[start:start + 40], gone[start:start + 40]))
    return len(legacy)


def test_all_time_reads_deltas_and_months_and_a_window_a_handful(life, partner):
    _life(life, partner, seed=3, steps=120)
    insights.fold_pending(life, partner)
    _life(life, partner, seed=4, steps=10)  # some deltas pending again
    days = sorted(r.created_date_time.date() for r in _all(life, partner))
    day_from, day_to = days[len(days) // 5], days[-2]
    assert (day_to.year, day_to.month) > (day_from.year, day_from.month)  # spans months
    window = life.referrals.window_rows(partner, day_from, day_to)
    everything = life.referrals.summary_rows(partner)
    months = {r.day for r in window if r.key.startswith(MONTH)}
    assert {r.key[:4] for r in window} <= {DELTA, STAMP[:4], MONTH, RUNNING}
    assert months == {m for m in {d.isoformat()[:7] for d in days}
                      if day_from.isoformat()[:7] <= m < day_to.isoformat()[:7]}
    assert len([r for r in window if r.key.startswith(RUNNING)]) <= 2
    assert {r.key[:4] for r in everything} == {DELTA, STAMP[:4], MONTH}
    for window_days in ((day_from, day_to), (day_from, None), (None, day_to),
                        (day_from, day_from), (day_from.replace(day=1), day_to)):
        assert_figures_match(insights.insights(life, partner, *window_days),
                             recount(_all(life, partner), *window_days))


def test_rows_of_an_earlier_release_count_until_a_fold_moves_them(life, partner):
    _life(life, partner, seed=11, steps=50)
    insights.fold_pending(life, partner)
    assert _as_an_earlier_release_wrote_them(life, partner) >= 3
    assert not [r for r in _everything(life, partner) if r.key.startswith((RUNNING, MONTH))]
    _life(life, partner, seed=12, steps=15)  # new deltas, some in the legacy rows' months
    referrals = _all(life, partner)
    days = sorted(r.created_date_time.date() for r in referrals)
    windows = [(days[len(days) // 3], None), (days[len(days) // 3], days[-3]),
               (None, days[len(days) // 2])]
    assert_figures_match(insights.insights(life, partner), recount(referrals))
    for window in windows:
        assert_figures_match(insights.insights(life, partner, *window),
                             recount(referrals, *window))

    insights.fold_pending(life, partner)
    rows = _everything(life, partner)
    assert not [r for r in rows if r.is_legacy or r.is_delta]
    assert_figures_match(insights.insights(life, partner), recount(referrals))
    for window in windows:
        assert_figures_match(insights.insights(life, partner, *window),
                             recount(referrals, *window))
