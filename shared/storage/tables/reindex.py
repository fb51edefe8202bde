"""Bring a partner's derived rows (index and summary) in line with its referrals.

For data written before index rows existed, and as a repair: idempotent, so running it twice
(or after a crash half-way) changes nothing the second time. A referral without its marker
(``ix``) gets all its index rows and its summary contribution in one transaction with the
marker, conditional on the referral's ETag, so it is counted exactly once and a change that
races the migration wins (the referral is then simply left for the next run). Index rows
that no referral implies (say, left by a bug) are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from azure.core import MatchConditions
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.storage.layout.indexes import INDEX_PREFIXES, INDEX_VERSION, index_rows
from shared.storage.ports.ids import REFERRAL_PREFIX
from shared.storage.tables.index import derived_ops, stored_from_entity
from shared.storage.tables.reindex_people import backfill_people
from shared.storage.tables.reindex_sweeps import backfill_referral_deliveries, backfill_reminders

_REFERRAL_LOW, _REFERRAL_HIGH = REFERRAL_PREFIX, chr(ord(REFERRAL_PREFIX) + 1)


@dataclass
class Report:
    referrals: int = 0
    migrated: int = 0
    rows_written: int = 0
    rows_deleted: int = 0
    conflicts: list[str] = field(default_factory=list)


def reindex_partner(table: TableClient, partner_id: str, *, dry_run: bool = False,
                    index: TableClient | None = None,
                    reminders: TableClient | None = None) -> Report:
    """``index``: the ExpiryIndex table, for the archive index rows (reindex_people.py);
    ``reminders``: the ReminderIndex table, for reminder rows (reindex_sweeps.py)."""
    report = Report()
    stored = [stored_from_entity(e) for e in table.query_entities(
        "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
        parameters={"pk": partner_id, "low": _REFERRAL_LOW, "high": _REFERRAL_HIGH})]
    present = _index_keys(table, partner_id)
    wanted: dict[str, dict[str, Any]] = {}
    for s in stored:
        report.referrals += 1
        rows = index_rows(s.referral)
        wanted.update(rows)
        if s.indexed:
            missing = [("upsert", {"PartitionKey": partner_id, "RowKey": k, **v},
                        {"mode": UpdateMode.REPLACE}) for k, v in rows.items() if k not in present]
            report.rows_written += _submit(table, missing, dry_run, report, s.referral.id)
            continue
        marker = ("update", {"PartitionKey": partner_id, "RowKey": s.referral.id,
                             "ix": INDEX_VERSION},
                  {"mode": UpdateMode.MERGE, "etag": s.etag,
                   "match_condition": MatchConditions.IfNotModified})
        ops = [marker, *derived_ops(None, s.referral)]
        if _submit(table, ops, dry_run, report, s.referral.id):
            report.migrated += 1
            report.rows_written += len(ops) - 1
    stale = [("delete", {"PartitionKey": partner_id, "RowKey": k})
             for k in sorted(present - set(wanted))]
    for start in range(0, len(stale), 100):
        report.rows_deleted += _submit(table, stale[start:start + 100], dry_run, report, "")
    report.rows_written += backfill_people(table, index, partner_id, stored, dry_run=dry_run)
    if reminders is not None:
        report.rows_written += backfill_reminders(reminders, stored, dry_run=dry_run)
    report.rows_written += backfill_referral_deliveries(table, partner_id, dry_run=dry_run)
    return report


def _index_keys(table: TableClient, partner_id: str) -> set[str]:
    keys: set[str] = set()
    for prefix in INDEX_PREFIXES:
        rows = table.query_entities(
            "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
            parameters={"pk": partner_id, "low": prefix + "|", "high": prefix + "|~"},
            select=["RowKey"])
        keys.update(str(r["RowKey"]) for r in rows)
    return keys


def _submit(table: TableClient, ops: list[Any], dry_run: bool, report: Report, ref: str) -> int:
    if not ops:
        return 0
    if dry_run:
        return len(ops)
    try:
        table.submit_transaction(ops)
    except TableTransactionError:
        # The referral changed meanwhile: its change wrote its rows; the next run checks.
        report.conflicts.append(ref)
        return 0
    return len(ops)
