"""The Partner Center connector's own rows on Azurite: the request budget shared by every
worker, single-use sign-in states, and connection updates that survive racing writers."""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from shared.partner_center.state.connection import Connection, ConnectionState
from shared.partner_center.state.rate_table import TableRateLimiter
from shared.partner_center.state.store import ConnectionChanged, ConnectionStore, PendingSignIn
from tests.support.azurite import Azurite

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


def table(azurite: Azurite) -> object:
    service = TableServiceClient.from_connection_string(azurite.connection_string)
    return service.create_table_if_not_exists("PartnerCenter")


def test_two_workers_share_one_budget_of_requests_a_second(azurite: Azurite) -> None:
    """Two limiters (two workers) on one partner: every reserved slot is its own, 1/rate
    apart, however the reservations race; a worker's own bucket would let both go at once."""
    t, partner, rate = table(azurite), f"p-{uuid.uuid4().hex[:10]}", 10.0
    slots: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        def sleep(seconds: float) -> None:
            with lock:
                slots.append(1000.0 + seconds)  # the fake clock stands still at 1000

        limiter = TableRateLimiter(t, rate, clock=lambda: 1000.0, sleep=sleep)  # type: ignore[arg-type]
        for _ in range(10):
            limiter.acquire(partner)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts = sorted([1000.0, *slots])  # the first reservation goes at once: no sleep
    assert len(starts) == 20
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 1 / rate - 1e-6  # never two requests closer than the rate allows


def test_a_sign_in_state_is_taken_once(azurite: Azurite) -> None:
    store = ConnectionStore(table(azurite))  # type: ignore[arg-type]
    state = uuid.uuid4().hex
    store.put_sign_in(state, PendingSignIn("tenant-a", "admin-1", "Ada", "sealed",
                                           NOW + timedelta(minutes=10)))
    first, second = store.take_sign_in(state), store.take_sign_in(state)
    assert first is not None and first.partner_id == "tenant-a" and second is None
    assert store.take_sign_in("never-issued") is None


def test_racing_updates_of_a_connection_all_land(azurite: Azurite) -> None:
    store = ConnectionStore(table(azurite))  # type: ignore[arg-type]
    partner = f"p-{uuid.uuid4().hex[:10]}"
    store.save(Connection(partner, uuid.uuid4().hex, ConnectionState.CONNECTED, "admin-1",
                          "Ada", NOW), "sealed", None)
    hosts = [f"h{i}.example" for i in range(6)]
    seen: list[str] = []

    def note(host: str) -> None:
        store.update(partner, lambda c: c.with_(webhook_host=host), tries=20)
        seen.append(host)

    threads = [threading.Thread(target=note, args=(h,)) for h in hosts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = store.get(partner)
    assert final is not None and final.sealed_refresh_token == "sealed"
    assert final.connection.webhook_host in hosts and sorted(seen) == sorted(hosts)
    assert store.partner_of(final.connection.connection_id) == partner
    store.delete(final)
    assert store.get(partner) is None and store.partner_of(final.connection.connection_id) \
        is None


class FailingWrites:
    """The table, except that its ``fail_at``-th write raises (a host stopped mid-save)."""

    def __init__(self, table: Any, fail_at: int) -> None:
        self._table, self._left = table, fail_at

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._table, name)
        if name not in ("create_entity", "upsert_entity", "update_entity", "delete_entity"):
            return attr

        def write(*args: Any, **kwargs: Any) -> Any:
            self._left -= 1
            if self._left == 0:
                raise ConnectionError("stopped mid-save")
            return attr(*args, **kwargs)

        return write


@pytest.mark.parametrize("fail_at", [1, 2])
def test_a_connection_is_never_stored_without_the_route_its_events_use(
        azurite: Azurite, fail_at: int) -> None:
    """Whichever write of the first save fails, either nothing is connected (the admin signs
    in again) or the event URL finds its partner: never a connection whose events 404."""
    t, partner = table(azurite), f"p-{uuid.uuid4().hex[:10]}"
    conn = Connection(partner, uuid.uuid4().hex, ConnectionState.CONNECTED, "admin-1", "Ada",
                      NOW)
    with pytest.raises(ConnectionError):
        ConnectionStore(FailingWrites(t, fail_at)).save(conn, "sealed", None)  # type: ignore[arg-type]
    store = ConnectionStore(t)  # type: ignore[arg-type]
    stored = store.get(partner)
    assert stored is None or store.partner_of(stored.connection.connection_id) == partner
    again = store.save(conn, "sealed", None)  # signing in again connects it fully
    assert store.partner_of(again.connection.connection_id) == partner


def test_a_repeated_first_save_keeps_the_route_and_a_losing_one_leaves_none(
        azurite: Azurite) -> None:
    store, partner = ConnectionStore(table(azurite)), f"p-{uuid.uuid4().hex[:10]}"  # type: ignore[arg-type]
    conn = Connection(partner, uuid.uuid4().hex, ConnectionState.CONNECTED, "admin-1", "Ada",
                      NOW)
    store.save(conn, "sealed", None)
    with pytest.raises(ConnectionChanged):  # the same save again: its first answer was lost
        store.save(conn, "sealed", None)
    assert store.partner_of(conn.connection_id) == partner
    loser = conn.with_(connection_id=uuid.uuid4().hex)  # a second sign-in racing the first
    with pytest.raises(ConnectionChanged):
        store.save(loser, "sealed", None)
    assert store.partner_of(loser.connection_id) is None
    assert store.partner_of(conn.connection_id) == partner
