"""Summary deltas are folded in the background: after a burst of changes and the folds it
asked for, a read examines few delta rows and its figures equal a recount (in-memory store;
tests/integration/test_folding_tables.py runs the burst on Azurite)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.services import insights
from shared.storage.ports import folds
from shared.storage.ports.folds import FOLD_DELAY, NUDGE_EVERY
from shared.storage.ports.summaries import FOLD_AT
from shared.storage.ports.sweeps import SweepKind
from tests.integration.test_index_contract import assert_figures_match, recount
from tests.support.folding import DeltaCount, burst, drain, onboard, pending
from tests.support.memory_app import MemoryApp

P = "p1"


@pytest.fixture
def app() -> MemoryApp:
    app = MemoryApp()
    onboard(app.ctx, P)
    return app


def fold_batches(app: MemoryApp) -> list:
    return [(b, d) for b, d in app.batches.take_with_delays() if b.kind is SweepKind.FOLD]


def test_a_burst_asks_for_one_fold_at_a_time_and_a_read_then_examines_few_deltas(app):
    burst(app.ctx, P, 2_000)
    asked = fold_batches(app)
    # One request in flight per partner, however many changes asked: the rest were refused.
    assert [(b.entries[0].partner_id, d) for b, d in asked] == [(P, FOLD_DELAY)]
    for batch, _ in asked:
        insights.work(app.ctx, batch)
    counted = DeltaCount(app.ctx.referrals)
    ctx = replace(app.ctx, referrals=counted)
    figures = insights.insights(ctx, P)
    assert counted.deltas <= 100 and counted.reads == 1
    assert_figures_match(figures, recount(list(app.ctx.referrals.all_for_partner(P))))
    assert figures.counts["accepted"] == 100


def test_folds_worked_during_a_burst_keep_pending_deltas_bounded(app):
    most = 0

    def background() -> None:
        nonlocal most
        most = max(most, pending(app.ctx, P))
        drain(app.ctx, app.batches)  # the queue function, keeping up

    burst(app.ctx, P, 600, tick=background)
    drain(app.ctx, app.batches)
    assert most <= NUDGE_EVERY  # folded every time it asked
    assert pending(app.ctx, P) < NUDGE_EVERY  # what one instance counted and has not told
    assert_figures_match(insights.insights(app.ctx, P),
                         recount(list(app.ctx.referrals.all_for_partner(P))))


def test_the_daily_timer_folds_what_no_request_covered(app):
    burst(app.ctx, P, NUDGE_EVERY - 1)  # too few to ask
    assert not fold_batches(app) and pending(app.ctx, P) == NUDGE_EVERY - 1
    insights.start(app.ctx)  # the same day: today's changes may still be noting
    assert not fold_batches(app)
    app.clock.advance(days=1)
    assert insights.start(app.ctx).entries == 1  # the daily timer (expire_referrals)
    for batch, _ in fold_batches(app):
        insights.work(app.ctx, batch)
    assert pending(app.ctx, P) == 0
    assert list(app.ctx.sweeps.folds.due(app.clock.now)) == []  # its index row is gone
    assert insights.start(app.ctx).entries == 0


def test_a_read_that_meets_many_deltas_asks_once(app, monkeypatch):
    monkeypatch.setattr(folds, "NUDGE_EVERY", 10**6)  # as if the changes' asks were lost
    burst(app.ctx, P, FOLD_AT + 10)
    assert not fold_batches(app)
    expected = recount(list(app.ctx.referrals.all_for_partner(P)))
    assert_figures_match(insights.insights(app.ctx, P), expected)  # exact, only dearer
    assert_figures_match(insights.insights(app.ctx, P), expected)
    asked = fold_batches(app)
    assert len(asked) == 1  # the second read found the request in flight
    insights.work(app.ctx, asked[0][0])
    assert pending(app.ctx, P) == 0
    assert_figures_match(insights.insights(app.ctx, P), expected)


def test_a_failed_ask_is_released_for_the_next_change(app, monkeypatch):
    def refuse(batch, delay=None):
        raise OSError("queue down")

    monkeypatch.setattr(app.batches, "send", refuse)
    burst(app.ctx, P, NUDGE_EVERY)  # the change commits; its ask fails quietly
    monkeypatch.undo()
    assert pending(app.ctx, P) == NUDGE_EVERY
    burst(app.ctx, P, NUDGE_EVERY)
    assert len(fold_batches(app)) == 1  # not held back by a request that never went out

