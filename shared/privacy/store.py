"""The customer-data port on Table Storage.

Reads: a person's referrals come from two ranges in the partner's partition, the address rows
``a|<subject>|`` (layout/addresses.py) and the team members' person rows ``p|t<hash>|``
(layout/indexes.py); a referral's history is one range ``h|<id>|``. The delivery records
that hold an address are found by reading the partner's delivery log (only an erasure does
that: a rare, admin-only request; e-mail deliveries go to the profile's location contacts,
so for such a person they are most of the log anyway).

The erasure log is kept beside the profile, in the ``Profiles`` table: PartitionKey = partner,
RowKey = ``erasure|<13-digit inverted epoch ms>|<id>`` (newest first), holding only the
subject's hash, who asked and the counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from azure.data.tables import TableClient, UpdateMode

from shared.storage.layout.addresses import address_key, address_prefix
from shared.storage.layout.deliveries import entity_to_delivery, utc
from shared.storage.layout.history_rows import entry_from_row, history_prefix
from shared.storage.layout.indexes import HIGH, member_key, person_prefix
from shared.storage.layout.keys import OUTBOX_PREFIX, hour_bucket, index_row, outbox_row
from shared.storage.ports import Delivery, DeliveryState
from shared.storage.ports.ids import MAX_MS
from shared.storage.ports.privacy import Erasure, HistoryRow

LOG_PREFIX = "erasure|"
_MAX_OPS = 100  # one entity-group transaction
_RANGE = "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high"


def log_key(erasure: Erasure) -> str:
    inverted = MAX_MS - int(erasure.at.timestamp() * 1000)
    return f"{LOG_PREFIX}{inverted:013d}|{erasure.id}"


def delivery_patch(after: Delivery) -> dict[str, Any]:
    return {"PartitionKey": after.partner_id, "RowKey": outbox_row(after.id),
            "eventJson": after.event.model_dump_json(),
            "recipientJson": after.recipient.model_dump_json(),
            "recipientLabel": after.recipient_label or "", "lastError": after.last_error or "",
            "deliveryState": after.state.value}


def mentions(entity: dict[str, Any], address: str) -> bool:
    wanted = address.strip().lower()
    return any(wanted in str(entity.get(k) or "").lower()
               for k in ("recipientJson", "eventJson", "recipientLabel", "lastError"))


class TablePersonalData:
    def __init__(self, referrals: TableClient, profiles: TableClient,
                 outbox_index: TableClient) -> None:
        self._t = referrals
        self._profiles = profiles
        self._outbox_index = outbox_index

    def _range(self, partner_id: str, low: str, high: str, select: list[str] | None
               ) -> Any:
        return self._t.query_entities(_RANGE, parameters={"pk": partner_id, "low": low,
                                                          "high": high}, select=select)

    def referral_ids(self, partner_id: str, address: str) -> list[str]:
        found: set[str] = set()
        for prefix in (address_prefix(address), person_prefix(member_key(address))):
            found.update(str(r["ref"]) for r in self._range(partner_id, prefix, prefix + HIGH,
                                                             ["ref"]))
        return sorted(found)

    def history(self, partner_id: str, referral_id: str) -> list[HistoryRow]:
        prefix = history_prefix(referral_id)
        rows = self._range(partner_id, prefix, prefix + "~", ["RowKey", "entryJson"])
        return [HistoryRow(str(r["RowKey"]), entry_from_row(r)) for r in rows]

    def rewrite_history(self, partner_id: str, rows: Sequence[HistoryRow]) -> None:
        ops = [("upsert", {"PartitionKey": partner_id, "RowKey": r.key,
                           "entryJson": r.entry.model_dump_json()}, {"mode": UpdateMode.MERGE})
               for r in rows]
        self._submit(ops)

    def drop_address_rows(self, partner_id: str, referral_id: str,
                          addresses: Iterable[str]) -> None:
        keys = sorted({address_key(a, referral_id) for a in addresses})
        for key in keys:  # the SDK takes a missing entity as deleted
            self._t.delete_entity(partner_id, key)

    def deliveries_mentioning(self, partner_id: str, address: str) -> Iterator[Delivery]:
        rows = self._range(partner_id, OUTBOX_PREFIX, chr(ord(OUTBOX_PREFIX) + 1), None)
        for entity in rows:
            if mentions(entity, address):
                yield entity_to_delivery(entity)

    def rewrite_delivery(self, before: Delivery, after: Delivery) -> None:
        self._t.update_entity(delivery_patch(after), mode=UpdateMode.MERGE)
        if before.state is DeliveryState.PENDING and after.state is not DeliveryState.PENDING \
                and before.pending_since is not None:
            self._outbox_index.delete_entity(hour_bucket(before.pending_since),
                                             index_row(before.partner_id, before.id))

    def log(self, partner_id: str, erasure: Erasure) -> None:
        self._profiles.upsert_entity({
            "PartitionKey": partner_id, "RowKey": log_key(erasure), "requestedBy":
            erasure.requested_by, "at": erasure.at, "subject": erasure.subject,
            "referrals": erasure.referrals, "historyEntries": erasure.history_entries,
            "deliveries": erasure.deliveries})

    def erasures(self, partner_id: str) -> list[Erasure]:
        rows = self._profiles.query_entities(_RANGE, parameters={
            "pk": partner_id, "low": LOG_PREFIX, "high": LOG_PREFIX + "~"})
        return [Erasure(str(r["RowKey"]).rsplit("|", 1)[1], r["requestedBy"], utc(r["at"]),
                        r["subject"], int(r["referrals"]), int(r["historyEntries"]),
                        int(r["deliveries"])) for r in rows]

    def _submit(self, ops: list[Any]) -> None:
        for start in range(0, len(ops), _MAX_OPS):
            chunk = ops[start:start + _MAX_OPS]
            if len(chunk) == 1:
                self._t.upsert_entity(chunk[0][1], mode=UpdateMode.MERGE)
            elif chunk:
                self._t.submit_transaction(chunk)
