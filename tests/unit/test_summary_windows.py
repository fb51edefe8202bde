"""Window sums from month and running rows (ports/summaries.totals, queries/summaries.py),
checked against the plain sum of the deltas they fold, in every state folding passes
through: nothing folded, some transactions committed, rows of an earlier release, all
folded; and with a fold committing between a window's reads."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.summary import Counts, add
from shared.storage.layout.summaries import dumps, settled_rows
from shared.storage.ports.summaries import (
    LEGACY_DAY,
    LEGACY_MONTH,
    MONTH,
    RUNNING,
    STAMP,
    Fold,
    SummaryRow,
    day_before_in_month,
    totals,
)
from shared.storage.queries.summaries import all_time_rows, read_consistent, window_rows
from tests.fakes.memory import MemoryStore
from tests.fakes.memory_summaries import fold_transactions

P = "p-1"
FIRST, LAST = date(2026, 9, 14), date(2027, 1, 20)


def _deltas(rng: random.Random, n: int) -> list[tuple[str, Counts]]:
    span = (LAST - FIRST).days
    return [((FIRST + timedelta(days=rng.randrange(span + 1))).isoformat(),
             {"received": Decimal(1), "pipeline:EUR": Decimal(rng.randrange(-50, 100))})
            for _ in range(n)]


def _store(deltas: list[tuple[str, Counts]]) -> MemoryStore:
    store = MemoryStore()
    rows = store.index.setdefault(P, {})
    for n, (day, counts) in enumerate(deltas):
        rows[f"u|t|{n:013d}|x"] = {"day": day, "counts": dumps(counts), "etag": f"e{n}"}
    return store


def _expected(deltas: list[tuple[str, Counts]], day_from: date | None, day_to: date | None
              ) -> Counts:
    out: Counts = {}
    for day, counts in deltas:
        if (day_from is None or day >= day_from.isoformat()) and (
                day_to is None or day <= day_to.isoformat()):
            add(out, counts)
    return {k: v for k, v in out.items() if v}


def _windows(rng: random.Random) -> list[tuple[date | None, date | None]]:
    def day() -> date:
        return FIRST - timedelta(days=3) + timedelta(days=rng.randrange(135))

    out: list[tuple[date | None, date | None]] = [(None, day()), (day(), None)]
    for _ in range(25):
        a, b = sorted((day(), day()))
        out.append((a, b))
    out += [(date(2026, 11, 1), date(2026, 11, 30)), (date(2026, 10, 1), date(2026, 12, 31)),
            (date(2026, 12, 5), date(2026, 12, 5)), (date(2026, 10, 31), date(2026, 11, 1))]
    return out


def _fold_some(store: MemoryStore, transactions: int) -> None:
    fold_transactions(store, P, transactions)


def _to_legacy(store: MemoryStore) -> None:
    """Running and month rows rewritten as an earlier release kept them (day and month)."""
    rows = store.summary_range(P, "u|", "u|~")
    running = {r.day: r.counts for r in rows if r.key.startswith(RUNNING)}
    legacy: list[SummaryRow] = []
    for day, counts in running.items():
        own = dict(counts)
        before = day_before_in_month(date.fromisoformat(day))
        add(own, {k: -v for k, v in running.get(str(before), {}).items()})
        if any(own.values()):
            legacy.append(SummaryRow(LEGACY_DAY + day, day, own))
    legacy += [SummaryRow(LEGACY_MONTH + r.day, r.day, r.counts)
               for r in rows if r.key.startswith(MONTH)]
    gone = [r.key for r in rows if r.key.startswith((RUNNING, MONTH)) or r.key == STAMP]
    store.fold(P, Fold(legacy, gone))


def _check(store: MemoryStore, deltas: list[tuple[str, Counts]], rng: random.Random,
           state: str) -> None:
    for day_from, day_to in _windows(rng):
        got = {k: v for k, v in totals(store.window_rows(P, day_from, day_to), day_from,
                                       day_to).items() if v}
        assert got == _expected(deltas, day_from, day_to), (state, day_from, day_to)
    assert {k: v for k, v in totals(store.summary_rows(P), None, None).items() if v} == \
        _expected(deltas, None, None), state


def test_windows_equal_the_sum_of_their_deltas_in_every_state_of_folding():
    rng = random.Random(5)
    deltas = _deltas(rng, 400)
    store = _store(deltas)
    _check(store, deltas, rng, "nothing folded")
    _fold_some(store, 3)
    _check(store, deltas, rng, "three transactions")
    _fold_some(store, 10_000)
    assert not [r for r in store.summary_range(P, "u|", "u|~") if r.is_delta]
    _check(store, deltas, rng, "all folded")
    _to_legacy(store)
    _check(store, deltas, rng, "an earlier release's rows")
    more = _deltas(rng, 150)
    for n, (day, counts) in enumerate(more):
        store.index[P][f"u|t|9{n:012d}|y"] = {"day": day, "counts": dumps(counts), "etag": "n"}
    deltas += more
    _fold_some(store, 4)
    _check(store, deltas, rng, "legacy rows partly moved")
    _fold_some(store, 10_000)
    assert not [r for r in store.summary_range(P, "u|", "u|~") if r.is_delta or r.is_legacy]
    _check(store, deltas, rng, "legacy rows all moved")


def test_a_window_reads_a_handful_of_rows_whatever_its_length():
    rng = random.Random(8)
    deltas = _deltas(rng, 2000)
    store = _store(deltas)
    _fold_some(store, 10_000)
    rows = store.window_rows(P, date(2026, 9, 20), date(2027, 1, 10))
    # the stamp, the months September to December (less September's running sum through
    # the 19th), and January's running sum through the 10th
    assert sorted(r.key for r in rows) == [
        "u|a|2026-09-19", "u|a|2027-01-10", "u|b|folds",
        "u|y|2026-09", "u|y|2026-10", "u|y|2026-11", "u|y|2026-12"]


class _FoldBetweenReads:
    """A store on which another fold commits right after a window's first read."""

    def __init__(self, store: MemoryStore, folds: int) -> None:
        self.store, self.folds, self.reads = store, folds, 0

    def summary_range(self, partner_id: str, low: str, high: str) -> list[SummaryRow]:
        rows = self.store.summary_range(partner_id, low, high)
        self.reads += 1
        if self.folds and self.reads == 1:
            self.folds -= 1
            _fold_some(self.store, 10_000)
        return rows

    def summary_points(self, partner_id: str, keys: list[str]) -> list[SummaryRow]:
        return self.store.summary_points(partner_id, keys)


