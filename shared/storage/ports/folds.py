"""When a partner's summary deltas get folded: in the background, soon after they pile up,
without a storage read on the write path (layout/summaries.py has the rows).

Every change writes a delta row in its own transaction. Counting a partner's pending deltas
exactly would take a read per change, or a counter row every change of the partner writes
(a hot row that serialises them). Instead each app instance counts the delta rows *it*
committed per partner, and every ``NUDGE_EVERY``-th asks for a fold:

* asking is ``FoldMarks.claim``: create the partner's fold-request row if it does not exist
  (one conditional write, no read). Only the creator enqueues a ``fold`` sweep batch, made
  visible after ``FOLD_DELAY`` so the rest of a burst coalesces into the same fold. While the
  row exists, asking again is one refused create and nothing more: one request in flight
  per partner, however many instances and changes ask;
* the worker folds everything it reads, then releases the row (``done``), then reads and
  folds once more: a change committed before the release is folded by that last pass, one
  after it finds no row and may ask again;
* what an instance counted but never reported (fewer than ``NUDGE_EVERY`` since its last
  ask), and a request lost to a crash, is caught by the daily fold: the first delta an
  instance writes for a partner on a day notes (partner, day) in the fold index, and the
  daily timer folds every partner noted on an earlier day.

So once the background has caught up, a partner has at most ``NUDGE_EVERY - 1`` unfolded
deltas per instance that served it, plus changes still in flight: far under the 100 a read
may meet (``FOLD_AT``, the reader's own threshold for asking, sits between the two).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Protocol

from shared.storage.ports.sweeps import BatchQueue, DueEntry, SweepBatch, SweepKind

log = logging.getLogger(__name__)

NUDGE_EVERY = 10  # delta rows one instance commits for a partner between two asks
FOLD_DELAY = timedelta(seconds=5)  # a burst's changes in these seconds share one fold
FOLD_ENTRY = "fold"  # the referral-id slot of a fold batch's entries
REQUESTED = "requested"  # the partition slot of an entry asked for by a change (no index row)


class FoldMarks(Protocol):
    """The fold-request row per partner, and the daily fold index."""

    def claim(self, partner_id: str, now: datetime) -> bool:
        """Create the partner's fold-request row; False if it already exists."""

    def release(self, partner_id: str) -> None:
        """Delete it (gone already is no error)."""

    def note(self, partner_id: str, day: str) -> None:
        """The partner has deltas written on ``day`` (``YYYY-MM-DD``): an idempotent upsert."""


def request_batch(partner_id: str) -> SweepBatch:
    return SweepBatch(SweepKind.FOLD, (DueEntry(partner_id, FOLD_ENTRY, REQUESTED),))


class FoldRequests:
    """The policy above, per app instance (thread-safe: the host runs invocations in
    threads). Failures are logged and swallowed: a change has committed by the time it is
    reported here, and the daily fold catches whatever a failed ask missed."""

    def __init__(self, marks: FoldMarks, queue: BatchQueue) -> None:
        self._marks = marks
        self._queue = queue
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._noted: set[tuple[str, str]] = set()
        self._noted_day = ""

    def changed(self, partner_id: str, deltas: int, now: datetime) -> None:
        if deltas <= 0:
            return
        day = now.strftime("%Y-%m-%d")
        with self._lock:
            if day != self._noted_day:  # a new day: forget yesterday's notes
                self._noted, self._noted_day = set(), day
            first_today = (partner_id, day) not in self._noted
            self._noted.add((partner_id, day))
            count = self._counts.get(partner_id, 0) + deltas
            ask = count >= NUDGE_EVERY
            self._counts[partner_id] = 0 if ask else count
        try:
            if first_today:
                self._marks.note(partner_id, day)
            if ask:
                self.request(partner_id, now)
        except Exception:  # the change is committed; the daily fold covers a failed ask
            log.warning("fold request for %s failed; the daily fold will catch up",
                        partner_id, exc_info=True)

    def request(self, partner_id: str, now: datetime) -> bool:
        if not self._marks.claim(partner_id, now):
            return False  # a fold is already asked for and will read this change
        try:
            self._queue.send(request_batch(partner_id), delay=FOLD_DELAY)
        except Exception:
            self._marks.release(partner_id)  # let the next change ask again
            raise
        return True

    def done(self, partner_id: str) -> None:
        self._marks.release(partner_id)
