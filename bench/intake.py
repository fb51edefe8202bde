"""Intake throughput over HTTP: POST /api/referrals and marketplace leads, 1, 4, 16 clients.

devhost serves the app on Azurite; a partner with a business profile receives the referrals.
At each concurrency, interleaved round by round:

* ``intake``: POST /api/referrals with the Referrals.Intake role (201 expected), each client
  on its own keep-alive connection;
* ``health`` (the baseline): GET /api/health at the same concurrency: what devhost and HTTP
  alone cost, with no storage behind it;
* ``marketplace``: POST /api/marketplace/leads/{key}, a new lead each time (its description
  numbered, so none is a retry), compared with ``intake`` (target: p50 at most 1.15x): what
  the key check, the retry claim and the endpoint's "last lead" time add to the same intake.

Reported: requests/s, p50/p95 latency, and intake/health for each; and the CPU that devhost
and Azurite spend per request (for intake including the delivery of its notification, which
devhost's queue worker does in the background: the run waits for the queue to drain), which
other load on the machine hardly changes and which bounds throughput on 2 cores.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests
from azure.storage.queue import QueueClient

from shared.notifications.queue import NOTIFICATIONS_QUEUE
from tests.support.client import onboard
from tests.support.factories import INTAKE, headers, intake_body, new_tenant

from .common import (
    CpuMeter,
    Report,
    azurite,
    devhost,
    parse_args,
    ratio,
    rotated,
    summarize,
)

SIZES: dict[str, dict[str, Any]] = {
    "small": {"concurrency": (1, 4, 16), "requests": {1: 12, 4: 16, 16: 32}, "rounds": 1},
    "full": {"concurrency": (1, 4, 16), "requests": {1: 150, 4: 300, 16: 600}, "rounds": 2},
}
KINDS = ("health", "intake", "marketplace")
BASELINE = {"intake": "health", "marketplace": "intake"}
PUBLIC_BASE_URL = "https://referrals.bench.example"  # only the lead URL's path is used
LEAD_NUMBERS = itertools.count()  # across the whole run: every marketplace lead is new


def lead_body(n: int) -> bytes:
    """A marketplace lead as the marketplace sends it; ``n`` makes each one a new lead."""
    return json.dumps({
        "UserDetails": {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@fabrikam.example",
                        "Phone": "+1 425 555 0100", "Country": "US", "Company": "Fabrikam",
                        "Title": "CTO"},
        "LeadSource": "SPZA-PLT|contoso.cloud-migration", "ActionCode": "PLT",
        "OfferTitle": "Cloud Migration", "Description": f"Please contact me (lead {n})"}).encode()


def load(base: str, kind: str, clients: int, total: int, partner: str, lead_url: str = ""
         ) -> tuple[float, list[float]]:
    """``total`` requests from ``clients`` threads; returns (wall seconds, latencies)."""
    taken = itertools.count()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)
    body = intake_body(partner)

    def client() -> None:
        session = requests.Session()
        if kind == "intake":
            session.headers.update(headers("microsoft-systems", INTAKE))
        mine: list[float] = []
        start_line.wait()
        while next(taken) < total:
            data = lead_body(next(LEAD_NUMBERS)) if kind == "marketplace" else b""
            t0 = time.perf_counter()
            resp, ok = _send(session, kind, base, body, lead_url, data)
            mine.append(time.perf_counter() - t0)
            if not ok:
                with lock:
                    errors.append(f"{resp.status_code} {resp.text[:300]}")
                break
        session.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    start_line.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(timeout=600)
    wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{kind} x{clients}: {len(errors)} failed, first: {errors[0]}")
    return wall, latencies


def _send(session: requests.Session, kind: str, base: str, body: dict[str, Any],
          lead_url: str, data: bytes) -> tuple[requests.Response, bool]:
    """One request of ``kind``, and whether it got the answer expected."""
    if kind == "intake":
        resp = session.post(f"{base}/referrals", json=body, timeout=30)
        return resp, resp.status_code == 201
    if kind == "marketplace":
        resp = session.post(lead_url, data=data, timeout=30)
        return resp, resp.status_code == 201
    resp = session.get(f"{base}/health", timeout=30)
    return resp, resp.status_code == 200


def drain(queue: QueueClient, timeout: float = 120.0) -> None:
    """Wait until devhost's queue worker has taken every notification (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not queue.peek_messages(max_messages=1):
            return
        time.sleep(0.05)
    raise RuntimeError("notifications queue did not drain in time")


