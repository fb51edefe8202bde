"""In-memory repositories with the same semantics as the Table ones, for the unit tests.

The shared contract suite (tests/integration/test_repository_contract.py) runs against
both, so the fakes cannot drift from the real thing.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from shared.domain.events import Event
from shared.domain.history import HistoryEntry
from shared.domain.models import Profile, Referral
from shared.storage.layout.addresses import address_rows
from shared.storage.layout.archive import archive_key
from shared.storage.layout.deliveries import entity_to_delivery, new_deliveries
from shared.storage.layout.history_rows import entry_from_row, history_prefix, history_row
from shared.storage.layout.indexes import Scan, diff, row_matches
from shared.storage.layout.keys import due_day, hour_bucket
from shared.storage.layout.summaries import delta_row
from shared.storage.ports import (
    MAX_BATCH_CHANGES,
    Change,
    ConcurrencyConflict,
    Delivery,
    DeliveryPage,
    DeliveryState,
    ListQuery,
    Page,
    Stored,
)
from shared.storage.ports.sweeps import FoldRequester
from shared.storage.queries.listing import read_page

from .memory_summaries import MemorySummaries


class MemoryStore(MemorySummaries):
    """Referrals, outbox and indexes behind one lock, like one storage account."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._etags = itertools.count(1)
        self.referrals: dict[tuple[str, str], Stored] = {}
        self.outbox: dict[tuple[str, str], Delivery] = {}  # (partner, delivery id)
        self.expiry: dict[tuple[str, str, str], datetime] = {}
        # The reminder index: (hour of expiry, partner, id) -> the expiry moment.
        self.reminders: dict[tuple[str, str, str], datetime] = {}
        self.profiles: dict[str, Profile] = {}
        self.archive: dict[tuple[str, str, str], None] = {}  # layout/archive.py
        self.sent: list[tuple[str, str]] = []
        # Every send with its attempt and delay; messages parked on the poison queue.
        self.scheduled: list[tuple[str, str, int, timedelta]] = []
        self.poisoned: list[tuple[str, str, int]] = []
        # Index rows per partner: RowKey -> properties, exactly as the Table store keeps them.
        self.index: dict[str, dict[str, dict[str, Any]]] = {}
        self.folds: FoldRequester | None = None  # set by tests/fakes/sweeps.py

    def _etag(self) -> str:
        return f'W/"{next(self._etags)}"'

    # -- ReferralRepository
    def get(self, partner_id: str, referral_id: str) -> Stored | None:
        with self._lock:
            return self.referrals.get((partner_id, referral_id))

    def add(self, referral: Referral, events: Sequence[Event],
            history: HistoryEntry | None = None) -> Stored:
        with self._lock:
            key = (referral.partner_id, referral.id)
            if key in self.referrals:
                raise ConcurrencyConflict("referral exists")
            if referral.expiration_date_time is not None:
                day = due_day(referral.expiration_date_time)
                expires = referral.expiration_date_time
                self.expiry[(day, *key)] = expires  # the row carries the moment (tables too)
                self.reminders[(hour_bucket(expires), *key)] = expires
            stored = Stored(referral, self._etag())
            self.referrals[key] = stored
            if (archived := archive_key(None, referral)) is not None:
                self.archive[archived] = None
            self._add_events(events)
            self._apply_derived(None, referral, history)
            return stored

    def update(self, change: Change) -> Stored:
        return self.update_many([change])[0]

    def update_many(self, changes: Sequence[Change]) -> list[Stored]:
        if not changes or len(changes) > MAX_BATCH_CHANGES \
                or len({c.updated.partner_id for c in changes}) != 1:
            raise ValueError("a batch holds 1..MAX_BATCH_CHANGES changes of one partner")
        with self._lock:
            for change in changes:
                key = (change.updated.partner_id, change.updated.id)
                current = self.referrals.get(key)
                if current is None or current.etag != change.current.etag:
                    raise ConcurrencyConflict("referral changed")
            saved = []
            for change in changes:
                stored = Stored(change.updated, self._etag())
                self.referrals[(change.updated.partner_id, change.updated.id)] = stored
                if (archived := archive_key(change.current.referral, change.updated)):
                    self.archive[archived] = None
                self._add_events(change.events)
                self._apply_derived(change.current.referral, change.updated, change.history)
                saved.append(stored)
            return saved

    def _apply_derived(self, before: Referral | None, after: Referral,
                       history: HistoryEntry | None = None) -> None:
        """Index rows and the summary delta, as derived_ops writes them on Table Storage."""
        rows = self.index.setdefault(after.partner_id, {})
        change = diff(before, after)
        for key in change.deletes:
            del rows[key]  # a missing row fails, as it fails a Table transaction
        rows.update(change.upserts)
        rows.update({key: {"ref": after.id} for key in address_rows(before, after)})
        row = delta_row(before, after, after.updated_date_time)
        if row is not None:
            rows[row.pop("RowKey")] = row
            if self.folds is not None:  # as TableReferrals reports its committed deltas
                self.folds.changed(after.partner_id, 1, after.updated_date_time)
        if history is not None:
            entry = history_row(after.id, history)
            rows[entry.pop("RowKey")] = entry

    def history_page(self, partner_id: str, referral_id: str, cursor: str | None, top: int
                     ) -> tuple[list[HistoryEntry], str | None]:
        prefix = history_prefix(referral_id)
        low = cursor if cursor and cursor.startswith(prefix) else prefix
        with self._lock:
            found = sorted((k, p) for k, p in self.index.get(partner_id, {}).items()
                           if low < k < prefix + "~")
        page = found[:top]
        return [entry_from_row(p) for _, p in page], page[-1][0] if len(found) > top else None

    def page(self, partner_id: str, query: ListQuery, cursor: str | None, top: int) -> Page:
        return read_page(_MemoryIndexReader(self), partner_id, query, cursor, top)

    def all_for_partner(self, partner_id: str) -> Iterator[Referral]:
        with self._lock:
            items = [s.referral for (p, _), s in self.referrals.items() if p == partner_id]
        return iter(items)

    # -- Outbox
    def _add_events(self, events: Sequence[Event]) -> None:
        for event in events:
            for d in new_deliveries(event):
                self.outbox[(d.partner_id, d.id)] = entity_to_delivery(d.entity)

    def add_event(self, event: Event) -> None:
        with self._lock:
            self._add_events([event])

    def get_delivery(self, partner_id: str, delivery_id: str) -> Delivery | None:
        with self._lock:
            return self.outbox.get((partner_id, delivery_id))

    def settle(self, delivery: Delivery, state: DeliveryState, error: str | None,
               now: datetime, label: str | None = None) -> None:
        with self._lock:
            key = (delivery.partner_id, delivery.id)
            if key in self.outbox:
                self.outbox[key] = replace(
                    self.outbox[key], state=state, attempts=delivery.attempts + 1,
                    last_attempt=now, last_error=error,
                    recipient_label=label or self.outbox[key].recipient_label)

    def requeue(self, delivery: Delivery, now: datetime) -> Delivery:
        with self._lock:
            key = (delivery.partner_id, delivery.id)
            if self.outbox.get(key) != delivery:
                raise ConcurrencyConflict("delivery changed")
            self.outbox[key] = replace(delivery, state=DeliveryState.PENDING, pending_since=now)
            return self.outbox[key]

    def pending_before(self, cutoff: datetime) -> Iterator[tuple[str, str]]:
        with self._lock:
            pending = [key for key, d in self.outbox.items()
                       if d.state is DeliveryState.PENDING
                       and (d.pending_since or d.event.occurred) < cutoff]
        return iter(pending)

    def deliveries(self, partner_id: str, state: DeliveryState | None, cursor: str | None,
                   top: int, referral_id: str | None = None) -> DeliveryPage:
        with self._lock:
            found = sorted((d for (p, _), d in self.outbox.items() if p == partner_id
                            and (state is None or d.state is state)
                            and (referral_id is None or d.event.referral_id == referral_id)
                            and (cursor is None or "o" + d.id > cursor)), key=lambda d: d.id)
        more = len(found) > top
        return DeliveryPage(found[:top], "o" + found[top - 1].id if more and top else None)

    # -- ProfileRepository
    def get_profile(self, partner_id: str) -> Profile | None:
        with self._lock:
            return self.profiles.get(partner_id)

    def put_profile(self, partner_id: str, profile: Profile) -> None:
        with self._lock:
            self.profiles[partner_id] = profile

    # -- NotificationQueue
    def send(self, partner_id: str, delivery_id: str, attempt: int = 1,
             delay: timedelta | None = None) -> None:
        with self._lock:
            self.sent.append((partner_id, delivery_id))
            self.scheduled.append((partner_id, delivery_id, attempt, delay or timedelta(0)))

    def send_batch(self, partner_id: str, delivery_ids: list[str]) -> None:
        for delivery_id in delivery_ids:
            self.send(partner_id, delivery_id)

    def poison(self, partner_id: str, delivery_id: str, attempt: int) -> None:
        with self._lock:
            self.poisoned.append((partner_id, delivery_id, attempt))


