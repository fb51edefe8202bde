"""Summary and history rows on Table Storage (the designs: layout/summaries.py and
layout/history_rows.py)."""

from __future__ import annotations

from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.domain.history import HistoryEntry
from shared.storage.layout.history_rows import entry_from_row, history_prefix
from shared.storage.layout.summaries import entity, row_from_entity
from shared.storage.ports import ConcurrencyConflict
from shared.storage.ports.summaries import Fold, SummaryRow
from shared.storage.queries.summaries import SummaryQueries

_FIELDS = ["RowKey", "day", "counts", "folds"]


class TableSummaries(SummaryQueries):
    def __init__(self, table: TableClient) -> None:
        self._t = table

    def summary_range(self, partner_id: str, low: str, high: str) -> list[SummaryRow]:
        rows = self._t.query_entities(
            "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
            parameters={"pk": partner_id, "low": low, "high": high},
            select=_FIELDS, results_per_page=1000)
        return [row_from_entity(str(e["RowKey"]), e, str(e.metadata["etag"])) for e in rows]

    def summary_points(self, partner_id: str, keys: list[str]) -> list[SummaryRow]:
        found = []
        for key in keys:
            try:
                e = self._t.get_entity(partner_id, key, select=_FIELDS)
            except ResourceNotFoundError:
                continue
            found.append(row_from_entity(key, e, str(e.metadata["etag"])))
        return found

    def history_page(self, partner_id: str, referral_id: str, cursor: str | None, top: int
                     ) -> tuple[list[HistoryEntry], str | None]:
        prefix = history_prefix(referral_id)
        low = cursor if cursor and cursor.startswith(prefix) else prefix
        rows = self._t.query_entities(
            "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
            parameters={"pk": partner_id, "low": low, "high": prefix + "~"},
            select=["RowKey", "entryJson"], results_per_page=min(top + 1, 1000))
        found: list[tuple[str, HistoryEntry]] = []
        for row in rows:
            found.append((str(row["RowKey"]), entry_from_row(row)))
            if len(found) > top:
                break
        page = found[:top]
        return [e for _, e in page], page[-1][0] if len(found) > top else None

    def fold(self, partner_id: str, fold: Fold) -> dict[str, str]:
        ops: list[Any] = []
        for row in fold.writes:
            if row.etag is None:
                ops.append(("create", entity(partner_id, row)))
            else:
                ops.append(("update", entity(partner_id, row), {
                    "mode": UpdateMode.REPLACE, "etag": row.etag,
                    "match_condition": MatchConditions.IfNotModified}))
        ops += [("delete", {"PartitionKey": partner_id, "RowKey": key}) for key in fold.deletes]
        try:
            answers = self._t.submit_transaction(ops)
        except (TableTransactionError, ResourceExistsError, ResourceModifiedError,
                ResourceNotFoundError) as exc:
            raise ConcurrencyConflict(str(exc)) from exc
        # The written rows come first in ``ops``, so their answers lead too.
        return {row.key: str(answer.get("etag", ""))
                for row, answer in zip(fold.writes, answers, strict=False)}
