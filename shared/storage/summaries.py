"""Summary rows: the sums behind insights, kept in each partner's partition.

Key design:
* ``u|t|<epoch ms>|<random>``: one delta row per change that moves a sum, written in the
  change's own entity-group transaction (so it exists if and only if the change does), with
  the referral's arrival day and the sparse delta (``domain.summary.delta``).
* ``u|d|<YYYY-MM-DD>``: the folded sums of referrals that arrived that day.

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
DAY, DELTA = "u|d|", "u|t|"
LOW, HIGH = "u|", "u|~"
FOLD_AT = 20  # a read that sees more delta rows than this folds them
MAX_FOLD = 60  # delta rows folded per transaction (plus their day rows: under 100 ops)


def range_low(day_from: date | None) -> str:
    """Where a read of the summary rows starts: day rows sort by day, and every delta row
    (``u|t|``) sorts after every day row, so one range from the first wanted day up to
    HIGH holds both (and only the days after the window's end are read in excess)."""
    return DAY + day_from.isoformat() if day_from else LOW


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


def row_from_entity(key: str, props: dict[str, Any], etag: str | None = None) -> SummaryRow:
    day = key[len(DAY):] if key.startswith(DAY) else str(props["day"])
    return SummaryRow(key, day, loads(str(props["counts"])), etag)


def totals(rows: Iterable[SummaryRow], day_from: date | None, day_to: date | None) -> Counts:
    low = day_from.isoformat() if day_from else ""
    high = day_to.isoformat() if day_to else "~"
    total: Counts = {}
    for row in rows:
        if low <= row.day <= high:
            add(total, row.counts)
    return total


@dataclass(frozen=True)
class Fold:
    """One folding transaction: day rows to write (with the ETag they were read at, or None
    when new) and delta rows to delete."""

    days: list[SummaryRow]
    deletes: list[str]


def plan_fold(rows: list[SummaryRow]) -> Fold | None:
    deltas = [r for r in rows if r.is_delta][:MAX_FOLD]
    if not deltas:
        return None
    days = {r.day: r for r in rows if not r.is_delta}
    merged: dict[str, Counts] = {}
    for d in deltas:
        add(merged.setdefault(d.day, dict(days[d.day].counts) if d.day in days else {}),
            d.counts)
    new_days = [SummaryRow(DAY + day, day, {k: v for k, v in c.items() if v != 0},
                           days[day].etag if day in days else None)
                for day, c in merged.items()]
    return Fold(new_days, [d.key for d in deltas])
