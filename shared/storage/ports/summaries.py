"""A partner's sums as the repository hands them to the services: the summary rows (month
sums, running sums within a month, and the deltas not yet folded into them), the totals
over a window, and the plan of a fold. layout/summaries.py has the key design and how rows
are written and read.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from shared.domain.summary import Counts, add

# Key prefixes, in their sort order (layout/summaries.py says why this order).
RUNNING = "u|a|"  # u|a|<YYYY-MM-DD>: the month's arrivals from its 1st through that day
STAMP = "u|b|folds"  # how many folds have committed (the readers' consistency check)
LEGACY_DAY = "u|d|"  # u|d|<YYYY-MM-DD>: that day's arrivals (earlier releases; moved by folds)
LEGACY_MONTH = "u|m|"  # u|m|<YYYY-MM>: a month's arrivals (earlier releases; moved by folds)
DELTA = "u|t|"  # u|t|<epoch ms>|<random>: one change, not folded yet
MONTH = "u|y|"  # u|y|<YYYY-MM>: a month's arrivals
# A read that sees more delta rows than this asks for a background fold (services/insights.py);
# half the bound a read may meet once the background has caught up (100), so a partner in
# the ordinary state (a few pending per app instance) never pays for asking.
FOLD_AT = 50
MAX_FOLD_OPS = 99  # one entity-group transaction: rows deleted + rows written + the stamp


@dataclass(frozen=True)
class SummaryRow:
    key: str
    day: str  # arrival day (YYYY-MM-DD) of a delta or day row; a month row's YYYY-MM
    counts: Counts
    etag: str | None = None
    # The stamp: folds committed so far. Any other row: the fold that last wrote it (0 when
    # none has: a delta, or a row of a release before stamps).
    folds: int = 0

    @property
    def is_delta(self) -> bool:
        return self.key.startswith(DELTA)

    @property
    def is_month(self) -> bool:
        return self.key.startswith((MONTH, LEGACY_MONTH))

    @property
    def is_running(self) -> bool:
        return self.key.startswith(RUNNING)

    @property
    def is_stamp(self) -> bool:
        return self.key == STAMP

    @property
    def is_legacy(self) -> bool:
        return self.key.startswith((LEGACY_DAY, LEGACY_MONTH))


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def day_before_in_month(day_from: date | None) -> date | None:
    """The day whose running sum a window from ``day_from`` subtracts (None on a 1st)."""
    return day_from - timedelta(days=1) if day_from is not None and day_from.day > 1 else None


def totals(rows: Iterable[SummaryRow], day_from: date | None, day_to: date | None) -> Counts:
    """The sums over referrals that arrived in the window (inclusive days), or over all of
    them. All time: the month rows and the pending deltas. A window [from, to]: the month
    rows from from's month up to (not including) to's month, minus the running sum of
    from's month through the day before ``from``, plus the running sum of to's month
    through ``to``, plus the deltas that arrived in the window. A day row of an earlier
    release counts as part of the running sums of its month from its day on (it is in its
    month row, and not yet in the running rows). Rows the formula does not name are ignored,
    so any superset of the rows it needs gives the same answer."""
    total: Counts = {}
    if day_from is None and day_to is None:
        for row in rows:
            if row.is_delta or row.is_month:
                add(total, row.counts)
        return total
    if day_from is not None and day_to is not None and day_from > day_to:
        return total
    low = day_from.isoformat() if day_from else ""
    high = day_to.isoformat() if day_to else "~"  # sorts after every day and month
    first_month, last_month = low[:7], high[:7] if day_to else "~"
    before = day_before_in_month(day_from)
    cut = before.isoformat() if before else None  # the running sum subtracted
    for row in rows:
        if row.is_delta:
            sign = int(low <= row.day <= high)
        elif row.is_month:
            sign = int(first_month <= row.day < last_month)
        elif row.is_running:
            sign = int(row.day == high) - int(row.day == cut)
        elif row.key.startswith(LEGACY_DAY):
            sign = (int(row.day[:7] == last_month and row.day <= high)
                    - int(cut is not None and row.day[:7] == first_month and row.day <= cut))
        else:
            sign = 0
        if sign:
            add(total, row.counts if sign > 0 else {k: -v for k, v in row.counts.items()})
    return total


@dataclass(frozen=True)
class Fold:
    """One folding transaction: rows to write (month and running sums, and the stamp; each
    with the ETag it was read at, or None when new) and rows to delete (deltas, and legacy
    rows whose sums it moves)."""

    writes: list[SummaryRow]
    deletes: list[str]


def _targets(row: SummaryRow) -> list[str]:
    """The rows a pending row's sums go to: a delta to its month and the running sums of
    its month from its day on; a legacy day row (already in its month) to those running
    sums; a legacy month row to the month row under the current key."""
    if row.key.startswith(LEGACY_MONTH):
        return [MONTH + row.day]
    running = running_keys_from(date.fromisoformat(row.day))
    return [MONTH + row.day[:7], *running] if row.is_delta else running


def running_keys_from(first: date) -> list[str]:
    """The running rows an arrival on ``first`` adds to: its own and every later day's of
    its month."""
    last = month_end(first)
    return [RUNNING + (first + timedelta(days=n)).isoformat()
            for n in range((last - first).days + 1)]


def plan_fold(rows: list[SummaryRow]) -> Fold | None:
    """Fold as many pending rows (deltas, and legacy rows moved to their current keys) as
    fit one transaction (deletes plus the rows they touch plus the stamp, at most
    MAX_FOLD_OPS), a month at a time; ``rows`` must hold the pending rows, the stamp, and
    every month row and running row they may add to (layout: fold_ranges)."""
    stamp = next((r for r in rows if r.is_stamp), None)
    folds = (stamp.folds if stamp else 0) + 1
    sums = {r.key: r for r in rows if r.key.startswith((MONTH, RUNNING))}
    merged: dict[str, Counts] = {}
    deletes: list[str] = []
    pending = sorted((r for r in rows if r.is_delta or r.is_legacy),
                     key=lambda r: (r.day[:7], r.key))
    for row in pending:
        keys = _targets(row)
        if len(deletes) + 1 + len(merged.keys() | set(keys)) + 1 > MAX_FOLD_OPS:
            break
        for key in keys:
            add(merged.setdefault(key, dict(sums[key].counts) if key in sums else {}),
                row.counts)
        deletes.append(row.key)
    if not deletes:
        return None
    written = [SummaryRow(key, key.rsplit("|", 1)[1],
                          {k: v for k, v in c.items() if v != Decimal(0)},
                          sums[key].etag if key in sums else None, folds)
               for key, c in merged.items()]
    written.append(SummaryRow(STAMP, "", {}, stamp.etag if stamp else None, folds))
    return Fold(written, deletes)


def after_fold(rows: list[SummaryRow], fold: Fold, etags: dict[str, str]) -> list[SummaryRow]:
    """``rows`` as they stand once ``fold`` committed: its deleted rows gone, its written
    rows at their new sums and ETags (``etags``, by key, from the transaction's answer), so
    a folder can plan the next transaction without reading again."""
    gone = set(fold.deletes)
    written = {w.key: SummaryRow(w.key, w.day, w.counts, etags.get(w.key), w.folds)
               for w in fold.writes}
    kept = [written.pop(r.key, r) for r in rows if r.key not in gone]
    return sorted(kept + list(written.values()), key=lambda r: r.key)