def test_a_fold_between_a_window_s_reads_is_not_counted_twice():
    rng = random.Random(13)
    deltas = _deltas(rng, 300)
    window = (date(2026, 10, 10), date(2026, 12, 20))
    store = _store(deltas)
    _fold_some(store, 2)
    racing = _FoldBetweenReads(store, folds=1)
    got = {k: v for k, v in totals(window_rows(racing, P, *window), *window).items() if v}
    assert got == _expected(deltas, *window)
    assert racing.reads > 2  # it read again

    # Without the stamp's check, the same race counts the moved deltas twice.
    store = _store(deltas)
    _fold_some(store, 2)
    racing = _FoldBetweenReads(store, folds=1)
    naive: list[Any] = racing.summary_range(P, "u|b|", "u|t|~")
    naive += racing.summary_range(P, "u|y|2026-10", "u|y|2026-12")
    naive += racing.summary_points(P, ["u|a|2026-12-20", "u|a|2026-10-09"])
    assert totals(naive, *window) != _expected(deltas, *window)


class _FoldBetweenPages:
    """Table storage's paging: a range of more than ``page`` rows comes in pages, each its
    own request, and another fold commits between the first page and the next."""

    def __init__(self, store: MemoryStore, page: int = 1000) -> None:
        self.store, self.page, self.raced = store, page, False

    def summary_range(self, partner_id: str, low: str, high: str) -> list[SummaryRow]:
        rows = self.store.summary_range(partner_id, low, high)
        if len(rows) <= self.page or self.raced:
            return rows
        first = rows[:self.page]
        self.raced = True
        _fold_some(self.store, 10_000)
        rest = self.store.summary_range(partner_id, low, high)
        return first + [r for r in rest if r.key > first[-1].key]

    def summary_points(self, partner_id: str, keys: list[str]) -> list[SummaryRow]:
        return self.store.summary_points(partner_id, keys)


