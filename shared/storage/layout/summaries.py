"""Summary rows: the sums behind insights, kept in each partner's partition.

Key design:
* ``u|t|<epoch ms>|<random>``: one delta row per change that moves a sum, written in the
  change's own entity-group transaction (so it exists if and only if the change does), with
  the referral's arrival day and the sparse delta (``domain.summary.delta``).
* ``u|d|<YYYY-MM-DD>``: the folded sums of referrals that arrived that day, and
  ``u|y|<YYYY-MM>``: the same for the month, kept in the same fold, so all-time figures read
  one row a month (about a dozen a year), and a window reads its days. Day rows sort before
  the deltas and month rows after them, so a window reads days and deltas, all time reads
  deltas and months, each one range holding nothing it does not use. (Month rows were
  ``u|m|`` before, between days and deltas, so every window read them all too; such a row
  still counts, and the next fold of its partner moves it to ``u|y|``.)

Folding ("compaction") merges some delta rows into their day rows and deletes them in one
transaction, conditional on the day rows' ETags: it happens once or not at all, so nothing
is counted twice or lost. Readers read both kinds in one query (one round trip while a
partner has under 1,000 such rows, i.e. under about three years of arrival days), so a
fold between two reads can never be half-seen.

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
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.models import Referral
from shared.domain.summary import Counts, delta
from shared.storage.ports.summaries import DAY, DELTA, LEGACY_MONTH, SummaryRow

PREFIX = "u|"
LOW, HIGH = "u|", "u|~"
FOLD_MARK = HIGH + "fold"
FOLD_INDEX = "fold|"


def fold_partition(day: str) -> str:
    """The fold index partition of the day (``YYYY-MM-DD``) deltas were written on."""
    return FOLD_INDEX + day


def summary_range(day_from: date | None, days: bool = False, months: bool = True
                  ) -> tuple[str, str]:
    """The key range ``[low, high)`` of a read of the summary rows. Day rows sort by day, then
    every delta row, then the month rows: with ``days`` (or a ``day_from``), the day rows
    from ``day_from`` (or the first) on and the deltas, and the months too unless not
    ``months`` (a window needs none); without, the deltas and months (all-time figures)."""
    if not (days or day_from is not None):
        return LEGACY_MONTH, HIGH  # from the legacy months, which sort before the deltas
    return DAY + (day_from.isoformat() if day_from else ""), HIGH if months else DELTA + "~"


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
    day = str(props["day"]) if key.startswith(DELTA) else key.rsplit("|", 1)[1]
    return SummaryRow(key, day, loads(str(props["counts"])), etag)
