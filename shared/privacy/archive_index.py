"""The archive index on Table Storage (the design: shared/storage/layout/archive.py): the
retention sweep's due index, read a day partition at a time up to the cut-off day."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from azure.data.tables import TableClient

from shared.storage.layout.archive import ARCHIVE_INDEX, archive_partition
from shared.storage.layout.keys import index_row, split_index_row
from shared.storage.ports.sweeps import DueEntry


class TableArchiveIndex:
    def __init__(self, index: TableClient) -> None:
        self._t = index

    def due(self, limit: datetime) -> Iterator[DueEntry]:
        rows = self._t.query_entities(
            "PartitionKey ge @low and PartitionKey le @high",
            parameters={"low": ARCHIVE_INDEX, "high": archive_partition(limit)},
            select=["PartitionKey", "RowKey"])
        for row in rows:
            partner_id, referral_id = split_index_row(row["RowKey"])
            yield DueEntry(partner_id, referral_id, row["PartitionKey"])

    def drop(self, entries: Sequence[DueEntry]) -> None:
        for e in entries:  # the SDK takes a row already gone as deleted
            self._t.delete_entity(e.partition, index_row(e.partner_id, e.referral_id))
