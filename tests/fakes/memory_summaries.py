"""The in-memory store's summary rows: the same reads and ETag-guarded fold as
shared/storage/tables/summaries.py, over MemoryStore's index dict."""

from __future__ import annotations

import threading
from typing import Any

from shared.storage.layout.summaries import entity, row_from_entity
from shared.storage.ports import ConcurrencyConflict
from shared.storage.ports.summaries import Fold, SummaryRow, after_fold, plan_fold
from shared.storage.queries.summaries import SummaryQueries


class MemorySummaries(SummaryQueries):
    """Mixed into MemoryStore, which owns the lock, the index rows and the ETag counter."""

    _lock: threading.Lock
    index: dict[str, dict[str, dict[str, Any]]]

    def _etag(self) -> str:
        raise NotImplementedError

    def summary_range(self, partner_id: str, low: str, high: str) -> list[SummaryRow]:
        with self._lock:
            rows = sorted(self.index.get(partner_id, {}).items())
            return [row_from_entity(k, p, p.get("etag")) for k, p in rows if low <= k < high]

    def summary_points(self, partner_id: str, keys: list[str]) -> list[SummaryRow]:
        with self._lock:
            rows = self.index.get(partner_id, {})
            return [row_from_entity(k, rows[k], rows[k].get("etag")) for k in keys if k in rows]

    def fold(self, partner_id: str, fold: Fold) -> dict[str, str]:
        with self._lock:
            rows = self.index.setdefault(partner_id, {})
            stale = [w for w in fold.writes
                     if (rows[w.key].get("etag") if w.key in rows else None) != w.etag]
            if stale or any(k not in rows for k in fold.deletes):
                raise ConcurrencyConflict("summary rows changed")
            for w in fold.writes:
                props = {k: v for k, v in entity(partner_id, w).items()
                         if k not in ("PartitionKey", "RowKey")}
                rows[w.key] = {**props, "etag": self._etag()}
            for key in fold.deletes:
                del rows[key]
            return {w.key: rows[w.key]["etag"] for w in fold.writes}


def fold_transactions(store: MemorySummaries, partner_id: str, transactions: int) -> None:
    """Commit up to ``transactions`` fold transactions from one read, as a folder does
    (services/insights.fold_partner, without its context): the tests' "a fold commits"."""
    rows = store.fold_rows(partner_id)
    for _ in range(transactions):
        plan = plan_fold(rows)
        if plan is None:
            return
        rows = after_fold(rows, plan, store.fold(partner_id, plan))
