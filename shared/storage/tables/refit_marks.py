"""RefitMarks on Table Storage: one row per partner in the ``Profiles`` table's
``refit:pending`` partition (``:`` is never in a tenant id), so the redispatch timer finds
every stale mark with one single-partition query. The row's ETag is the token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

REFIT_MARKS_PARTITION = "refit:pending"


class TableRefitMarks:
    def __init__(self, profiles: TableClient) -> None:
        self._t = profiles

    def mark(self, partner_id: str, now: datetime) -> str:
        meta = self._t.upsert_entity({"PartitionKey": REFIT_MARKS_PARTITION,
                                      "RowKey": partner_id, "requestedDateTime": now},
                                     mode=UpdateMode.REPLACE)
        return str(meta["etag"])

    def clear(self, partner_id: str, token: str) -> None:
        # Marked again since (that change clears it), or cleared already: nothing to do.
        with suppress(ResourceModifiedError, ResourceNotFoundError):
            self._t.delete_entity(REFIT_MARKS_PARTITION, partner_id, etag=token,
                                  match_condition=MatchConditions.IfNotModified)

    def stale(self, cutoff: datetime) -> Iterator[tuple[str, str]]:
        rows = self._t.query_entities(
            "PartitionKey eq @pk and requestedDateTime lt @cutoff",
            parameters={"pk": REFIT_MARKS_PARTITION, "cutoff": cutoff})
        for row in rows:
            yield str(row["RowKey"]), str(row.metadata["etag"])
