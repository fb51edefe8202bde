"""Backfill for customer data (part of ``python -m tools.reindex``): the address rows of
referrals written before they existed (layout/addresses.py), from each referral and the
addresses its history names, and the archive index rows of archived referrals that still
hold people (layout/archive.py). Writes only what is missing: a second run writes nothing."""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.domain.enums import Stage
from shared.domain.lifecycle import stage_of
from shared.storage.layout.addresses import all_address_rows
from shared.storage.layout.archive import archive_row
from shared.storage.layout.history_rows import PREFIX, entry_from_row
from shared.storage.ports import Stored


def _present(table: TableClient, partner_id: str) -> set[str]:
    rows = table.query_entities("PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
                                parameters={"pk": partner_id, "low": "a|", "high": "a|~"},
                                select=["RowKey"])
    return {str(r["RowKey"]) for r in rows}


def _indexed(index: TableClient, row: dict[str, Any]) -> bool:
    try:
        index.get_entity(row["PartitionKey"], row["RowKey"])
    except ResourceNotFoundError:
        return False
    return True


def _mentioned(table: TableClient, partner_id: str) -> dict[str, set[str]]:
    """Referral id -> the addresses its history entries name (one range read)."""
    found: dict[str, set[str]] = {}
    rows = table.query_entities("PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
                                parameters={"pk": partner_id, "low": PREFIX, "high": "h|~"},
                                select=["RowKey", "entryJson"])
    for row in rows:
        rid = str(row["RowKey"]).split("|")[1]
        found.setdefault(rid, set()).update(_emails(entry_from_row(row).changes))
    return found


def _emails(value: Any) -> set[str]:
    if isinstance(value, dict):
        own = {str(value["email"])} if value.get("email") else set()
        return own.union(*(_emails(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_emails(v) for v in value))
    return set()


def backfill_people(table: TableClient, index: TableClient | None, partner_id: str,
                    stored: list[Stored], *, dry_run: bool = False) -> int:
    """Rows upserted (or that would be, with ``dry_run``)."""
    mentioned, present = _mentioned(table, partner_id), _present(table, partner_id)
    written = 0
    for s in stored:
        r = s.referral
        keys = [k for k in all_address_rows(r, mentioned.get(r.id, set())) if k not in present]
        ops = [("upsert", {"PartitionKey": partner_id, "RowKey": k, "ref": r.id},
                {"mode": UpdateMode.REPLACE}) for k in keys]
        for start in range(0, len(ops), 100):
            if not dry_run:
                table.submit_transaction(ops[start:start + 100])
        written += len(ops)
        holds = r.customer_profile.contacts or r.team or r.owner
        if index is not None and holds and stage_of(r.status) is Stage.ARCHIVED \
                and not _indexed(index, archive_row(r)):
            if not dry_run:
                index.upsert_entity(archive_row(r))
            written += 1
    return written
