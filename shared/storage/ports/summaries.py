"""A partner's sums as the repository hands them to the services: the summary rows (day
and month sums, and the deltas not yet folded into them), the totals over a window, and the
plan of a fold. layout/summaries.py has the key design and how rows are written and read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shared.domain.summary import Counts, add

# Day rows sort before the deltas and month rows after them, so a window (days and deltas)
# and all time (deltas and months) are each one key range without the other kind of sum.
DAY, DELTA, MONTH = "u|d|", "u|t|", "u|y|"
# Month rows of releases before the reorder sorted between days and deltas. Sums add up, so
# they stay valid beside the new ones; a fold that meets one moves it (plan_fold).
LEGACY_MONTH = "u|m|"
# A read that sees more delta rows than this asks for a background fold (services/insights.py);
# half the bound a read may meet once the background has caught up (100), so a partner in
# the ordinary state (a few pending per app instance) never pays for asking.
FOLD_AT = 50
MAX_FOLD_OPS = 99  # one entity-group transaction: deltas deleted + day/month rows written


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
        return self.key.startswith((MONTH, LEGACY_MONTH))


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
    """Fold as many deltas (and legacy month rows, moved to their new key) as fit one
    transaction (deletes plus the day and month rows they touch, at most MAX_FOLD_OPS);
    ``rows`` must be every summary row (read with days)."""
    sums = {r.key: r for r in rows if not r.is_delta}
    merged: dict[str, Counts] = {}
    deletes: list[str] = []
    legacy = [r for r in rows if r.key.startswith(LEGACY_MONTH)]
    for d in [*legacy, *(r for r in rows if r.is_delta)]:
        keys = [MONTH + d.day[:7]] if d.is_month else [DAY + d.day, MONTH + d.day[:7]]
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


def after_fold(rows: list[SummaryRow], fold: Fold, etags: dict[str, str]) -> list[SummaryRow]:
    """``rows`` as they stand once ``fold`` committed: its deltas gone, its day and month
    rows at their new sums and ETags (``etags``, by key, from the transaction's answer), so a
    folder can plan the next transaction without reading again."""
    gone = set(fold.deletes)
    written = {d.key: SummaryRow(d.key, d.day, d.counts, etags.get(d.key)) for d in fold.days}
    kept = [written.pop(r.key, r) for r in rows if r.key not in gone]
    return sorted(kept + list(written.values()), key=lambda r: r.key)
