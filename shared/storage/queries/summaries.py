"""The reads behind insights and folds, shared by the Table and in-memory stores, which
supply the two primitives of ``SummaryReader`` (layout/summaries.py has the key design).

A window takes up to four requests (pending rows and the stamp; the whole months inside it;
two running rows by key), whatever its length or the partner's history. They are not one
snapshot: a fold may commit between them and move a delta the first read counted into a
running row a later read sees. Every fold rewrites the stamp and writes its number on each
row it writes, so a later row numbered above the stamp the first read saw is that case; the
reader then reads again, and after a few such races once more as one range of everything
(one snapshot while the partner has under 1,000 summary rows).
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from shared.storage.layout.summaries import (
    HIGH,
    LOW,
    all_time_range,
    fold_ranges,
    month_range,
    pending_range,
    running_keys,
)
from shared.storage.ports.summaries import SummaryRow

ATTEMPTS = 3


class SummaryReader(Protocol):
    def summary_range(self, partner_id: str, low: str, high: str) -> list[SummaryRow]:
        """The summary rows with ``low <= RowKey < high``, in key order, in one query."""

    def summary_points(self, partner_id: str, keys: list[str]) -> list[SummaryRow]:
        """The rows with these keys that exist (point reads)."""


def all_time_rows(reader: SummaryReader, partner_id: str) -> list[SummaryRow]:
    return reader.summary_range(partner_id, *all_time_range())


def window_rows(reader: SummaryReader, partner_id: str, day_from: date | None,
                day_to: date | None) -> list[SummaryRow]:
    """What ports/summaries.totals needs for the window, as one consistent state."""
    months = month_range(day_from, day_to)
    for _ in range(ATTEMPTS):
        rows = reader.summary_range(partner_id, *pending_range())
        stamp = max((r.folds for r in rows if r.is_stamp), default=0)
        later = reader.summary_range(partner_id, *months) if months else []
        later += reader.summary_points(partner_id, running_keys(day_from, day_to))
        if all(r.folds <= stamp for r in later):
            return rows + later
    return reader.summary_range(partner_id, LOW, HIGH)


def fold_rows(reader: SummaryReader, partner_id: str) -> list[SummaryRow]:
    """What ports/summaries.plan_fold needs: the pending rows and the stamp, then every
    running and month row of the months they touch. A fold committing between the reads
    changes the stamp, so the transaction planned from them fails and reads again."""
    rows = reader.summary_range(partner_id, *pending_range())
    months = sorted({r.day[:7] for r in rows if r.is_delta or r.is_legacy})
    if not months:
        return rows
    for low, high in fold_ranges(months):
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