class MemoryOutbox:
    """The Outbox port over a MemoryStore."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def add(self, event: Event) -> None:
        self.store.add_event(event)

    def get(self, partner_id: str, delivery_id: str) -> Delivery | None:
        return self.store.get_delivery(partner_id, delivery_id)

    def settle(self, delivery: Delivery, state: DeliveryState, error: str | None,
               now: datetime, label: str | None = None) -> None:
        self.store.settle(delivery, state, error, now, label)

    def requeue(self, delivery: Delivery, now: datetime) -> Delivery:
        return self.store.requeue(delivery, now)

    def pending_before(self, cutoff: datetime) -> Iterator[tuple[str, str]]:
        return self.store.pending_before(cutoff)

    def page(self, partner_id: str, state: DeliveryState | None, cursor: str | None,
             top: int, referral_id: str | None = None) -> DeliveryPage:
        return self.store.deliveries(partner_id, state, cursor, top, referral_id)


class MemoryProfiles:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def get(self, partner_id: str) -> Profile | None:
        return self.store.get_profile(partner_id)

    def put(self, partner_id: str, profile: Profile) -> None:
        self.store.put_profile(partner_id, profile)


class _MemoryIndexReader:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def index_rows(self, partner_id: str, scan: Scan, limit: int) -> Iterator[tuple[str, str]]:
        with self.store._lock:
            rows = sorted(self.store.index.get(partner_id, {}).items())
        found = [(k, str(p["ref"])) for k, p in rows
                 if scan.low < k < scan.high and row_matches(scan, p)]
        return iter(found[:max(limit, 0)])

    def referrals_by_id(self, partner_id: str, ids: list[str]) -> dict[str, Stored]:
        with self.store._lock:
            return {rid: s for rid in ids
                    if (s := self.store.referrals.get((partner_id, rid))) is not None}