@dataclass
class Level:
    """What one concurrency level measured, per kind of request (and per CPU meter)."""

    walls: dict[str, float]
    cpu: dict[tuple[str, str], float]
    latencies: dict[str, list[float]]


def _measure_level(host: Any, queue: QueueClient, meters: dict[str, CpuMeter], partner: str,
                   clients: int, size: dict[str, Any], lead_url: str) -> Level:
    level = Level({k: 0.0 for k in KINDS}, {(k, m): 0.0 for k in KINDS for m in meters},
                  {k: [] for k in KINDS})
    for rnd in range(size["rounds"]):
        for kind in rotated(KINDS, rnd):
            cpu_before = {m: meter.read() for m, meter in meters.items()}
            wall, latencies = load(host.base, kind, clients, size["requests"][clients], partner,
                                   lead_url)
            drain(queue)
            for m, meter in meters.items():
                level.cpu[kind, m] += meter.read() - cpu_before[m]
            level.walls[kind] += wall
            level.latencies[kind] += latencies
    return level


def _report_level(report: Report, clients: int, level: Level, meters: Sequence[str]) -> None:
    stats = {k: summarize(level.latencies[k]) for k in KINDS}
    rps = {k: len(level.latencies[k]) / level.walls[k] for k in KINDS}
    per_req = {(k, m): level.cpu[k, m] * 1000 / len(level.latencies[k]) for k, m in level.cpu}
    cpu_ms = {k: sum(per_req[k, m] for m in meters) for k in KINDS}
    for kind in KINDS:
        base = BASELINE.get(kind)
        report.add(
            clients=clients, kind=kind, requests=len(level.latencies[kind]),
            req_per_s=round(rps[kind], 1), p50_ms=stats[kind]["p50_ms"],
            p95_ms=stats[kind]["p95_ms"], cpu_ms_per_req=round(cpu_ms[kind], 2),
            devhost_cpu_ms=round(per_req[kind, "devhost"], 2),
            azurite_cpu_ms=round(per_req[kind, "azurite"], 2),
            baseline=base or "-",
            rps_ratio=ratio(rps[kind], rps[base]) if base else None,
            p50_ratio=ratio(stats[kind]["p50_ms"], stats[base]["p50_ms"]) if base else None,
            cpu_ratio=ratio(cpu_ms[kind], cpu_ms[base]) if base else None,
        )


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("intake", __doc__.splitlines()[0], argv)
    size = SIZES[args.size]
    report = Report("intake", args.size, params={
        "concurrency": list(size["concurrency"]),
        "requests_per_round": {str(k): v for k, v in size["requests"].items()},
        "rounds": size["rounds"],
    })
    with azurite() as az, devhost(az.connection_string, PUBLIC_BASE_URL=PUBLIC_BASE_URL) as host:
        partner = new_tenant()
        admin = onboard(host.base, partner)
        url = admin.post("/profile/marketplace-endpoint").json()["url"]
        lead_url = host.root + url.removeprefix(PUBLIC_BASE_URL)
        load(host.base, "intake", 2, 10, partner)  # warm-up: first-request setup, imports
        load(host.base, "health", 2, 10, partner)
        load(host.base, "marketplace", 2, 10, partner, lead_url)
        queue = QueueClient.from_connection_string(az.connection_string, NOTIFICATIONS_QUEUE)
        # devhost and Azurite only: the load generator's own CPU is not the app's.
        meters = {"devhost": CpuMeter(host.process.pid, include_self=False),
                  "azurite": CpuMeter(az.process.pid, include_self=False)}
        drain(queue)
        for clients in size["concurrency"]:
            level = _measure_level(host, queue, meters, partner, clients, size, lead_url)
            _report_level(report, clients, level, list(meters))
    report.notes.append(
        "each intake also enqueues a notification that devhost's queue worker delivers "
        "(as undeliverable: the profile has no webhook) while the load runs; cpu_ms_per_req "
        "is devhost + Azurite CPU per request, for intake including that delivery; "
        "marketplace's ratios are to intake (its baseline), intake's to health"
    )
    return report.emit(["clients", "kind", "requests", "req_per_s", "p50_ms", "p95_ms",
                        "cpu_ms_per_req", "devhost_cpu_ms", "azurite_cpu_ms", "baseline",
                        "rps_ratio", "p50_ratio", "cpu_ratio"], args.json)


if __name__ == "__main__":
    run()
