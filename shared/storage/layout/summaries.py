"""Summary rows: the sums behind insights, kept in each partner's partition.

Key design, in sort order (ports/summaries.py names the prefixes):
* ``u|a|<YYYY-MM-DD>``: running sums. The row of a day holds the arrivals of its month from
  the 1st through that day; a month has one from its first day with an arrival to its last
  day (so the running sum of any day is one point read, and a missing row means nothing
  arrived in the month up to that day).
* ``u|b|folds``: the stamp, the number of folds committed. Every fold rewrites it and writes
  the new number on each row it writes (``folds``). It sorts before every row a range read
  returns, so each such read sees it first (below).
* ``u|d|<YYYY-MM-DD>`` and ``u|m|<YYYY-MM>``: a day's and a month's sums as earlier releases
  kept them. They still count (ports/summaries.totals), and folds move them to the current
  rows; a read that meets one asks for a fold.
* ``u|t|<epoch ms>|<random>``: one delta row per change that moves a sum, written in the
  change's own entity-group transaction (so it exists if and only if the change does), with
  the referral's arrival day and the sparse delta (``domain.summary.delta``).
* ``u|y|<YYYY-MM>``: a month's sums.

All time reads one range: the stamp up to ``u|~`` (the stamp, legacy rows, deltas, months),
one row a month. A window [from, to] reads the pending range (the stamp, legacy rows,
deltas), the month rows from from's month up to to's month, and at most two running rows
(the day before ``from``, if in the same month, and ``to``): a fixed handful of rows whatever
the window's length or the partner's history, in up to four requests. Neither is one
snapshot: the reads are separate requests, and a range of more than 1,000 rows (a burst's
deltas) comes in pages, each its own request. The stamp makes them one. It is the first row
read, and a fold that commits after that deletes deltas and rewrites month or running rows
with a number above the stamp: a reader that meets such a row reads again
(queries/summaries.py). The stamp must come first: read last (after the deltas, as it
once sorted), a fold between two pages would go unseen while the later pages carried the
new stamp, and the deltas of the first page would count twice.

Folding ("compaction") merges pending rows into the month and running rows and deletes them
in one transaction, conditional on the stamp's ETag and every written row's: it happens once
or not at all, so nothing is counted twice or lost. A fold reads the pending range, then the
running rows it may add to (one range per run of consecutive months it touches) and their
month rows.

Folding happens in the background (ports/folds.py has when; services/insights.py how), with
two more kinds of row:
* ``u|~fold`` in the partner's partition: a fold is asked for and not yet run. Created
  if-not-exists by whoever asks, deleted by the fold; it sorts after ``HIGH``, so no read
  of summary rows sees it.
* in the ``ExpiryIndex`` table, PartitionKey ``fold|<YYYY-MM-DD>``, RowKey
  ``<partner>|fold``: the partner had deltas written that day (noted once per app instance
  and day). The daily fold reads the partitions of days before today (``fold|`` sorts after
  every ``YYYYMMDD`` due day, so the expiry sweep's ``PartitionKey le <day>`` never reaches
  them) and deletes each row once its partner is folded.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.models import Referral
from shared.domain.summary import Counts, add, delta
from shared.storage.ports.summaries import (
    DELTA,
    MONTH,
    RUNNING,
    STAMP,
    SummaryRow,
    day_before_in_month,
    running_keys_from,
)

PREFIX = "u|"
LOW, HIGH = "u|", "u|~"
FOLD_MARK = HIGH + "fold"
FOLD_INDEX = "fold|"


def fold_partition(day: str) -> str:
    """The fold index partition of the day (``YYYY-MM-DD``) deltas were written on."""
    return FOLD_INDEX + day


def all_time_range() -> tuple[str, str]:
    """``[low, high)`` of all-time figures: the stamp, legacy rows, deltas, months (legacy
    day rows are in their legacy month rows too; totals ignores them)."""
    return STAMP, HIGH


def pending_range() -> tuple[str, str]:
    """``[low, high)`` of what a fold moves and every read needs: the stamp, legacy rows and
    deltas (no month or running row)."""
    return STAMP, DELTA + "~"


def month_range(day_from: date | None, day_to: date | None) -> tuple[str, str] | None:
    """``[low, high)`` of the month rows a window adds whole (totals): from from's month up
    to to's, which its running sum covers; None when there are none (one month)."""
    low = MONTH + (day_from.isoformat()[:7] if day_from else "")
    high = MONTH + (day_to.isoformat()[:7] if day_to else "~")
    return (low, high) if low < high else None


def running_keys(day_from: date | None, day_to: date | None) -> list[str]:
    """The running rows a window reads by key: ``to``'s, and the day before ``from``'s when
    that is in from's month."""
    before = day_before_in_month(day_from)
    return [RUNNING + d.isoformat() for d in (day_to, before) if d is not None]


def fold_ranges(days: Iterable[str]) -> list[tuple[str, str]]:
    """What a fold of pending rows of these arrival days (``YYYY-MM-DD``, or a legacy
    month row's ``YYYY-MM``) may rewrite, so it creates none that exists: the running rows
    from each day to its month's end, read as one range per run of consecutive months
    (from the run's earliest day), and the month rows, one range (a row a month). A change
    to a referral that arrived long ago does not read every running row since then."""
    first: dict[str, str] = {}
    for day in days:
        first[day[:7]] = min(first.get(day[:7], day), day)
    months = sorted(first)
    runs: list[list[str]] = []
    for month in months:
        if runs and next_month(runs[-1][-1]) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    return [(RUNNING + first[run[0]], RUNNING + run[-1] + "~") for run in runs] + [
        (MONTH + months[0], MONTH + months[-1] + "~")]


def next_month(month: str) -> str:
    """``YYYY-MM`` of the month after ``month``."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def settled_rows(days: dict[str, Counts]) -> list[tuple[str, Counts]]:
    """The running and month rows (key, sums) of one partner once every delta is folded,
    from its sums by arrival day (``YYYY-MM-DD``): what folding leaves, for loaders."""
    out: dict[str, Counts] = {}
    for day, counts in sorted(days.items()):
        for key in (MONTH + day[:7], *running_keys_from(date.fromisoformat(day))):
            add(out.setdefault(key, {}), counts)
    return sorted(out.items())


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


def row_from_entity(key: str, props: dict[str, Any], etag: str | None = None) -> SummaryRow:
    # ``day`` is the arrival day of a delta or day row, and the month ("YYYY-MM") of a month.
    if key == STAMP:
        day = ""
    else:
        day = str(props["day"]) if key.startswith(DELTA) else key.rsplit("|", 1)[1]
    return SummaryRow(key, day, loads(str(props.get("counts") or "{}")), etag,
                      int(props.get("folds") or 0))


def entity(partner_id: str, row: SummaryRow) -> dict[str, Any]:
    """The entity a fold writes for a month, running or stamp row."""
    return {"PartitionKey": partner_id, "RowKey": row.key, "counts": dumps(row.counts),
            "folds": row.folds}
