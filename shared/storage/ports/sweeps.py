"""Ports of the fan-out sweeps (expiry, reminders, refits and summary folds): the due
indexes, the batch read of one partner's referrals, the queue of batches, and the fold
requests. Key design: the package docstring."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from shared.storage.ports import Stored


class SweepKind(StrEnum):
    EXPIRE = "expire"
    REMIND = "remind"
    REFIT = "refit"  # re-score received referrals after a profile change
    FORGET = "forget"  # erase the personal data of referrals archived long enough ago
    FOLD = "fold"  # fold a partner's summary deltas (entries name partners: services/insights.py)


@dataclass(frozen=True, order=True)
class DueEntry:
    """One due index row. It may be stale (the referral was answered since): the worker
    decides on the referral itself. Ordered by partner, then id: a batch's order."""

    partner_id: str
    referral_id: str
    partition: str  # the index row's PartitionKey, needed to delete it


@dataclass(frozen=True)
class SweepBatch:
    """One queue message: entries to work on, sorted, so one partner's are adjacent."""

    kind: SweepKind
    entries: tuple[DueEntry, ...]


class DueIndex(Protocol):
    def due(self, limit: datetime) -> Iterator[DueEntry]:
        """Rows of referrals expiring at or before ``limit`` (the expiry index, kept by day,
        gives all of ``limit``'s day), in index order: partition, partner, id."""

    def drop(self, entries: Sequence[DueEntry]) -> None:
        """Delete these rows; one already gone (an overlapping run took it) is no error."""


class BatchReads(Protocol):
    def get_many(self, partner_id: str, referral_ids: Sequence[str]) -> dict[str, Stored]:
        """The referrals of one partner that exist among ``referral_ids``, by id."""


class BatchQueue(Protocol):
    def send(self, batch: SweepBatch, delay: timedelta | None = None) -> None:
        """Queue a batch, visible to the workers after ``delay`` (default at once)."""


class FoldRequester(Protocol):
    """Asks for background folds of summary deltas (ports/folds.py has the policy)."""

    def changed(self, partner_id: str, deltas: int, now: datetime) -> None:
        """``deltas`` delta rows of the partner committed at ``now``; never raises."""

    def request(self, partner_id: str, now: datetime) -> bool:
        """Ask for a fold now unless one is already asked for; True if this call asked."""

    def done(self, partner_id: str) -> None:
        """The fold asked for is running its last pass: the next change may ask again."""


@dataclass(frozen=True)
class SweepPorts:
    expiry: DueIndex
    reminders: DueIndex
    reads: BatchReads
    queue: BatchQueue
    folds: DueIndex  # partners with deltas written on a day, for the daily fold
    fold_requests: FoldRequester
