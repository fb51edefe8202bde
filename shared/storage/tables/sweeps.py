"""Table Storage side of the fan-out sweeps: the due indexes and the batch read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError

from shared.domain.models import Referral
from shared.storage.layout.keys import hour_bucket, index_row, split_index_row
from shared.storage.ports import Stored
from shared.storage.ports.sweeps import DueEntry
from shared.storage.tables.index import stored_from_entity

log = logging.getLogger(__name__)

# One entity-group transaction holds at most 100 operations.
_MAX_OPS = 100


def reminder_row(referral: Referral) -> dict[str, Any]:
    """The ReminderIndex row intake writes: kept by the hour the referral expires, with that
    moment, so the hourly timer reads only hours that can be due and filters within them."""
    assert referral.expiration_date_time is not None
    return {"PartitionKey": hour_bucket(referral.expiration_date_time),
            "RowKey": index_row(referral.partner_id, referral.id),
            "expiresDateTime": referral.expiration_date_time}


class TableDueIndex:
    """ExpiryIndex (PartitionKey = due day) or ReminderIndex (PartitionKey = hour, and an
    ``expiresDateTime`` to filter on: ``timed``).

    ExpiryIndex rows carry ``expiresDateTime`` too, so a run does not enqueue referrals due
    later on its day; rows written before they carried it have none and are taken as due
    (the worker decides, as it always did). The table service drops rows that lack a
    property from any comparison on it, so that one is filtered here, within the query's
    pages: the rest of the day's rows are read, never enqueued."""

    def __init__(self, table: TableClient, bucket: Callable[[datetime], str],
                 timed: bool) -> None:
        self._t = table
        self._bucket = bucket
        self._timed = timed

    def due(self, limit: datetime) -> Iterator[DueEntry]:
        flt = "PartitionKey le @bucket"
        params: dict[str, Any] = {"bucket": self._bucket(limit)}
        if self._timed:
            flt += " and expiresDateTime le @limit"
            params["limit"] = limit
        rows = self._t.query_entities(flt, parameters=params,
                                      select=["PartitionKey", "RowKey", "expiresDateTime"])
        for row in rows:
            moment = row.get("expiresDateTime")
            if moment is not None and moment > limit:
                continue  # due later today: a later run takes it
            partner_id, referral_id = split_index_row(row["RowKey"])
            yield DueEntry(partner_id, referral_id, row["PartitionKey"])

    def drop(self, entries: Sequence[DueEntry]) -> None:
        keyed = sorted((e.partition, index_row(e.partner_id, e.referral_id)) for e in entries)
        for partition, rows in groupby(keyed, key=lambda k: k[0]):
            keys = [row for _, row in rows]
            for start in range(0, len(keys), _MAX_OPS):
                self._drop_chunk(partition, keys[start:start + _MAX_OPS])

    def _drop_chunk(self, partition: str, keys: list[str]) -> None:
        if len(keys) > 1:
            try:
                self._t.submit_transaction(
                    [("delete", {"PartitionKey": partition, "RowKey": k}) for k in keys])
                return
            except TableTransactionError:
                # A row already deleted (an overlapping run got there first) fails the whole
                # transaction; one by one, the missing ones are simply skipped.
                log.info("index rows in %s already partly gone; deleting one by one", partition)
        for key in keys:
            self._t.delete_entity(partition, key)  # the SDK takes a missing entity as deleted


class TableBatchReads:
    """Up to a batch of one partner's referrals in one round trip.

    A range of RowKeys, not ``RowKey eq a or RowKey eq b ...``: the service serves an "or"
    of keys by scanning the whole partition (its cost would follow the partner's history),
    and a filter holds at most 15 comparisons. Ids are inverted arrival times, so the range
    from the batch's first to its last id holds the referrals that arrived in between: with
    one response window those expire on the same day and are in the same batch, so the range
    examines about what it returns."""

    def __init__(self, referrals: TableClient) -> None:
        self._t = referrals

    def get_many(self, partner_id: str, referral_ids: Sequence[str]) -> dict[str, Stored]:
        wanted = set(referral_ids)
        if not wanted:
            return {}
        if len(wanted) == 1:
            return self._get_one(partner_id, next(iter(wanted)))
        rows = self._t.query_entities(
            "PartitionKey eq @pk and RowKey ge @low and RowKey le @high",
            parameters={"pk": partner_id, "low": min(wanted), "high": max(wanted)},
        )
        # Built as TableReferrals.get builds it (the ETag read, and whether it has index rows).
        found = (stored_from_entity(e) for e in rows if e["RowKey"] in wanted)
        return {s.referral.id: s for s in found}

    def _get_one(self, partner_id: str, referral_id: str) -> dict[str, Stored]:
        try:
            return {referral_id: stored_from_entity(self._t.get_entity(partner_id, referral_id))}
        except ResourceNotFoundError:
            return {}
