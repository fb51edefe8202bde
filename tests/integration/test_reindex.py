"""tools.reindex on Azurite: referrals stored before index rows existed become listable and
counted, exactly once, and a second run changes nothing."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from azure.data.tables import TableServiceClient

from shared.domain import operations as ops
from shared.domain.commands import AcceptRequest, IntakeRequest
from shared.domain.models import ProfileInput
from shared.services import insights, profiles
from shared.services import referrals as svc
from shared.storage.layout.entities import referral_to_entity
from shared.storage.layout.keys import REMINDER_INDEX_TABLE
from shared.storage.ports import ListQuery
from shared.storage.ports.ids import new_referral_id
from shared.storage.tables.reindex import reindex_partner
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import T0, Clock
from tools import reindex as tool


def _legacy(table, partner: str, n: int) -> list[str]:
    """Referrals written the way revision 1 wrote them: the row alone, no index rows."""
    cmd = IntakeRequest.model_validate_json(json.dumps(intake_body(partner)))
    accept = AcceptRequest.model_validate_json(json.dumps(accept_body()))
    ids = []
    for i in range(n):
        at = T0.replace(minute=i)
        r, _ = ops.receive(cmd, new_referral_id(at), at, timedelta(days=14))
        if i % 2:
            r, _ = ops.accept(r, accept, at)
        table.create_entity(referral_to_entity(r))
        ids.append(r.id)
    return ids


def test_reindex_migrates_once_and_is_idempotent(table_context, partner):
    ctx = replace(table_context, clock=Clock())
    table = ctx.referrals._t
    ids = _legacy(table, partner, 6)
    assert svc.list_page(ctx, partner, ListQuery(), 50, None).items == []  # invisible so far
    table.create_entity({"PartitionKey": partner, "RowKey": "w|bogus|r000", "ref": "r000"})

    first = reindex_partner(table, partner)
    assert (first.referrals, first.migrated, first.rows_deleted, first.conflicts) == (6, 6, 1, [])
    listed = [s.referral.id for s in svc.list_page(ctx, partner, ListQuery(), 50, None).items]
    assert listed == sorted(ids)  # newest first == ascending ids
    figures = insights.insights(ctx, partner)
    assert (figures.counts["received"], figures.counts["accepted"]) == (3, 3)

    second = reindex_partner(table, partner)
    assert (second.migrated, second.rows_written, second.rows_deleted) == (0, 0, 0)
    assert insights.insights(ctx, partner).counts == figures.counts  # counted once


def test_tool_runs_over_partners(table_context, partner, azurite, monkeypatch, capsys):
    _legacy(table_context.referrals._t, partner, 2)
    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    assert tool.main(["--partner", partner, "--dry-run"]) == 0
    assert "2 referrals" in capsys.readouterr().out
    assert tool.main(["--partner", partner]) == 0
    assert "0 rows written" not in capsys.readouterr().out
    assert tool.main(["--partner", partner]) == 0
    assert "0 migrated, 0 rows written, 0 stale rows deleted" in capsys.readouterr().out


def test_reindex_backfills_reminder_rows_of_referrals_still_awaiting_an_answer(
        table_context, partner, azurite):
    ctx = replace(table_context, clock=Clock())
    table, reminders = ctx.referrals._t, _table(azurite, REMINDER_INDEX_TABLE)
    ids = _legacy(table, partner, 4)  # 0 and 2 received, 1 and 3 accepted; no reminder rows
    expires = T0 + timedelta(days=14, hours=1)
    assert _mine(ctx.sweeps.reminders.due(expires), partner) == []  # never reminded so far

    first = reindex_partner(table, partner, reminders=reminders)
    assert _mine(ctx.sweeps.reminders.due(expires), partner) == sorted([ids[0], ids[2]])
    assert first.rows_written >= 2
    second = reindex_partner(table, partner, reminders=reminders)
    assert second.rows_written == 0


def test_reindex_backfills_each_referrals_delivery_list(table_context, partner):
    ctx = replace(table_context, clock=Clock())
    table = ctx.referrals._t
    profiles.put_profile(ctx, partner, ProfileInput.model_validate_json(json.dumps(profile_body())))
    rids = [svc.intake(ctx, IntakeRequest.model_validate_json(json.dumps(intake_body(partner))))
            .referral.id for _ in range(2)]
    svc.perform(ctx, partner, rids[0], AcceptRequest.model_validate_json(
        json.dumps(accept_body())))
    shown = {rid: _deliveries(ctx, partner, rid) for rid in rids}
    assert all(shown.values())
    # Deliveries made before the per-referral rows existed: the log alone.
    lists = list(table.query_entities("PartitionKey eq @pk and RowKey ge 'd|' and RowKey lt 'd}'",
                                      parameters={"pk": partner}))
    for row in lists:
        table.delete_entity(partner, row["RowKey"])
    assert all(_deliveries(ctx, partner, rid) == [] for rid in rids)

    first = reindex_partner(table, partner, dry_run=True)
    assert first.rows_written == len(lists)
    reindex_partner(table, partner)
    assert {rid: _deliveries(ctx, partner, rid) for rid in rids} == shown
    assert reindex_partner(table, partner).rows_written == 0


def _deliveries(ctx, partner: str, rid: str) -> list[str]:
    return [d.id for d in ctx.outbox.page(partner, None, None, 100, referral_id=rid).items]


def _table(azurite, name: str):
    return TableServiceClient.from_connection_string(
        azurite.connection_string).get_table_client(name)


def _mine(entries, partner: str) -> list[str]:
    return sorted(e.referral_id for e in entries if e.partner_id == partner)
