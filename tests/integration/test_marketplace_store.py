"""Marketplace endpoints: one contract for the in-memory and the Table stores (Azurite)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.bootstrap import table_service
from shared.marketplace.keys import key_hash, new_key
from shared.marketplace.ports import Endpoint, EndpointStore
from shared.marketplace.store import ENDPOINT_ROW, KEY_PREFIX, KEY_ROW, TableEndpoints
from shared.services.context import Context
from shared.storage.layout.keys import PROFILES_TABLE
from tests.fakes.marketplace import MemoryEndpoints

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "tables"])
def store(request: pytest.FixtureRequest) -> EndpointStore:
    if request.param == "memory":
        return MemoryEndpoints()
    ctx: Context = request.getfixturevalue("table_context")  # creates the tables
    return TableEndpoints(table_service(ctx.settings.storage).get_table_client(PROFILES_TABLE))


@pytest.fixture
def partner() -> str:
    return f"p-{uuid.uuid4().hex[:12]}"


def _new(store: EndpointStore, partner: str, at: datetime = T0) -> str:
    h = key_hash(new_key())
    store.replace(Endpoint(partner, h, at))
    return h


def test_a_key_finds_its_partner_and_nothing_else_does(store, partner):
    h = _new(store, partner)
    found = store.owner(h)
    assert found is not None and (found.partner_id, found.key_hash) == (partner, h)
    assert store.owner(key_hash(new_key())) is None
    got = store.get(partner)
    assert got is not None and (got.key_hash, got.created) == (h, T0)
    assert (got.last_lead, got.last_test_lead) == (None, None)


def test_rotation_replaces_the_key_at_once(store, partner):
    old = _new(store, partner)
    old_owner = store.owner(old)
    assert old_owner is not None
    store.mark(old_owner, T0 + timedelta(minutes=1), test=False)
    new = _new(store, partner, T0 + timedelta(hours=1))
    assert store.owner(old) is None and store.owner(new) is not None
    got = store.get(partner)
    assert got is not None and got.key_hash == new and got.created == T0 + timedelta(hours=1)
    assert got.last_lead is None  # a new URL starts its own record
    store.mark(old_owner, T0 + timedelta(hours=2), test=False)  # a lead still on its way
    got = store.get(partner)
    assert got is not None and got.last_lead is None  # the old key's lead marks nothing


def test_revocation_removes_both_rows_and_is_idempotent(store, partner):
    h = _new(store, partner)
    store.remove(partner)
    store.remove(partner)
    assert store.get(partner) is None and store.owner(h) is None


def test_marks_record_when_and_never_bring_a_revoked_endpoint_back(store, partner):
    h = _new(store, partner)
    owner = store.owner(h)
    assert owner is not None and (owner.last_lead, owner.last_test_lead) == (None, None)
    lead, test = T0 + timedelta(minutes=5), T0 + timedelta(minutes=2)
    store.mark(owner, lead, test=False)
    store.mark(owner, test, test=True)
    got = store.get(partner)
    assert got is not None and (got.last_lead, got.last_test_lead) == (lead, test)
    again = store.owner(h)  # what the next lead's verification reads
    assert again is not None and (again.last_lead, again.last_test_lead) == (lead, test)
    store.remove(partner)
    store.mark(owner, lead, test=False)  # revoked meanwhile: nothing comes back
    assert store.get(partner) is None and store.owner(h) is None


def test_lead_times_an_earlier_release_kept_on_the_endpoint_row_still_show(
        table_context, partner):
    table = table_service(table_context.settings.storage).get_table_client(PROFILES_TABLE)
    store = TableEndpoints(table)
    _new(store, partner)
    table.update_entity({"PartitionKey": partner, "RowKey": ENDPOINT_ROW,
                         "lastLeadDateTime": T0 + timedelta(minutes=3)})
    got = store.get(partner)
    assert got is not None and got.last_lead == T0 + timedelta(minutes=3)


def test_a_rotation_that_lost_a_race_leaves_one_working_key(table_context, partner):
    table = table_service(table_context.settings.storage).get_table_client(PROFILES_TABLE)
    store = TableEndpoints(table)
    first = _new(store, partner)
    stale = table.get_entity(partner, "marketplace-endpoint")
    winner = _new(store, partner, T0 + timedelta(minutes=1))
    # A second rotation that read the endpoint before the winner wrote it: its ETag is stale.
    real_get = table.get_entity
    calls = iter([stale])
    table.get_entity = lambda pk, rk, **kw: next(calls, None) or real_get(pk, rk, **kw)  # type: ignore[method-assign]
    loser = _new(store, partner, T0 + timedelta(minutes=2))
    table.get_entity = real_get  # type: ignore[method-assign]
    working = [h for h in (first, winner, loser) if store.owner(h) is not None]
    assert working == [loser] and store.get(partner).key_hash == loser


def test_the_key_rows_hold_no_key(table_context, partner):
    table = table_service(table_context.settings.storage).get_table_client(PROFILES_TABLE)
    key = new_key()
    TableEndpoints(table).replace(Endpoint(partner, key_hash(key), T0))
    rows = [table.get_entity(partner, "marketplace-endpoint"),
            table.get_entity(KEY_PREFIX + key_hash(key), KEY_ROW)]
    assert all(key not in str(dict(r)) for r in rows)
