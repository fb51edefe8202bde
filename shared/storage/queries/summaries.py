"""The reads behind insights and folds, shared by the Table and in-memory stores, which
supply the two primitives of ``SummaryReader`` (layout/summaries.py has the key design).

All time is one range; a window takes up to four requests (the pending rows; the whole
months inside it; two running rows by key), whatever its length or the partner's history.
Neither is one snapshot: a fold may commit between two requests, or between two pages of
one range, and move a delta a first read counted into a month or running row a later read
sees. Every range starts with the stamp, and every fold rewrites the stamp and writes its
number on each row it writes, so a row numbered above the stamp read first is that case:
the reader reads again, after a pause that lets a fold of a burst (about a second for 2,000
deltas) finish. A fold is a few transactions in a row, so a read rarely meets more than one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Protocol

from shared.domain.errors import SummariesBusy
from shared.storage.layout.summaries import (
    all_time_range,
    fold_ranges,
    month_range,
    pending_range,
    running_keys,
)
from shared.storage.ports.summaries import SummaryRow

ATTEMPTS = 8
PAUSE_S = 0.05  # before the 2nd attempt, doubled for each one after: 6.35 s in all


class SummaryReader(Protocol):
    def summary_range(self, partner_id: str, low: str, high: str) -> list[SummaryRow]:
        """The summary rows with ``low <= RowKey < high``, in key order (one query, which
        may come in pages)."""

    def summary_points(self, partner_id: str, keys: list[str]) -> list[SummaryRow]:
        """The rows with these keys that exist (point reads)."""


def _consistent(rows: list[SummaryRow]) -> bool:
    """No fold committed after the stamp (the first row of ``rows``, when it exists) was
    read: none of the rows was written by a later fold."""
    stamp = rows[0].folds if rows and rows[0].is_stamp else 0
    return all(r.folds <= stamp for r in rows)


def read_consistent(read: Callable[[], list[SummaryRow]],
                    pause: Callable[[float], None] = time.sleep) -> list[SummaryRow]:
    """``read()`` (whose first range starts with the stamp) again until no fold came
    between its requests; SummariesBusy when folds kept coming for the whole patience."""
    for attempt in range(ATTEMPTS):
        if attempt:
            pause(PAUSE_S * 2 ** (attempt - 1))
        rows = read()
        if _consistent(rows):
            return rows
    raise SummariesBusy("The figures are being updated; try again in a few seconds.")


def all_time_rows(reader: SummaryReader, partner_id: str) -> list[SummaryRow]:
    return read_consistent(lambda: reader.summary_range(partner_id, *all_time_range()))


def window_rows(reader: SummaryReader, partner_id: str, day_from: date | None,
                day_to: date | None) -> list[SummaryRow]:
    """What ports/summaries.totals needs for the window, as one consistent state."""
    months = month_range(day_from, day_to)
    keys = running_keys(day_from, day_to)

    def read() -> list[SummaryRow]:
        rows = reader.summary_range(partner_id, *pending_range())
        if months:
            rows += reader.summary_range(partner_id, *months)
        return rows + reader.summary_points(partner_id, keys)

    return read_consistent(read)


def fold_rows(reader: SummaryReader, partner_id: str) -> list[SummaryRow]:
    """What ports/summaries.plan_fold needs: the pending rows and the stamp, then the
    running and month rows they may add to. A fold committing between the reads
    changes the stamp, so the transaction planned from them fails and reads again."""
    rows = reader.summary_range(partner_id, *pending_range())
    days = [r.day for r in rows if r.is_delta or r.is_legacy]
    if not days:
        return rows
    for low, high in fold_ranges(days):
        rows += reader.summary_range(partner_id, low, high)
    return rows


class SummaryQueries:
    """The repository's summary reads (ports: ReferralRepository), for a store that is its
    own SummaryReader."""

    def summary_range(self, partner_id: str, low: str, high: str) -> list[SummaryRow]:
        raise NotImplementedError

    def summary_points(self, partner_id: str, keys: list[str]) -> list[SummaryRow]:
        raise NotImplementedError

    def summary_rows(self, partner_id: str) -> list[SummaryRow]:
        return all_time_rows(self, partner_id)

    def window_rows(self, partner_id: str, day_from: date | None, day_to: date | None
                    ) -> list[SummaryRow]:
        return window_rows(self, partner_id, day_from, day_to)

    def fold_rows(self, partner_id: str) -> list[SummaryRow]:
        return fold_rows(self, partner_id)
