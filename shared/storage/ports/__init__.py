"""The small interfaces the services depend on; Table and in-memory implementations follow."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from shared.domain.access import Viewer
from shared.domain.enums import ListOrder, Qualification, Stage
from shared.domain.events import Event, Recipient
from shared.domain.history import HistoryEntry
from shared.domain.lifecycle import stage_of
from shared.domain.models import Profile, Referral
from shared.domain.text import fold, words
from shared.storage.ports.summaries import Fold, SummaryRow


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
    # False for a referral written before index rows existed (see tools/reindex.py): its
    # next change writes every index row instead of replacing the old ones.
    indexed: bool = True


@dataclass(frozen=True)
class Change:
    """One decided change: the version read, the referral to replace it, and its events."""

    current: Stored
    updated: Referral
    events: Sequence[Event] = ()
    history: HistoryEntry | None = None  # stored in the same transaction as the change


# One entity-group transaction holds at most 100 operations. A change writes its referral, its
# outbox rows and the difference in its index rows (layout/indexes.py): at most about 20 operations
# for a stage change such as an expiry, so ``update_many`` takes at most this many changes.
MAX_TRANSACTION_OPS = 100
MAX_BATCH_CHANGES = 4


@dataclass(frozen=True)
class ListQuery:
    """What a listing (or an export) asks for; every field narrows it, None means any.

    ``group`` is the view: "all", a category ("marketplace", "qualified") or "favorites".
    ``search`` holds the folded words of a search (each must start a word of the customer's
    or the deal's name); ``search_raw`` the term as typed, which also matches an equal
    ``externalReferenceId`` or ``id``.
    """

    group: str = "all"
    stage: Stage | None = None
    qualification: Qualification | None = None
    country: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    search: tuple[str, ...] = ()
    search_raw: str | None = None
    order: ListOrder = ListOrder.CREATED_DESC
    # List only these people's referrals, newest first ("my leads", a Referrals user's
    # list): owners by object id, team members by e-mail. Storage turns them into the keys
    # of its person rows.
    owners: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    viewer: Viewer | None = None  # a restricted viewer: only what it may see

    @property
    def by_person(self) -> bool:
        return bool(self.owners or self.members)

    def matches(self, referral: Referral) -> bool:
        """Every filter of this query, checked on a referral (searches are checked this
        way, and so is a search for one referral's id)."""
        visible = self.viewer is None or self.viewer.may_see(referral)
        return visible and self._search_matches(referral) and self._filters_match(referral)

    def _search_matches(self, referral: Referral) -> bool:
        if not self.search and not self.search_raw:
            return True
        external = referral.external_reference_id
        if self.search_raw and external and fold(external.strip()) == fold(self.search_raw.strip()):
            return True
        own = words(referral.customer_profile.name, referral.name)
        return bool(self.search) and all(any(w.startswith(s) for w in own) for s in self.search)

    def _filters_match(self, referral: Referral) -> bool:
        address = referral.customer_profile.address
        created = referral.created_date_time.date()
        checks: list[bool] = [
            self.group in ("all", referral.qualification.category.value)
            or (self.group == "favorites" and referral.favorite),
            self.stage is None or stage_of(referral.status) is self.stage,
            self.qualification is None or referral.qualification is self.qualification,
            self.country is None or (address is not None and address.country == self.country),
            self.created_from is None or created >= self.created_from,
            self.created_to is None or created <= self.created_to,
        ]
        return all(checks)


@dataclass(frozen=True)
class Page:
    items: list[Stored]
    cursor: str | None  # where the next page starts (a storage key); None on the last page


@dataclass(frozen=True)
class ExpiryEntry:
    """An expiry index row as the in-memory store keeps it (the sweeps read the index through
    ports/sweeps.py, DueIndex)."""

    day: str
    partner_id: str
    referral_id: str


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # permanent 4xx, a refused address, or retries exhausted (poison)
    UNDELIVERABLE = "undeliverable"  # no URL (or, for a partner, no secret) to deliver with


@dataclass(frozen=True)
class Delivery:
    """One recipient's delivery of one event (deliveries.py has the row design)."""

    partner_id: str
    id: str
    event: Event
    recipient: Recipient
    state: DeliveryState
    attempts: int = 0
    last_attempt: datetime | None = None
    last_error: str | None = None
    recipient_label: str | None = None  # the URL's host (or the address) last attempted
    pending_since: datetime | None = None  # when it last became pending (the index bucket)


@dataclass(frozen=True)
class DeliveryPage:
    items: list[Delivery]
    cursor: str | None  # the last RowKey returned; None on the last page


class ReferralRepository(Protocol):
    def get(self, partner_id: str, referral_id: str) -> Stored | None: ...

    def add(self, referral: Referral, events: Sequence[Event],
            history: HistoryEntry | None = None) -> Stored:
        """Create the referral, its outbox rows and its expiry index entry."""

    def update(self, change: Change) -> Stored:
        """Replace the referral if still at ``change.current.etag`` (else ConcurrencyConflict),
        with its outbox rows, atomically."""

    def update_many(self, changes: Sequence[Change]) -> list[Stored]:
        """Several changes of one partner's referrals in one atomic write (at most
        MAX_BATCH_CHANGES): all commit, or none does and ConcurrencyConflict is raised."""

    def page(self, partner_id: str, query: ListQuery, cursor: str | None, top: int) -> Page:
        """Up to ``top`` referrals matching ``query`` in its order, from ``cursor`` on (served
        from index rows: the cost follows the page, not the partner's history). A page may be
        short when a search had to examine many rows; only the last page has no cursor."""

    def all_for_partner(self, partner_id: str) -> Iterator[Referral]: ...

    def history_page(self, partner_id: str, referral_id: str, cursor: str | None, top: int
                     ) -> tuple[list[HistoryEntry], str | None]:
        """A referral's history entries, oldest first, from ``cursor`` on; and the next
        cursor (None on the last page)."""

    def summary_rows(self, partner_id: str) -> list[SummaryRow]:
        """The rows of the partner's all-time sums (months and pending deltas), in one read
        (layout/summaries.py)."""

    def window_rows(self, partner_id: str, day_from: date | None, day_to: date | None
                    ) -> list[SummaryRow]:
        """The rows of the sums over a window of arrival days, as one consistent state
        (queries/summaries.py): a handful whatever the window or the history."""

    def fold_rows(self, partner_id: str) -> list[SummaryRow]:
        """The rows a fold plans from: every pending row, the stamp, and the month and
        running rows of the months the pending rows touch."""

    def fold(self, partner_id: str, fold: Fold) -> dict[str, str]:
        """Write a fold atomically; ConcurrencyConflict if another fold came first (the
        stamp's or a written row's ETag changed, or a deleted row is gone). Returns the new
        ETags of the rows it wrote."""


class Outbox(Protocol):
    """Delivery rows (written with their change by ReferralRepository, or by ``add``)."""

    def add(self, event: Event) -> None:
        """Store the deliveries of an event that changes no referral (webhook.test)."""

    def get(self, partner_id: str, delivery_id: str) -> Delivery | None: ...

    def settle(self, delivery: Delivery, state: DeliveryState, error: str | None,
               now: datetime, label: str | None = None) -> None:
        """Record an attempt's outcome; a final state also clears the pending index."""

    def requeue(self, delivery: Delivery, now: datetime) -> Delivery:
        """Make a settled delivery pending again (redeliver), if it has not changed since it
        was read (else ConcurrencyConflict)."""

    def pending_before(self, cutoff: datetime) -> Iterator[tuple[str, str]]:
        """(partner id, delivery id) of deliveries pending since before cutoff."""

    def page(self, partner_id: str, state: DeliveryState | None, cursor: str | None,
             top: int, referral_id: str | None = None) -> DeliveryPage:
        """A partner's deliveries, newest first, optionally in one state, optionally only
        those about one referral (at a cost that follows that referral's deliveries)."""


class ProfileRepository(Protocol):
    def get(self, partner_id: str) -> Profile | None: ...

    def put(self, partner_id: str, profile: Profile) -> None: ...


# Deliveries handed over together (one change's, or a sweep chunk's) go in one queue message,
# not one each, so the hand-over costs a fraction of a request per referral; far under the
# queue's 64 KiB message limit.
MAX_DELIVERY_BATCH = 32


class NotificationQueue(Protocol):
    def send(self, partner_id: str, delivery_id: str, attempt: int = 1,
             delay: timedelta | None = None) -> None:
        """Queue a delivery (attempt ``attempt``), visible after ``delay`` (default none)."""

    def send_batch(self, partner_id: str, delivery_ids: list[str]) -> None:
        """Queue several first attempts in one message (one change's or chunk's deliveries)."""

    def poison(self, partner_id: str, delivery_id: str, attempt: int) -> None:
        """Park a delivery whose retries are exhausted on the poison queue."""