def test_a_fold_between_the_pages_of_one_range_is_not_counted_twice():
    deltas = _deltas(random.Random(3), 1500)  # 1,500 pending rows: two pages
    window = (date(2026, 10, 10), date(2026, 12, 20))
    for read, span in ((window_rows, window), (all_time_rows, (None, None))):
        store = _store(deltas)
        _fold_some(store, 1)
        paged = _FoldBetweenPages(store)
        rows = read(paged, P, *span) if span != (None, None) else read(paged, P)
        assert paged.raced
        got = {k: v for k, v in totals(rows, *span).items() if v}
        assert got == _expected(deltas, *span), read.__name__


def test_the_stamp_read_last_would_miss_a_fold_between_pages():
    """Why the stamp sorts first: served after the deltas, the second page carries the new
    stamp, and the rows look consistent although the first page's deltas count twice."""
    deltas = _deltas(random.Random(3), 1500)
    store = _store(deltas)
    _fold_some(store, 1)
    paged = _FoldBetweenPages(store)
    rows = paged.summary_range(P, "u|d|", "u|~")  # deltas, fold, rest (months)
    stamp = store.summary_points(P, [STAMP])[0]  # where it sorted: after the pages
    assert all(r.folds <= stamp.folds for r in rows)  # the check: passes
    assert totals(rows, None, None).get("received") != len(deltas)  # yet counts twice


def test_a_read_that_keeps_meeting_folds_gives_up_with_busy_not_a_wrong_figure():
    from shared.domain.errors import SummariesBusy

    store = _store(_deltas(random.Random(5), 50))
    pauses: list[float] = []

    def read() -> list[SummaryRow]:
        first = store.summary_range(P, "u|b|", "u|~")  # the stamp, then a fold commits
        store.index[P]["u|t|9999999999999|z"] = {"day": "2026-10-01", "counts": "{}",
                                                  "etag": "z"}
        _fold_some(store, 10_000)
        return first + store.summary_range(P, "u|y|", "u|y|~")

    try:
        read_consistent(read, pauses.append)
    except SummariesBusy:
        pass
    else:
        raise AssertionError("an inconsistent read was returned")
    assert len(pauses) == 7 and pauses[0] == 0.05 and round(sum(pauses), 2) == 6.35


def test_a_fold_reads_the_running_rows_of_the_months_it_touches_not_those_between():
    history = [((date(2025, 1, 1) + timedelta(days=n)).isoformat(), {"received": Decimal(1)})
               for n in range(730)]
    store = _store(history)
    _fold_some(store, 10**6)
    late = [("2025-01-15", {"received": Decimal(1)}), ("2026-12-30", {"received": Decimal(1)})]
    for n, (day, counts) in enumerate(late):
        store.index[P][f"u|t|9{n:012d}|z"] = {"day": day, "counts": dumps(counts), "etag": "n"}
    rows = store.fold_rows(P)
    running = sorted(r.key for r in rows if r.is_running)
    # January 2025 from the 15th (17 rows) and December 2026 from the 30th (2): not the
    # ~700 running rows of the months between
    assert len(running) == 19 and running[0] == "u|a|2025-01-15"
    _fold_some(store, 10**6)
    assert totals(store.summary_rows(P), None, None)["received"] == 732
    assert {k: v for k, v in totals(store.window_rows(P, date(2025, 1, 15), date(2025, 1, 15)),
                                    date(2025, 1, 15), date(2025, 1, 15)).items()
            if v} == {"received": 2}


def test_settled_rows_are_what_folding_leaves():
    rng = random.Random(21)
    deltas = _deltas(rng, 500)
    store = _store(deltas)
    _fold_some(store, 10_000)
    by_day: dict[str, Counts] = {}
    for day, counts in deltas:
        add(by_day.setdefault(day, {}), counts)
    folded = {r.key: {k: v for k, v in r.counts.items() if v}
              for r in store.summary_range(P, "u|", "u|~") if not r.is_stamp}
    assert folded == {k: {n: v for n, v in c.items() if v} for k, c in settled_rows(by_day)}
