"""Storage killed under load: every request answers its normal status or 503
serviceUnavailable with Retry-After, quickly (never a 500, never a hang), and the same
devhost process serves again once Azurite is back.

Its own Azurite (on disk, so a restart keeps the data) and its own devhost: stopping the
session's Azurite would break every other test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.support.azurite import Azurite, start_azurite
from tests.support.client import Api, onboard, send_referral
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.factories import new_tenant, profile_body

pytestmark = pytest.mark.e2e

CLIENTS = 8
# "A few seconds": two quick retries of a refused connection take well under one; the SDK's
# default retries took about 5.
MAX_SECONDS = 3.0


@dataclass
class Outcomes:
    seen: list[tuple[int, float, str, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, resp: requests.Response, elapsed: float) -> None:
        code = resp.json()["error"]["code"] if resp.status_code >= 400 else ""
        with self.lock:
            self.seen.append((resp.status_code, elapsed, code, "Retry-After" in resp.headers))


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Azurite, DevHost, Path]]:
    az = start_azurite(location=tmp_path / "azurite")
    env = {"AzureWebJobsStorage": az.connection_string, "AUTH_MODE": "local",
           "MICROSOFT_NOTIFICATION_URL": "", "CUSTOMER_NOTIFICATION_URL": "",
           "DEVHOST_MAX_POLLING_INTERVAL": "0.5", "WEBSITE_INSTANCE_ID": ""}
    host = start_devhost(env, tmp_path)
    try:
        yield az, host, tmp_path
    finally:
        host.stop()
        az.stop()


def _load(api: Api, referral: str, stop: threading.Event, out: Outcomes) -> None:
    calls = [("GET", "/referrals", None), ("GET", f"/referrals/{referral}", None),
             ("GET", "/profile", None), ("GET", "/insights", None),
             ("PUT", "/profile", profile_body())]
    i = 0
    while not stop.is_set():
        method, path, body = calls[i % len(calls)]
        i += 1
        started = time.monotonic()
        try:
            resp = api.call(method, path, body)
        except requests.RequestException:
            continue  # never expected: counted below as missing answers
        out.add(resp, time.monotonic() - started)


def _run_load(api: Api, referral: str, seconds: float) -> Outcomes:
    out, stop = Outcomes(), threading.Event()
    # One session per client: requests does not promise a shared one is thread-safe.
    threads = [threading.Thread(target=_load, args=(Api(api.base, api.tenant), referral,
                                                     stop, out))
               for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    return out


def test_storage_outage_answers_503_then_recovers(stack):
    az, host, tmp = stack
    tenant = new_tenant()
    api = onboard(host.base, tenant)
    referral = send_referral(host.base, tenant)["id"]
    ports = [az.blob_port, az.queue_port, az.table_port]

    az.stop()
    during = _run_load(api, referral, 4.0)
    statuses = {s for s, *_ in during.seen}
    assert during.seen and statuses == {503}, statuses
    assert all(code == "serviceUnavailable" and retry for _, _, code, retry in during.seen)
    slowest = max(elapsed for _, elapsed, *_ in during.seen)
    assert slowest < MAX_SECONDS, f"slowest 503 took {slowest:.1f} s"
    assert len(during.seen) >= CLIENTS * 4  # answered at once, not held until a timeout

    back = start_azurite(ports=ports, location=tmp / "azurite")
    try:
        after = _run_load(api, referral, 1.0)
        assert {s for s, *_ in after.seen} == {200}
        assert api.get(f"/referrals/{referral}").json()["id"] == referral
        assert host.process.poll() is None  # the same process, never restarted
    finally:
        back.stop()
