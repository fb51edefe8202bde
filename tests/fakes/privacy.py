"""The customer-data port in memory, over a MemoryStore (same semantics as
shared/privacy/store.py; tests/integration/test_privacy_contract.py runs both)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from shared.storage.layout.addresses import address_key, address_prefix
from shared.storage.layout.archive import ARCHIVE_INDEX
from shared.storage.layout.history_rows import entry_from_row, history_prefix
from shared.storage.layout.indexes import HIGH, member_key, person_prefix
from shared.storage.layout.keys import due_day
from shared.storage.ports import Delivery
from shared.storage.ports.privacy import Erasure, HistoryRow, PrivacyPorts
from tests.fakes.memory import MemoryStore
from tests.fakes.sweeps import MemoryDueIndex


class MemoryPersonalData:
    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self.log_rows: dict[str, list[Erasure]] = {}

    def _rows(self, partner_id: str, low: str, high: str) -> list[tuple[str, dict[str, Any]]]:
        with self.store._lock:
            rows = dict(self.store.index.get(partner_id, {}))
        return sorted((k, v) for k, v in rows.items() if low < k < high)

    def referral_ids(self, partner_id: str, address: str) -> list[str]:
        found: set[str] = set()
        for prefix in (address_prefix(address), person_prefix(member_key(address))):
            found.update(str(v["ref"]) for _, v in self._rows(partner_id, prefix,
                                                              prefix + HIGH))
        return sorted(found)

    def history(self, partner_id: str, referral_id: str) -> list[HistoryRow]:
        prefix = history_prefix(referral_id)
        return [HistoryRow(k, entry_from_row(v))
                for k, v in self._rows(partner_id, prefix, prefix + "~")]

    def rewrite_history(self, partner_id: str, rows: Sequence[HistoryRow]) -> None:
        with self.store._lock:
            index = self.store.index.setdefault(partner_id, {})
            for row in rows:
                index[row.key] = {"entryJson": row.entry.model_dump_json()}

    def drop_address_rows(self, partner_id: str, referral_id: str,
                          addresses: Iterable[str]) -> None:
        with self.store._lock:
            index = self.store.index.setdefault(partner_id, {})
            for address in addresses:
                index.pop(address_key(address, referral_id), None)

    def deliveries_mentioning(self, partner_id: str, address: str) -> Iterator[Delivery]:
        wanted = address.strip().lower()
        with self.store._lock:
            found = [d for (p, _), d in sorted(self.store.outbox.items()) if p == partner_id]
        return iter([d for d in found if wanted in repr(d).lower()])

    def rewrite_delivery(self, before: Delivery, after: Delivery) -> None:
        with self.store._lock:
            self.store.outbox[(after.partner_id, after.id)] = replace(after)

    def log(self, partner_id: str, erasure: Erasure) -> None:
        self.log_rows.setdefault(partner_id, []).insert(0, erasure)

    def erasures(self, partner_id: str) -> list[Erasure]:
        return list(self.log_rows.get(partner_id, []))


def memory_privacy(store: MemoryStore) -> PrivacyPorts:
    return PrivacyPorts(MemoryPersonalData(store),
                        MemoryDueIndex(store.archive, lambda t: ARCHIVE_INDEX + due_day(t),
                                       timed=False))
