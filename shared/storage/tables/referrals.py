"""Table Storage implementations of the repository ports (azure-data-tables)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain.events import Event
from shared.domain.history import HistoryEntry
from shared.domain.models import Profile, Referral
from shared.storage.layout.archive import archive_row, archived_now
from shared.storage.layout.deliveries import delivery_entities
from shared.storage.layout.entities import (
    entity_to_profile,
    entity_to_referral,
    profile_to_entity,
    referral_to_entity,
)
from shared.storage.layout.indexes import INDEX_VERSION
from shared.storage.layout.keys import PROFILE_ROW, due_day, index_row
from shared.storage.ports import (
    MAX_BATCH_CHANGES,
    MAX_TRANSACTION_OPS,
    Change,
    ConcurrencyConflict,
    ListQuery,
    Page,
    Stored,
)
from shared.storage.ports.ids import REFERRAL_PREFIX
from shared.storage.ports.summaries import DELTA
from shared.storage.ports.sweeps import FoldRequester
from shared.storage.queries.listing import read_page
from shared.storage.tables.index import TableIndexReader, derived_ops, stored_from_entity
from shared.storage.tables.outbox import index_deliveries
from shared.storage.tables.summaries import TableSummaries
from shared.storage.tables.sweeps import reminder_row

log = logging.getLogger(__name__)

# RowKeys of referral rows sort between these bounds; outbox rows ("o...") fall outside.
_REFERRAL_LOW, _REFERRAL_HIGH = REFERRAL_PREFIX, chr(ord(REFERRAL_PREFIX) + 1)


def _check_batch(changes: Sequence[Change]) -> None:
    if not changes or len(changes) > MAX_BATCH_CHANGES:
        raise ValueError(f"a batch holds 1..{MAX_BATCH_CHANGES} changes, got {len(changes)}")
    if len({c.updated.partner_id for c in changes}) != 1:
        raise ValueError("a batch's changes must share one partner (one partition)")


class TableReferrals(TableSummaries):
    """Referrals with their outbox, index and summary rows (one partition per partner)."""

    def __init__(self, referrals: TableClient, expiry: TableClient, outbox_index: TableClient,
                 reminders: TableClient, folds: FoldRequester | None = None):
        self._t = referrals
        self._expiry = expiry
        self._outbox_index = outbox_index
        self._reminders = reminders
        self._folds = folds  # told of every committed delta row (ports/folds.py)

    def _index_archived(self, pairs: list[tuple[Referral | None, Referral]]) -> None:
        """Archive index rows of the referrals these changes archive, before their
        transaction (layout/archive.py)."""
        for before, after in pairs:
            if archived_now(before, after):
                self._expiry.upsert_entity(archive_row(after))

    def get(self, partner_id: str, referral_id: str) -> Stored | None:
        try:
            entity = self._t.get_entity(partner_id, referral_id)
        except ResourceNotFoundError:
            return None
        return stored_from_entity(entity)

    def add(self, referral: Referral, events: Sequence[Event],
            history: HistoryEntry | None = None) -> Stored:
        entity = referral_to_entity(referral)  # validates sizes before anything is written
        # Index rows go first: if we die before the transaction they are stale and get
        # cleaned up; if they went after, a crash could leave a referral nobody expires.
        if referral.expiration_date_time is not None:
            self._expiry.upsert_entity({
                "PartitionKey": due_day(referral.expiration_date_time),
                "RowKey": index_row(referral.partner_id, referral.id),
                # The moment too, so a run leaves the rest of the day to later runs.
                "expiresDateTime": referral.expiration_date_time,
            })
            self._reminders.upsert_entity(reminder_row(referral))
        self._index_events(events)
        self._index_archived([(None, referral)])
        ops: list[Any] = [("create", {**entity, "ix": INDEX_VERSION})]
        ops += [("create", row) for e in events for row in delivery_entities(e)]
        ops += derived_ops(None, referral, history)
        stored = Stored(referral, self._commit(ops)[0])
        self._committed(referral, ops)
        return stored

    def update(self, change: Change) -> Stored:
        return self.update_many([change])[0]

    def update_many(self, changes: Sequence[Change]) -> list[Stored]:
        _check_batch(changes)
        self._index_events([e for c in changes for e in c.events])
        self._index_archived([(c.current.referral, c.updated) for c in changes])
        ops: list[Any] = []
        firsts: list[int] = []  # where each change's referral op sits in ``ops``
        for change in changes:
            firsts.append(len(ops))
            ops.append(("update", {**referral_to_entity(change.updated), "ix": INDEX_VERSION},
                        {"mode": UpdateMode.REPLACE, "etag": change.current.etag,
                         "match_condition": MatchConditions.IfNotModified}))
            ops += [("create", row) for e in change.events for row in delivery_entities(e)]
            before = change.current.referral if change.current.indexed else None
            ops += derived_ops(before, change.updated, change.history)
        if len(ops) > MAX_TRANSACTION_OPS:
            raise ValueError(f"{len(ops)} operations exceed one transaction; use fewer changes")
        etags = self._commit(ops)
        self._committed(changes[-1].updated, ops)
        return [Stored(c.updated, etags[i]) for c, i in zip(changes, firsts, strict=True)]

    def _committed(self, last: Referral, ops: list[Any]) -> None:
        """Report the delta rows just committed, so that folding keeps up (ports/folds.py)."""
        deltas = sum(1 for op in ops if str(op[1]["RowKey"]).startswith(DELTA))
        if self._folds is not None and deltas:
            self._folds.changed(last.partner_id, deltas, last.updated_date_time)

    def _commit(self, ops: list[Any]) -> list[str]:
        """The ETags of ``ops``, written as one atomic unit."""
        try:
            if len(ops) == 1:
                return [self._single(ops[0])]
            # Deletes answer no ETag; callers read only the ETags of their own writes.
            return [str(r.get("etag", "")) for r in self._t.submit_transaction(ops)]
        except (ResourceModifiedError, ResourceExistsError, TableTransactionError) as exc:
            raise ConcurrencyConflict(str(exc)) from exc
        except ResourceNotFoundError as exc:  # deleted under us: same as a lost race
            raise ConcurrencyConflict(str(exc)) from exc

    def _single(self, op: Any) -> str:
        # One operation needs no entity-group transaction: a plain conditional write is
        # cheaper and has the same atomicity.
        if op[0] == "create":
            meta = self._t.create_entity(op[1])
        else:
            meta = self._t.update_entity(op[1], **op[2])
        return str(meta["etag"])

    def _index_events(self, events: Sequence[Event]) -> None:
        """Outbox index rows first (see TableOutbox.index)."""
        index_deliveries(self._outbox_index, events)

    def page(self, partner_id: str, query: ListQuery, cursor: str | None, top: int) -> Page:
        return read_page(TableIndexReader(self._t), partner_id, query, cursor, top)

    def all_for_partner(self, partner_id: str) -> Iterator[Referral]:
        entities = self._t.query_entities(
            "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
            parameters={"pk": partner_id, "low": _REFERRAL_LOW, "high": _REFERRAL_HIGH},
        )
        return (entity_to_referral(e) for e in entities)


class TableProfiles:
    def __init__(self, profiles: TableClient):
        self._t = profiles

    def get(self, partner_id: str) -> Profile | None:
        try:
            return entity_to_profile(self._t.get_entity(partner_id, PROFILE_ROW))
        except ResourceNotFoundError:
            return None

    def put(self, partner_id: str, profile: Profile) -> None:
        self._t.upsert_entity(profile_to_entity(partner_id, profile), mode=UpdateMode.REPLACE)

