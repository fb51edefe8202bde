"""A long first import that the host stops midway (functionTimeout, a restart) resumes from
the last whole page it took in, not from the start of the import window: the sync keeps its
watermark on the connection row (Azurite) after every page of 100. Partner Center's side is a
scripted client here (the paging itself is tested against the simulation in tests/e2e)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from shared.partner_center import sync
from shared.partner_center.apply import Applied
from shared.partner_center.state.connection import Connection, ConnectionState
from shared.partner_center.state.store import ConnectionStore
from tests.support.azurite import Azurite

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)
WINDOW = timedelta(days=90)
PAGE = 100


class HostStopped(BaseException):
    """What the host's timeout does to a running invocation: nothing of ours catches it."""


def leads(count: int) -> list[dict[str, Any]]:
    """``count`` leads updated a minute apart, oldest first (the order the API pages in)."""
    first = NOW - timedelta(days=10)
    return [{"id": str(uuid.uuid4()),
             "updatedDateTime": (first + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")}
            for i in range(count)]


class ScriptedPartnerCenter:
    """list_changed over a fixed set of leads, recording the ``since`` of each sync."""

    def __init__(self, all_leads: list[dict[str, Any]]) -> None:
        self.leads = all_leads
        self.since_asked: list[datetime] = []

    def list_changed(self, since: datetime) -> Iterator[list[dict[str, Any]]]:
        self.since_asked.append(since)
        changed = [lead for lead in self.leads if sync._updated(lead) > since]  # type: ignore[operator]
        for start in range(0, len(changed), PAGE):
            yield changed[start:start + PAGE]


@pytest.fixture
def store(azurite: Azurite) -> ConnectionStore:
    service = TableServiceClient.from_connection_string(azurite.connection_string)
    return ConnectionStore(service.create_table_if_not_exists("PartnerCenter"))


def run(store: ConnectionStore, partner: str, pc: ScriptedPartnerCenter,
        monkeypatch: pytest.MonkeyPatch, stop_at: int | None = None) -> list[str]:
    """One sync; the host stops it as it reaches the ``stop_at``-th lead. Returns the ids
    taken in."""
    taken: list[str] = []

    def apply(rt: Any, partner_id: str, lead: dict[str, Any]) -> Applied:
        if stop_at is not None and len(taken) == stop_at:
            raise HostStopped
        taken.append(lead["id"])
        return Applied.IMPORTED

    monkeypatch.setattr(sync, "client_for", lambda rt, partner_id: pc)
    monkeypatch.setattr(sync, "apply_remote", apply)
    rt = SimpleNamespace(store=store, ctx=SimpleNamespace(clock=lambda: NOW),
                         config=SimpleNamespace(import_window=WINDOW))
    with contextlib.suppress(HostStopped):
        sync.run_sync(rt, partner)  # type: ignore[arg-type]
    return taken


def test_a_first_import_stopped_midway_resumes_after_its_last_whole_page(
        store: ConnectionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    partner = f"p-{uuid.uuid4().hex[:10]}"
    store.save(Connection(partner, uuid.uuid4().hex, ConnectionState.CONNECTED, "admin-1",
                          "Ada", NOW), "sealed", None)
    pc = ScriptedPartnerCenter(leads(350))

    first = run(store, partner, pc, monkeypatch, stop_at=250)  # stopped inside page 3
    again = run(store, partner, pc, monkeypatch)

    assert len(first) == 250
    assert pc.since_asked[0] == NOW - WINDOW  # the first import starts at the window
    newest_whole_page = sync._updated(pc.leads[2 * PAGE - 1])
    assert newest_whole_page is not None
    # Resumed from page 2's newest lead (less the overlap), not from the window's start.
    assert pc.since_asked[1] == newest_whole_page - sync.OVERLAP
    assert set(first) | set(again) == {lead["id"] for lead in pc.leads}
    assert len(again) == 150 + 5  # pages 3 and 4, and page 2's last 5 minutes once more
    finished = store.get(partner)
    assert finished is not None and finished.connection.last_sync is not None
    assert finished.connection.last_sync.counts.imported == len(again)
