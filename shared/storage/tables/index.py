"""Index rows on Table Storage: reading ranges for listings, and the transaction operations
that keep them equal to their referral (see layout/indexes.py for the key design)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.domain.history import HistoryEntry
from shared.domain.models import Referral
from shared.storage.layout.addresses import address_rows
from shared.storage.layout.entities import entity_to_referral
from shared.storage.layout.history_rows import history_row
from shared.storage.layout.indexes import IndexDiff, Scan, diff, index_rows
from shared.storage.layout.summaries import delta_row
from shared.storage.ports import Stored


def derived_ops(before: Referral | None, after: Referral,
                history: HistoryEntry | None = None) -> list[Any]:
    """The transaction operations that keep a referral's derived rows (its index and address
    rows, its summary delta and its history entry) equal to it; ``before`` is None when it
    had none."""
    ops = index_ops(after.partner_id, diff(before, after))
    ops += [("upsert", {"PartitionKey": after.partner_id, "RowKey": key, "ref": after.id},
             {"mode": UpdateMode.REPLACE}) for key in address_rows(before, after)]
    row = delta_row(before, after, after.updated_date_time)
    if row is not None:
        ops.append(("create", {"PartitionKey": after.partner_id, **row}))
    if history is not None:
        ops.append(("create", {"PartitionKey": after.partner_id,
                               **history_row(after.id, history)}))
    return ops


def index_ops(partner_id: str, change: IndexDiff) -> list[Any]:
    """Entity-group transaction operations for an index diff."""
    ops: list[Any] = [("delete", {"PartitionKey": partner_id, "RowKey": key})
                      for key in change.deletes]
    ops += [("upsert", {"PartitionKey": partner_id, "RowKey": key, **props},
             {"mode": UpdateMode.REPLACE}) for key, props in change.upserts.items()]
    return ops


def index_entities(r: Referral) -> list[dict[str, Any]]:
    """``r``'s index rows as entities (for bulk loads that bypass the repository)."""
    return [{"PartitionKey": r.partner_id, "RowKey": key, **props}
            for key, props in index_rows(r).items()]


# Index rows a query asks for per round trip: a listing page needs top + 1 (<= 101); a search
# reads on in such pages only while it still needs matches, instead of 1,000 at once.
PAGE_ROWS = 101


class TableIndexReader:
    def __init__(self, table: TableClient) -> None:
        self._t = table

    def index_rows(self, partner_id: str, scan: Scan, limit: int) -> Iterator[tuple[str, str]]:
        if limit <= 0:
            return
        clauses = ["PartitionKey eq @pk", "RowKey gt @low", "RowKey lt @high"]
        params: dict[str, Any] = {"pk": partner_id, "low": scan.low, "high": scan.high}
        for prop, value in sorted(scan.equals.items()):
            clauses.append(f"{prop} eq @{prop}")  # prop names are ours (q, cc), values bound
            params[prop] = value
        if scan.day_from:
            clauses.append("cday ge @dayFrom")
            params["dayFrom"] = scan.day_from
        if scan.day_to:
            clauses.append("cday le @dayTo")
            params["dayTo"] = scan.day_to
        rows = self._t.query_entities(" and ".join(clauses), parameters=params,
                                      select=["RowKey", "ref"],
                                      results_per_page=min(limit, PAGE_ROWS))
        for count, row in enumerate(rows, 1):
            yield str(row["RowKey"]), str(row["ref"])
            if count >= limit:
                return

    def referrals_by_id(self, partner_id: str, ids: list[str]) -> dict[str, Stored]:
        # Point reads, several at a time. Not one query with "RowKey eq a or RowKey eq b...":
        # Table Storage runs such a filter as a scan of the whole partition, whose cost
        # grows with the partner's history; a point read examines exactly one entity.
        found: dict[str, Stored] = {}
        for entity in _readers().map(lambda rid: self._point(partner_id, rid), ids):
            if entity is not None:
                stored = stored_from_entity(entity)
                found[stored.referral.id] = stored
        return found

    def _point(self, partner_id: str, referral_id: str) -> Any:
        try:
            return self._t.get_entity(partner_id, referral_id)
        except ResourceNotFoundError:
            return None


@cache
def _readers() -> ThreadPoolExecutor:
    # The SDK is synchronous; a page's point reads overlap their round trips on a few
    # threads (the clients are safe to share across threads).
    return ThreadPoolExecutor(max_workers=8, thread_name_prefix="point-read")


def stored_from_entity(entity: Any) -> Stored:
    return Stored(entity_to_referral(entity), str(entity.metadata["etag"]),
                  indexed=bool(entity.get("ix")))
