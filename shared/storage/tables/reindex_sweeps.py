"""Backfill for rows later revisions added (part of ``python -m tools.reindex``): the
ReminderIndex rows of referrals received before reminders existed (tables/sweeps.py,
``reminder_row``), and the per-referral delivery rows ``d|<referral id>|...`` of deliveries
made before those rows existed (layout/referral_deliveries.py), rebuilt from the delivery
rows' own referral id and event id. Writes only what is missing: a second run writes nothing.
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.domain.enums import Stage
from shared.domain.lifecycle import stage_of
from shared.storage.layout.keys import OUTBOX_PREFIX
from shared.storage.layout.referral_deliveries import PREFIX, referral_range
from shared.storage.ports import Stored
from shared.storage.tables.sweeps import reminder_row

_MAX_OPS = 100  # one entity-group transaction
_DELIVERIES_HIGH = chr(ord(OUTBOX_PREFIX) + 1)
_LIST_HIGH = PREFIX[:-1] + chr(ord(PREFIX[-1]) + 1)


def backfill_reminders(reminders: TableClient, stored: list[Stored], *, dry_run: bool) -> int:
    """A reminder row for every referral still awaiting an answer that has none: the
    reminder timer then decides on it as on any other (answered or past since: stale)."""
    written = 0
    for s in stored:
        r = s.referral
        if r.expiration_date_time is None or stage_of(r.status) is not Stage.RECEIVED:
            continue
        row = reminder_row(r)
        try:
            reminders.get_entity(row["PartitionKey"], row["RowKey"])
            continue
        except ResourceNotFoundError:
            pass
        if not dry_run:
            reminders.upsert_entity(row, mode=UpdateMode.REPLACE)
        written += 1
    return written


def backfill_referral_deliveries(table: TableClient, partner_id: str, *, dry_run: bool) -> int:
    """The ``d|`` row of every event about a referral whose deliveries are in the log, with
    all their recipient keys; rows already there with those keys are left alone."""
    wanted = _wanted_lists(table, partner_id)
    present = {str(r["RowKey"]): set(str(r.get("recipients", "")).split())
               for r in table.query_entities(
                   "PartitionKey eq @pk and RowKey ge @low and RowKey lt @high",
                   parameters={"pk": partner_id, "low": PREFIX, "high": _LIST_HIGH},
                   select=["RowKey", "recipients"])}
    ops: list[Any] = [
        ("upsert", {"PartitionKey": partner_id, "RowKey": key,
                    "recipients": " ".join(sorted(keys | present.get(key, set())))},
         {"mode": UpdateMode.REPLACE})
        for key, keys in sorted(wanted.items()) if not keys <= present.get(key, set())]
    if not dry_run:
        for start in range(0, len(ops), _MAX_OPS):
            table.submit_transaction(ops[start:start + _MAX_OPS])
    return len(ops)


def _wanted_lists(table: TableClient, partner_id: str) -> dict[str, set[str]]:
    """RowKey of each referral's event row -> the recipient keys of its deliveries."""
    rows = table.query_entities(
        "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high",
        parameters={"pk": partner_id, "low": OUTBOX_PREFIX, "high": _DELIVERIES_HIGH},
        select=["RowKey", "referralId", "eventId"])
    wanted: dict[str, set[str]] = {}
    for row in rows:
        referral_id, event_id = row.get("referralId"), row.get("eventId")
        if not referral_id or not event_id:
            continue  # an event about no referral (webhook.test): in no referral's list
        # A delivery id is "<13-digit inverted ms>-<event id>-<recipient key>".
        delivery_id = str(row["RowKey"]).removeprefix(OUTBOX_PREFIX)
        event_part = delivery_id[:14 + len(str(event_id))]
        key = delivery_id[len(event_part) + 1:]
        low, _ = referral_range(str(referral_id))
        wanted.setdefault(low + event_part, set()).add(key)
    return wanted
