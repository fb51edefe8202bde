"""The Outbox port on Table Storage: delivery rows in the partner's partition (deliveries.py)
and the ``OutboxIndex`` rows that let the redispatch sweep find those left pending."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.domain.events import Event
from shared.storage.layout.deliveries import (
    attempt_patch,
    delivery_entities,
    entity_to_delivery,
    new_deliveries,
    pending_index_row,
)
from shared.storage.layout.keys import (
    OUTBOX_PREFIX,
    hour_bucket,
    index_row,
    outbox_row,
    split_index_row,
)
from shared.storage.layout.referral_deliveries import delivery_ids_of, referral_range
from shared.storage.ports import ConcurrencyConflict, Delivery, DeliveryPage, DeliveryState
from shared.storage.queries.reader import FETCH_CHUNK
from shared.storage.tables.index import _readers

log = logging.getLogger(__name__)
_LOW, _HIGH = OUTBOX_PREFIX, chr(ord(OUTBOX_PREFIX) + 1)


def index_deliveries(index: TableClient, events: Sequence[Event]) -> None:
    """Index rows go before the transaction that writes the deliveries: if we die in between
    they are stale and the sweep drops them; the other order could lose a delivery. One
    request per hour bucket (usually one: a change's events share their moment)."""
    by_bucket: dict[str, list[Any]] = {}
    for event in events:
        for d in new_deliveries(event):
            by_bucket.setdefault(d.index["PartitionKey"], []).append(("upsert", d.index))
    for rows in by_bucket.values():
        for start in range(0, len(rows), 100):
            chunk = rows[start:start + 100]
            if len(chunk) == 1:
                index.upsert_entity(chunk[0][1])
            else:
                index.submit_transaction(chunk)


class TableOutbox:
    def __init__(self, referrals: TableClient, outbox_index: TableClient):
        self._t = referrals
        self._index = outbox_index

    def add(self, event: Event) -> None:
        index_deliveries(self._index, [event])
        for row in delivery_entities(event):
            self._t.create_entity(row)

    def get(self, partner_id: str, delivery_id: str) -> Delivery | None:
        try:
            return entity_to_delivery(self._t.get_entity(partner_id, outbox_row(delivery_id)))
        except ResourceNotFoundError:
            return None

    def settle(self, delivery: Delivery, state: DeliveryState, error: str | None,
               now: datetime, label: str | None = None) -> None:
        try:
            self._t.update_entity(attempt_patch(delivery, state, error, now, label),
                                  mode=UpdateMode.MERGE)
        except ResourceNotFoundError:
            log.warning("delivery %s/%s vanished; nothing to settle", delivery.partner_id,
                        delivery.id)
            return
        if state is not DeliveryState.PENDING and delivery.pending_since is not None:
            # Settled for good: the delivery no longer needs finding by the sweep (a
            # missing row is no error: the SDK treats deleting one as done).
            self._index.delete_entity(hour_bucket(delivery.pending_since),
                                      index_row(delivery.partner_id, delivery.id))

    def requeue(self, delivery: Delivery, now: datetime) -> Delivery:
        current = self._t.get_entity(delivery.partner_id, outbox_row(delivery.id))
        seen = entity_to_delivery(current)
        if (seen.state, seen.attempts, seen.pending_since) != (
                delivery.state, delivery.attempts, delivery.pending_since):
            raise ConcurrencyConflict("the delivery changed since it was read")
        self._index.upsert_entity(pending_index_row(delivery.partner_id, delivery.id, now))
        patch = {"PartitionKey": delivery.partner_id, "RowKey": outbox_row(delivery.id),
                 "deliveryState": DeliveryState.PENDING.value, "pendingSinceDateTime": now}
        try:
            self._t.update_entity(patch, mode=UpdateMode.MERGE, etag=current.metadata["etag"],
                                  match_condition=MatchConditions.IfNotModified)
        except (ResourceModifiedError, ResourceNotFoundError) as exc:
            raise ConcurrencyConflict(str(exc)) from exc
        return entity_to_delivery({**current, **patch})

    def pending_before(self, cutoff: datetime) -> Iterator[tuple[str, str]]:
        rows = self._index.query_entities(
            "PartitionKey le @bucket and occurredDateTime lt @cutoff",
            parameters={"bucket": hour_bucket(cutoff), "cutoff": cutoff},
        )
        for row in rows:
            partner_id, delivery_id = split_index_row(row["RowKey"])
            found = self.get(partner_id, delivery_id)
            if found is None or found.state is not DeliveryState.PENDING:
                # Stale: the transaction never committed, or settling died half-way.
                self._index.delete_entity(row["PartitionKey"], row["RowKey"])
                continue
            yield partner_id, delivery_id

    def page(self, partner_id: str, state: DeliveryState | None, cursor: str | None,
             top: int, referral_id: str | None = None) -> DeliveryPage:
        if referral_id is not None:
            return self._referral_page(partner_id, referral_id, state, cursor, top)
        query = "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high"
        params: dict[str, Any] = {"pk": partner_id, "low": max(cursor or _LOW, _LOW),
                                  "high": _HIGH}
        if state is not None:
            query += " and deliveryState eq @state"
            params["state"] = state.value
        rows = list(islice(self._t.query_entities(query, parameters=params,
                                                  results_per_page=top + 1), top + 1))
        items = [entity_to_delivery(e) for e in rows[:top]]
        more = len(rows) > top
        return DeliveryPage(items, outbox_row(items[-1].id) if more and items else None)

    def _referral_page(self, partner_id: str, referral_id: str, state: DeliveryState | None,
                       cursor: str | None, top: int) -> DeliveryPage:
        """One range query over the referral's rows (layout/referral_deliveries.py), then
        point reads of its deliveries, FETCH_CHUNK at a time and only until the page is full
        (and one more is seen): never a scan of the partner's log."""
        low, high = referral_range(referral_id)
        rows = self._t.query_entities(
            "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
            parameters={"pk": partner_id, "low": low, "high": high},
            select=["RowKey", "recipients"])
        ids = sorted(i for row in rows for i in delivery_ids_of(row)
                     if cursor is None or outbox_row(i) > cursor)
        items: list[Delivery] = []
        for start in range(0, len(ids), FETCH_CHUNK):
            chunk = ids[start:start + FETCH_CHUNK]
            found = _readers().map(lambda did: self.get(partner_id, did), chunk)
            items += [d for d in found if d is not None and state in (None, d.state)]
            if len(items) > top:
                break
        more = len(items) > top
        return DeliveryPage(items[:top], outbox_row(items[top - 1].id) if more else None)
