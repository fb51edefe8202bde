"""What bench.partner_center runs against: the Partner Center simulation, Azurite behind the
counting proxy, and devhost pointed at both, as the README's run command wires them; plus the
steps a partner takes through the product's own HTTP path (sign in, Sync now, intake)."""

from __future__ import annotations

import base64
import contextlib
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from azure.data.tables import TableClient

from shared.partner_center.state.connection import LastSync
from shared.partner_center.state.store import PARTNER_CENTER_TABLE, ConnectionStore
from tests.support.azurite import Azurite, free_port
from tests.support.client import Api, onboard
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.mailbox import Mailbox
from tools.partner_center_sim import SimulatorHandle, start_simulator

from .common import azurite, devhost_env
from .storage_proxy import ProxiedAzurite, counting_proxy

SECRETS_KEY = base64.b64encode(b"bench-webhook-secrets-key-32byte").decode()


@dataclass
class Rig:
    sim: SimulatorHandle
    az: Azurite  # direct, uncounted: the benchmark's own reads go here
    proxied: ProxiedAzurite  # what devhost uses: every request counted
    host: DevHost

    @property
    def counts(self) -> Any:
        return self.proxied.counts

    def connections(self) -> ConnectionStore:
        table = TableClient.from_connection_string(self.az.connection_string,
                                                   PARTNER_CENTER_TABLE)
        return ConnectionStore(table)

    def last_sync(self, partner_id: str) -> LastSync | None:
        stored = self.connections().get(partner_id)
        return stored.connection.last_sync if stored else None


def app_env(rig_parts: tuple[SimulatorHandle, ProxiedAzurite, Mailbox], port: int,
            poll_s: float) -> dict[str, str]:
    sim, proxied, mailbox = rig_parts
    return {
        **devhost_env(proxied.connection_string),
        **sim.settings(),
        # A real SMTP server that accepts every alert: without one each alert e-mail is
        # retried until it gives up, and those retries would swamp what is measured.
        **mailbox.env(),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_SECRETS_KEY": SECRETS_KEY,
        # Timers that would otherwise fire during a long import: the bench syncs on demand.
        "REMINDER_SCHEDULE": "0 30 2 * * *",
        "PARTNER_CENTER_SYNC_SCHEDULE": "0 45 2 * * *",
        # How soon the host looks at a queue again: the event latency includes it.
        "DEVHOST_MAX_POLLING_INTERVAL": str(poll_s),
        "DEVHOST_QUEUE_VISIBILITY_TIMEOUT": "0",
        "NOTIFICATION_RETRY_DELAY": "PT0.1S",
    }


@contextlib.contextmanager
def rig(poll_s: float) -> Iterator[Rig]:
    sim, mailbox = start_simulator(retry_delay=0.05), Mailbox()
    try:
        with azurite() as az, counting_proxy(az) as proxied, \
                tempfile.TemporaryDirectory(prefix="bench-pc-") as tmp:
            port = free_port()
            host = start_devhost(app_env((sim, proxied, mailbox), port, poll_s), Path(tmp),
                                 port=port)
            try:
                yield Rig(sim, az, proxied, host)
            except BaseException:
                print(host.log()[-4000:], file=sys.stderr)
                raise
            finally:
                host.stop()
    finally:
        sim.stop()
        mailbox.stop()


def wait_for(check: Callable[[], Any], what: str, timeout: float = 1800.0,
             every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise TimeoutError(f"never happened: {what}")


def connect(r: Rig, tenant: str) -> Api:
    """The admin's sign-in as a browser does it (the simulation approves at once), then the
    first sync the callback starts, finished."""
    api = onboard(r.host.base, tenant)
    started = api.post("/partner-center/connect")
    assert started.status_code == 200, started.text
    signed_in = requests.get(started.json()["authorizeUrl"], allow_redirects=False, timeout=10)
    callback = signed_in.headers["Location"]
    assert urlsplit(callback).path.endswith("/partner-center/callback"), callback
    done = requests.get(callback, allow_redirects=False, timeout=30)
    assert "partnerCenter=connected" in done.headers.get("Location", ""), done.headers
    wait_for(lambda: (s := r.last_sync(tenant)) and s.finished, "the first sync")
    return api


def sync_now(r: Rig, api: Api, timeout: float = 1800.0) -> LastSync:
    """``POST /api/partner-center/sync`` (the dashboard's Sync now) and the sync it queues,
    done: the queue function ``partner_center_work`` runs it in devhost."""
    before = r.last_sync(api.tenant)
    queued = api.post("/partner-center/sync")
    assert queued.status_code == 202, queued.text

    def finished() -> LastSync | None:
        s = r.last_sync(api.tenant)
        if s is None or s.finished is None or (before is not None and s.started <= before.started):
            return None
        return s

    result: LastSync = wait_for(finished, "the sync", timeout)
    assert result.error is None, result.error
    return result


def sim_requests(r: Rig, tenant: str) -> dict[str, int]:
    return dict(r.sim.counters()["tenants"].get(tenant, {}))
