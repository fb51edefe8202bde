"""Summary rows: the sums behind insights, kept in each partner's partition.

Key design:
* ``u|t|<epoch ms>|<random>``: one delta row per change that moves a sum, written in the
  change's own entity-group transaction (so it exists if and only if the change does), with
  the referral's arrival day and the sparse delta (``domain.summary.delta``).
* ``u|d|<YYYY-MM-DD>``: the folded sums of referrals that arrived that day, and
  ``u|m|<YYYY-MM>``: the same for the month, kept in the same fold, so all-time figures read
  one row a month (about a dozen a year), and a window reads its days.

Folding ("compaction") merges some delta rows into their day rows and deletes them in one
transaction, conditional on the day rows' ETags: it happens once or not at all, so nothing
is counted twice or lost. Readers read both kinds in one query (one round trip while a
partner has under 1,000 such rows, i.e. under about three years of arrival days), so a
fold between two reads can never be half-seen.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.models import Referral
from shared.domain.summary import Counts, add, delta

PREFIX = "u|"
DAY, MONTH, DELTA = "u|d|", "u|m|", "u|t|"
LOW, HIGH = "u|", "u|~"
FOLD_AT = 20  # a read that sees more delta rows than this folds them
MAX_FOLD_OPS = 99  # one entity-group transaction: deltas deleted + day/month rows written


def range_low(day_from: date | None, days: bool = False) -> str:
    """Where a read of the summary rows starts. Day rows sort by day, then month rows, then
    every delta row, so one range up to HIGH holds: with ``days``, the day rows from
    ``day_from`` (or the first) on, then the months and deltas; without, months and deltas
    only (all-time figures)."""
    if days or day_from is not None:
        return DAY + (day_from.isoformat() if day_from else "")
    return MONTH


def dumps(counts: Counts) -> str:
    return json.dumps({k: str(v) for k, v in sorted(counts.items())}, separators=(",", ":"))


def loads(text: str) -> Counts:
    return {k: Decimal(v) for k, v in json.loads(text).items()}


def delta_row(before: Referral | None, after: Referral, now: datetime) -> dict[str, Any] | None:
    """The delta row a change writes, or None when it moves no sum (an edit of notes)."""
    change = delta(before, after)
    if not change:
        return None
    key = f"{DELTA}{int(now.timestamp() * 1000):013d}|{secrets.token_hex(5)}"
    return {"RowKey": key, "day": after.created_date_time.strftime("%Y-%m-%d"),
            "counts": dumps(change)}


@dataclass(frozen=True)
class SummaryRow:
    key: str
    day: str
    counts: Counts
    etag: str | None = None

    @property
    def is_delta(self) -> bool:
        return self.key.startswith(DELTA)

    @property
    def is_month(self) -> bool:
        return self.key.startswith(MONTH)


def row_from_entity(key: str, props: dict[str, Any], etag: str | None = None) -> SummaryRow:
    # ``day`` is the arrival day of a delta or day row, and the month ("YYYY-MM") of a month.
    day = key[len(DAY):] if key.startswith((DAY, MONTH)) else str(props["day"])
    if key.startswith(MONTH):
        day = key[len(MONTH):]
    return SummaryRow(key, day, loads(str(props["counts"])), etag)


def totals(rows: Iterable[SummaryRow], day_from: date | None, day_to: date | None) -> Counts:
    """The sums over referrals that arrived in the window (inclusive days), or over all of
    them: from day rows for a window, month rows for all time, plus the pending deltas."""
    window = day_from is not None or day_to is not None
    low = day_from.isoformat() if day_from else ""
    high = day_to.isoformat() if day_to else "~"
    total: Counts = {}
    for row in rows:
        if row.is_delta:
            wanted = low <= row.day <= high
        else:  # a day row serves a window, a month row all time: never both
            wanted = (not row.is_month and low <= row.day <= high) if window else row.is_month
        if wanted:
            add(total, row.counts)
    return total


@dataclass(frozen=True)
class Fold:
    """One folding transaction: day and month rows to write (with the ETag they were read
    at, or None when new) and delta rows to delete."""

    days: list[SummaryRow]
    deletes: list[str]


def plan_fold(rows: list[SummaryRow]) -> Fold | None:
    """Fold as many deltas as fit one transaction (deletes plus the day and month rows they
    touch, at most MAX_FOLD_OPS); ``rows`` must be every summary row (read with days)."""
    sums = {r.key: r for r in rows if not r.is_delta}
    merged: dict[str, Counts] = {}
    deletes: list[str] = []
    for d in (r for r in rows if r.is_delta):
        keys = [DAY + d.day, MONTH + d.day[:7]]
        if len(deletes) + 1 + len(set(merged) | set(keys)) > MAX_FOLD_OPS:
            break
        for key in keys:
            add(merged.setdefault(key, dict(sums[key].counts) if key in sums else {}), d.counts)
        deletes.append(d.key)
    if not deletes:
        return None
    written = [SummaryRow(key, key.rsplit("|", 1)[1], {k: v for k, v in c.items() if v != 0},
                          sums[key].etag if key in sums else None)
               for key, c in merged.items()]
    return Fold(written, deletes)
