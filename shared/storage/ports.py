"""The small interfaces the services depend on; Table and in-memory implementations follow."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from shared.domain.enums import Category, Stage
from shared.domain.events import Event
from shared.domain.models import Profile, Referral


class ConcurrencyConflict(Exception):
    """The stored item changed since it was read (ETag mismatch) or already exists.

    Raised by repositories; services retry or turn it into a contract error.
    """


class EntityTooLarge(Exception):
    """An item would exceed what Table Storage stores (64 KiB a property, 1 MiB an entity).

    ``fields`` names the too-long parts by the model field they come from; empty when only
    the whole is too large. Checked before any write, so nothing is stored."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__("too large to store: " + (", ".join(fields) or "the item as a whole"))
        self.fields = fields


@dataclass(frozen=True)
class Stored:
    """A referral with the ETag of the version read; the ETag stays out of the domain."""

    referral: Referral
    etag: str


@dataclass(frozen=True)
class Change:
    """One decided change: the version read, the referral to replace it, and its events."""

    current: Stored
    updated: Referral
    events: Sequence[Event] = ()


# One entity-group transaction holds at most 100 operations. A change writes its referral and
# its outbox rows (and, as the key design grows, its index rows): ``update_many`` takes at most
# this many changes so a batch always fits.
MAX_BATCH_CHANGES = 20


@dataclass(frozen=True)
class ListFilter:
    category: Category | None = None
    favorites_only: bool = False
    stage: Stage | None = None


@dataclass(frozen=True)
class ExpiryEntry:
    """An expiry index row: the referral may since have been answered (then it is stale)."""

    day: str
    partner_id: str
    referral_id: str


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # permanent 4xx, or retries exhausted (poison)
    UNDELIVERABLE = "undeliverable"  # no URL configured for the recipient


@dataclass(frozen=True)
class OutboxRecord:
    event: Event
    state: DeliveryState
    attempts: int = 0
    last_error: str | None = None
    settled: datetime | None = None


class ReferralRepository(Protocol):
    def get(self, partner_id: str, referral_id: str) -> Stored | None: ...

    def add(self, referral: Referral, events: Sequence[Event]) -> Stored:
        """Create the referral, its outbox rows and its expiry index entry."""

    def update(self, change: Change) -> Stored:
        """Replace the referral if still at ``change.current.etag`` (else ConcurrencyConflict),
        with its outbox rows, atomically."""

    def update_many(self, changes: Sequence[Change]) -> list[Stored]:
        """Several changes of one partner's referrals in one atomic write (at most
        MAX_BATCH_CHANGES): all commit, or none does and ConcurrencyConflict is raised."""

    def page(
        self, partner_id: str, flt: ListFilter, after: str | None, top: int
    ) -> tuple[list[Stored], bool]:
        """Up to ``top`` referrals newest first, strictly after id ``after``; and whether more
        follow."""

    def all_for_partner(self, partner_id: str) -> Iterator[Referral]: ...

    def due_for_expiry(self, now: datetime) -> Iterator[ExpiryEntry]: ...

    def drop_expiry_entry(self, entry: ExpiryEntry) -> None: ...


class Outbox(Protocol):
    def get(self, partner_id: str, event_id: str) -> OutboxRecord | None: ...

    def settle(
        self, event: Event, state: DeliveryState, attempts: int, error: str | None,
        now: datetime,
    ) -> None:
        """Record an attempt's outcome; a final state also clears the pending index."""

    def pending_before(self, cutoff: datetime) -> Iterator[tuple[str, str]]:
        """(partner id, event id) of events still pending that were created before cutoff."""


class ProfileRepository(Protocol):
    def get(self, partner_id: str) -> Profile | None: ...

    def put(self, partner_id: str, profile: Profile) -> None: ...


class NotificationQueue(Protocol):
    def send(self, partner_id: str, event_id: str) -> None: ...
