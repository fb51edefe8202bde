"""Background folds of summary deltas, on both stores and against Azurite with a counted
Table client: a fold racing other folds and changes counts each change once (the property
tests of test_index_contract.py, extended to background folds), and after a burst of 2,000
changes the background catches up within a minute and a read examines at most 100 deltas."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from dataclasses import replace
from typing import Any

from azure.data.tables import TableServiceClient

from shared.domain.errors import DomainError
from shared.services import insights
from shared.services import referrals as svc
from shared.services.context import Context
from shared.storage.layout import keys
from shared.storage.ports.folds import FoldRequests
from shared.storage.ports.summaries import DELTA
from shared.storage.tables.folds import TableFoldIndex, TableFoldMarks
from shared.storage.tables.referrals import TableReferrals
from tests.fakes.sweeps import MemoryBatchQueue
from tests.integration.test_index_contract import (
    _all,
    _command,
    _life,
    assert_figures_match,
    life,  # noqa: F401  (the fixture)
    recount,
)
from tests.support.folding import Background, burst, onboard, pending
from tests.support.sweeping import PartnerOnly


def test_background_folds_racing_changes_count_each_change_once(life: Context,  # noqa: F811
                                                                partner: str):
    _life(life, partner, seed=13, steps=30)
    ids = [r.id for r in _all(life, partner)]

    def changes(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(15):
            rid = rng.choice(ids)
            with contextlib.suppress(DomainError):
                svc.perform(life, partner, rid, _command(rng, svc.get(life, partner, rid).referral))

    threads = [threading.Thread(target=insights.fold_requested, args=(life, partner))
               for _ in range(3)]
    threads += [threading.Thread(target=changes, args=(seed,)) for seed in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expected = recount(_all(life, partner))
    assert_figures_match(insights.insights(life, partner), expected)
    insights.fold_requested(life, partner)  # what the racing folds left
    assert pending(life, partner) == 0
    assert_figures_match(insights.insights(life, partner), expected)


class CountedTable:
    """A TableClient that counts the delta rows its queries hand back (a counting proxy of
    the adapter's client: the reads are the real ones, against Azurite)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.deltas = 0
        self.queries = 0

    def query_entities(self, *args: Any, **kwargs: Any) -> Any:
        self.queries += 1
        for entity in self.inner.query_entities(*args, **kwargs):
            self.deltas += str(entity.get("RowKey", "")).startswith(DELTA)
            yield entity

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def counted_context(table_context: Context, connection_string: str, partner: str
                    ) -> tuple[Context, MemoryBatchQueue, CountedTable]:
    """``table_context`` with a repository over a counted Referrals client, fold requests
    on an in-memory queue (worked by this test's Background), daily folds of ``partner``."""
    service = TableServiceClient.from_connection_string(connection_string)
    table = CountedTable(service.get_table_client(keys.REFERRALS_TABLE))
    expiry = service.get_table_client(keys.EXPIRY_INDEX_TABLE)
    queue = MemoryBatchQueue()
    requests = FoldRequests(TableFoldMarks(table, expiry), queue)  # type: ignore[arg-type]
    repo = TableReferrals(table, expiry,  # type: ignore[arg-type]
                          service.get_table_client(keys.OUTBOX_INDEX_TABLE),
                          service.get_table_client(keys.REMINDER_INDEX_TABLE), requests)
    sweeps = replace(table_context.sweeps, queue=queue, fold_requests=requests,
                     folds=PartnerOnly(TableFoldIndex(expiry), {partner}))
    return replace(table_context, referrals=repo, sweeps=sweeps), queue, table


def test_after_a_burst_of_2000_changes_a_read_examines_at_most_100_deltas(
        table_context: Context, azurite: Any, partner: str) -> None:
    ctx, queue, table = counted_context(table_context, azurite.connection_string, partner)
    onboard(ctx, partner)
    with Background(ctx, queue) as background:
        started = time.monotonic()
        burst(ctx, partner, 2_000, workers=4)  # four callers at once, as over HTTP
        burst_s = time.monotonic() - started
        before = pending(ctx, partner)
        ended = time.monotonic()
        while background.busy():
            time.sleep(0.1)
        caught_up_s = time.monotonic() - ended
    table.deltas = table.queries = 0
    figures = insights.insights(ctx, partner)
    print(f"burst {burst_s:.1f} s, {before} deltas pending at its end, background caught up "
          f"{caught_up_s:.1f} s later in {background.worked} folds; the read: "
          f"{table.queries} query, {table.deltas} deltas")
    assert caught_up_s < 60
    assert table.queries == 1 and table.deltas <= 100
    assert_figures_match(figures, recount(list(ctx.referrals.all_for_partner(partner))))
