"""The sweeps' ports, one contract for the in-memory and the Table implementations; and the
batch queue's encoding through a real Azurite queue, decoded as the trigger does."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from azure.data.tables import TableServiceClient, UpdateMode
from azure.storage.queue import QueueClient

from shared.bootstrap import queue_client
from shared.domain import operations as ops
from shared.domain.commands import IntakeRequest
from shared.services import expiry
from shared.services.context import Context
from shared.settings import StorageSettings
from shared.storage.layout.keys import EXPIRY_INDEX_TABLE
from shared.storage.ports.ids import new_referral_id
from shared.storage.ports.sweeps import DueEntry, SweepBatch, SweepKind
from shared.storage.tables.sweep_queue import StorageBatchQueue, decode_batch
from tests.support.factories import intake_body
from tests.support.sweeping import isolated

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def add(ctx: Context, partner: str, at: datetime, window=timedelta(days=14)) -> str:
    cmd = IntakeRequest.model_validate_json(json.dumps(intake_body(partner)))
    referral, events = ops.receive(cmd, new_referral_id(at), at, window)
    ctx.referrals.add(referral, events)
    return referral.id


def mine(entries, partner: str) -> list[DueEntry]:
    return sorted(e for e in entries if e.partner_id == partner)


def test_intake_writes_both_index_rows(ctx: Context, partner: str):
    rid = add(ctx, partner, NOW)
    expires = NOW + timedelta(days=14)
    [expiry] = mine(ctx.sweeps.expiry.due(expires), partner)
    [reminder] = mine(ctx.sweeps.reminders.due(expires), partner)
    assert (expiry.referral_id, expiry.partition) == (rid, "20261116")
    assert (reminder.referral_id, reminder.partition) == (rid, "2026111609")


def test_both_indexes_are_read_by_moment(ctx: Context, partner: str):
    rid = add(ctx, partner, NOW)  # expires 2026-11-16 09:30
    day_before, same_day = NOW + timedelta(days=13), NOW + timedelta(days=14, hours=-9)
    assert not mine(ctx.sweeps.expiry.due(day_before), partner)
    # The daily run at 00:30 leaves a referral due at 09:30 to the next day's run.
    assert not mine(ctx.sweeps.expiry.due(same_day), partner)
    expires = NOW + timedelta(days=14)
    assert [e.referral_id for e in mine(ctx.sweeps.expiry.due(expires), partner)] == [rid]
    next_run = NOW + timedelta(days=15, hours=-7)  # 02:30 the day after
    assert [e.referral_id for e in mine(ctx.sweeps.expiry.due(next_run), partner)] == [rid]
    in_the_hour = NOW + timedelta(days=14, minutes=-1)  # same hour bucket, a minute short
    assert not mine(ctx.sweeps.reminders.due(in_the_hour), partner)
    assert mine(ctx.sweeps.reminders.due(NOW + timedelta(days=14)), partner)


def test_a_run_enqueues_only_what_is_due_by_its_moment(ctx: Context, partner: str):
    early = add(ctx, partner, NOW - timedelta(hours=8))  # expires 01:30 on the 16th
    add(ctx, partner, NOW + timedelta(hours=8))  # expires 17:30 on the 16th
    run_at = NOW + timedelta(days=14, hours=-7)  # the daily run, 02:30 on the 16th
    sent, batches = isolated(replace(ctx, clock=lambda: run_at), partner)
    started = expiry.start(sent)
    assert started.fanned.entries == 1
    assert [e.referral_id for b in batches.take() if b.kind is SweepKind.EXPIRE
            for e in b.entries] == [early]


def test_rows_written_without_the_moment_are_still_read(azurite, table_context, partner):
    # ExpiryIndex rows from before they carried expiresDateTime: taken as due on their day
    # (the worker decides), as they always were; never left behind.
    rid = add(table_context, partner, NOW)
    table = TableServiceClient.from_connection_string(
        azurite.connection_string).get_table_client(EXPIRY_INDEX_TABLE)
    table.upsert_entity({"PartitionKey": "20261116", "RowKey": f"{partner}|{rid}"},
                        mode=UpdateMode.REPLACE)
    same_day = NOW + timedelta(days=14, hours=-9)
    assert [e.referral_id for e in mine(table_context.sweeps.expiry.due(same_day),
                                        partner)] == [rid]


def test_drop_takes_rows_and_tolerates_missing_ones(ctx: Context, partner: str):
    ids = [add(ctx, partner, NOW + timedelta(seconds=k)) for k in range(3)]
    limit = NOW + timedelta(days=15)
    rows = mine(ctx.sweeps.expiry.due(limit), partner)
    assert sorted(e.referral_id for e in rows) == sorted(ids)
    ctx.sweeps.expiry.drop(rows[:1])
    ctx.sweeps.expiry.drop(rows)  # the first is gone already: an overlapping run took it
    assert not mine(ctx.sweeps.expiry.due(limit), partner)
    ctx.sweeps.reminders.drop(mine(ctx.sweeps.reminders.due(limit), partner))
    assert not mine(ctx.sweeps.reminders.due(limit), partner)


def test_get_many_returns_exactly_the_asked_referrals(ctx: Context, partner: str):
    ids = [add(ctx, partner, NOW + timedelta(seconds=k)) for k in range(5)]
    other = add(ctx, f"{partner}-other", NOW + timedelta(seconds=2))
    asked = [ids[0], ids[4], ids[2], "r0000000000000nothere00"]
    found = ctx.sweeps.reads.get_many(partner, asked)
    assert sorted(found) == sorted(ids[i] for i in (0, 2, 4))  # not ids[1], ids[3], outbox
    assert all(found[rid] == ctx.referrals.get(partner, rid) for rid in found)
    assert list(ctx.sweeps.reads.get_many(partner, [ids[3]])) == [ids[3]]
    assert ctx.sweeps.reads.get_many(partner, []) == {}
    assert ctx.sweeps.reads.get_many(partner, [other]) == {}


def test_batch_message_decodes_as_the_trigger_does(azurite):
    name = f"sweep-enc-{uuid.uuid4().hex[:8]}"
    producer = queue_client(StorageSettings(connection_string=azurite.connection_string), name)
    producer.create_queue()
    batch = SweepBatch(SweepKind.REMIND, (DueEntry("p-ä", "r1", "2026111609"),
                                          DueEntry("p-ä", "r2", "2026111610")))
    StorageBatchQueue(producer).send(batch)
    raw = QueueClient.from_connection_string(azurite.connection_string, name)
    [message] = list(raw.receive_messages(max_messages=1))
    encoding = json.loads(Path("host.json").read_text())["extensions"]["queues"]["messageEncoding"]
    assert encoding == "base64"
    assert decode_batch(base64.b64decode(message.content).decode("utf-8")) == batch
