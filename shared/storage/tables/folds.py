"""The fold-request row and the daily fold index on Table Storage (the design:
layout/summaries.py; the policy: ports/folds.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient

from shared.storage.layout.keys import index_row, split_index_row
from shared.storage.layout.summaries import FOLD_INDEX, FOLD_MARK, fold_partition
from shared.storage.ports.folds import FOLD_ENTRY
from shared.storage.ports.sweeps import DueEntry


class TableFoldMarks:
    def __init__(self, referrals: TableClient, index: TableClient) -> None:
        self._t = referrals
        self._index = index

    def claim(self, partner_id: str, now: datetime) -> bool:
        try:
            self._t.create_entity({"PartitionKey": partner_id, "RowKey": FOLD_MARK,
                                   "requestedDateTime": now})
        except ResourceExistsError:
            return False
        return True

    def release(self, partner_id: str) -> None:
        self._t.delete_entity(partner_id, FOLD_MARK)  # the SDK takes a missing row as deleted

    def note(self, partner_id: str, day: str) -> None:
        self._index.upsert_entity({"PartitionKey": fold_partition(day),
                                   "RowKey": index_row(partner_id, FOLD_ENTRY)})


class TableFoldIndex:
    """The daily fold's due index: partners noted on days up to ``limit``'s."""

    def __init__(self, index: TableClient) -> None:
        self._t = index

    def due(self, limit: datetime) -> Iterator[DueEntry]:
        rows = self._t.query_entities(
            "PartitionKey ge @low and PartitionKey le @high",
            parameters={"low": FOLD_INDEX, "high": fold_partition(limit.strftime("%Y-%m-%d"))},
            select=["PartitionKey", "RowKey"])
        for row in rows:
            partner_id, entry = split_index_row(row["RowKey"])
            yield DueEntry(partner_id, entry, row["PartitionKey"])

    def drop(self, entries: Sequence[DueEntry]) -> None:
        # One row per partner and day noted: few enough that one delete each is fine (the
        # SDK takes a row already gone as deleted). Entries a change asked for have none.
        for e in entries:
            if e.partition.startswith(FOLD_INDEX):
                self._t.delete_entity(e.partition, index_row(e.partner_id, e.referral_id))
