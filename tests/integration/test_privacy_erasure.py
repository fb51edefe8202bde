"""Erasure and retention on the in-memory and the Table stores; on Azurite, a scan of every
entity of every table and every message of every queue finds no trace of the person after
(and does find one before, so the scan can fail)."""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient

from shared.domain.commands import AcceptRequest, AddTeamMember, DeclineRequest, IntakeRequest
from shared.domain.models import Profile, TeamMember
from shared.privacy import retention, service
from shared.privacy.retention import ports_of
from shared.services import referrals
from shared.services.context import Context
from shared.services.insights import insights
from tests.support.azurite import Azurite
from tests.support.factories import accept_body, intake_body, profile_body

# The scan reads the whole session Azurite, where other tests keep their own people: this
# person's values are this run's alone (a fixed phone number was also a browser test's).
_RUN = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])
_PHONE = "+31 " + " ".join(f"{int(uuid.uuid4().int % 10**3):03d}" for _ in range(3))
ZEB = {"firstName": f"Zebulon{_RUN}", "lastName": f"Quillfeather{_RUN}",
       "email": f"Zeb.Q.{_RUN}@fabrikam.example", "phoneNumber": _PHONE}
TRACES = (ZEB["email"].lower(), _PHONE, f"zebulon{_RUN}", f"quillfeather{_RUN}")
KEEP = ("bo@fabrikam.example", "grace@contoso.example")


def _j(value: object) -> str:
    return json.dumps(value)


def _declined(ctx: Context, partner: str) -> str:
    ctx.profiles.put(partner, Profile.model_validate(profile_body(), strict=False))
    body = intake_body(partner)
    body["customerProfile"]["contacts"].append(ZEB)
    declined = referrals.intake(ctx, IntakeRequest.model_validate_json(_j(body))).referral.id
    decline = DeclineRequest.model_validate_json(_j({"reason": "NotAFit"}))
    referrals.perform(ctx, partner, declined, decline)
    return declined


def _world(ctx: Context, partner: str) -> tuple[str, str]:
    """An accepted referral with Zebulon as contact and team member, and a declined one."""
    declined = _declined(ctx, partner)
    body = intake_body(partner)
    body["customerProfile"]["contacts"].append(ZEB)
    rid = referrals.intake(ctx, IntakeRequest.model_validate_json(_j(body))).referral.id
    referrals.perform(ctx, partner, rid, AcceptRequest.model_validate_json(_j(accept_body())))
    member = TeamMember.model_validate_json(_j(ZEB))
    referrals.perform(ctx, partner, rid, AddTeamMember(member=member))
    return rid, declined


def scan(azurite: Azurite) -> str:
    """Every entity of every table and every message of every queue, as lowercase text."""
    tables = TableServiceClient.from_connection_string(azurite.connection_string)
    texts = [repr(dict(e)) for t in tables.list_tables()
             for e in tables.get_table_client(t.name).list_entities()]
    queues = QueueServiceClient.from_connection_string(azurite.connection_string)
    for q in queues.list_queues():
        client = queues.get_queue_client(q.name)
        for m in client.peek_messages(max_messages=32):
            texts.append(str(m.content))
            with contextlib.suppress(ValueError):
                texts.append(base64.b64decode(str(m.content)).decode("utf-8", "replace"))
    return "\n".join(texts).lower()


def test_erasure_and_repeat(ctx: Context, partner: str):
    rid, declined = _world(ctx, partner)
    figures = insights(ctx, partner, None, None)
    held = service.look_up(ctx, ports_of(ctx), partner, ZEB["email"].upper())
    assert {s.referral.id for s in held.referrals} == {rid, declined}
    assert any(e.action.value == "teamMemberAdded" for _, e in held.history)
    done = service.erase(ctx, ports_of(ctx), partner, ZEB["email"], "admin-oid")
    assert done.referrals == 2 and done.history_entries >= 1
    after = referrals.get(ctx, partner, rid).referral
    assert [c.email for c in after.customer_profile.contacts] == [KEEP[0]]
    assert [m.email for m in after.team] == [KEEP[1]]
    assert insights(ctx, partner, None, None) == figures
    again = service.erase(ctx, ports_of(ctx), partner, ZEB["email"], "admin-oid")
    assert (again.referrals, again.history_entries, again.deliveries) == (0, 0, 0)
    assert service.look_up(ctx, ports_of(ctx), partner, ZEB["email"]).referrals == []


@pytest.fixture
def tables_ctx(table_context: Context) -> Context:
    return table_context


def test_no_trace_in_any_table_or_queue_after_erasure(tables_ctx: Context, partner: str,
                                                       azurite: Azurite):
    _world(tables_ctx, partner)
    before = scan(azurite)
    assert all(t in before for t in TRACES)  # the scan finds the person when present
    service.erase(tables_ctx, ports_of(tables_ctx), partner, ZEB["email"], "admin-oid")
    after = scan(azurite)
    assert [t for t in TRACES if t in after] == []
    assert all(k in after for k in KEEP)


def test_no_trace_after_retention(tables_ctx: Context, partner: str, azurite: Azurite):
    ctx = replace(tables_ctx, settings=replace(tables_ctx.settings,
                                               personal_data_retention=timedelta(0)))
    declined = _declined(ctx, partner)
    assert all(t in scan(azurite) for t in TRACES)
    started = retention.start(ctx)
    assert started.entries >= 1
    erased = retention.forget(ctx, ports_of(ctx).store, referrals.get(ctx, partner, declined))
    assert erased.referrals == 1
    gone = referrals.get(ctx, partner, declined).referral
    assert gone.customer_profile.contacts == [] and gone.customer_profile.name == "Fabrikam"
    assert gone.status_reason is None or "zebulon" not in gone.status_reason.lower()
    assert [t for t in TRACES if t in scan(azurite)] == []


def test_reindex_backfills_address_and_archive_rows(tables_ctx: Context, partner: str,
                                                   azurite: Azurite):
    from shared.storage.layout.addresses import PREFIX
    from shared.storage.tables.reindex import reindex_partner

    rid, declined = _world(tables_ctx, partner)
    service_client = TableServiceClient.from_connection_string(azurite.connection_string)
    table = service_client.get_table_client("Referrals")
    index = service_client.get_table_client("ExpiryIndex")
    rows = list(table.query_entities("PartitionKey eq @pk and RowKey gt @low and RowKey lt @hi",
                                     parameters={"pk": partner, "low": PREFIX, "hi": "a|~"}))
    for row in rows:  # as if written before address rows existed
        table.delete_entity(partner, row["RowKey"])
    archived = [e for e in index.query_entities("PartitionKey ge 'archived|'")
                if e["RowKey"].startswith(partner)]
    for row in archived:
        index.delete_entity(row["PartitionKey"], row["RowKey"])
    assert rows and archived
    found = service.look_up(tables_ctx, ports_of(tables_ctx), partner, ZEB["email"])
    assert [s.referral.id for s in found.referrals] == [rid]  # his team row still serves
    reindex_partner(table, partner, index=index)
    held = service.look_up(tables_ctx, ports_of(tables_ctx), partner, ZEB["email"])
    assert {s.referral.id for s in held.referrals} == {rid, declined}
    assert [e for e in index.query_entities("PartitionKey ge 'archived|'")
            if e["RowKey"] == f"{partner}|{declined}"]
