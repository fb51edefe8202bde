"""The README's curl walk-through, as written, against the run command's stack: `scripts/run`
(Azurite in a fresh folder, MailDev, the simulated Partner Center, the webhook inbox, devhost
on the README's own ports) and the block under "Calling it with curl" run by bash. Every step
answers 2xx, every webhook delivery ends `delivered` in the local inbox with a signature that
verifies, and every history entry names its actor. One test: the stack starts once (~1 min)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.infra.test_run_command import _listening

ROOT = Path(__file__).resolve().parents[2]
PORTS = (7071, 7080, 1081, 10000, 10001, 10002, 1025, 1080)  # what the README names
BASE = "http://127.0.0.1:7071/api"
TENANT = "11111111-2222-3333-4444-555555555555"
WEBHOOKS = {"partner", "microsoft", "customer", "sender"}


def readme_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Calling it with curl", 1)[1]
    return section.split("```bash\n", 1)[1].split("\n```", 1)[0]


def _admin() -> dict[str, str]:
    principal = {"auth_typ": "aad", "claims": [
        {"typ": "tid", "val": TENANT}, {"typ": "oid", "val": "walkthrough-check"},
        {"typ": "roles", "val": "Referrals.Admin"}]}
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(principal).encode()).decode()}


def _all(url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while url:
        page = requests.get(url, headers=_admin(), timeout=10)
        assert page.status_code == 200, page.text
        items += page.json()["value"]
        url = page.json().get("nextLink", "")
    return items


def _settled_webhooks(deadline: float) -> list[dict[str, Any]]:
    while True:
        found = [d for d in _all(f"{BASE}/notifications?top=100") if d["destination"] in WEBHOOKS]
        if all(d["state"] != "pending" for d in found) or time.monotonic() > deadline:
            return found
        time.sleep(1)


def _start(tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "USE_DEVHOST": "1", "AZURITE_DIR": str(tmp_path / "azurite")}
    for name in ("PORT", "PARTNER_CENTER_SIM_PORT", "WEBHOOK_INBOX_PORT", "PARTNER_CENTER_SIM",
                 "WEBHOOK_INBOX"):
        env.pop(name, None)  # the README's ports and services, as a reader has them
    log = (tmp_path / "run.log").open("wb")
    return subprocess.Popen(["scripts/run"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(proc: subprocess.Popen[bytes], tmp_path: Path) -> None:
    deadline = time.monotonic() + 150
    while True:
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{BASE}/health?ready=1", timeout=2).status_code == 200:
                return
        assert proc.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
        assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()[-3000:]
        time.sleep(0.5)


def _check_the_outcome(out: str) -> None:
    statuses = re.findall(r"^HTTP/1\.1 (\d{3})", out, flags=re.M)
    assert statuses and all(s.startswith("2") for s in statuses), statuses
    webhooks = _settled_webhooks(time.monotonic() + 60)
    assert webhooks and {d["destination"] for d in webhooks} >= {"partner", "microsoft"}
    assert [d for d in webhooks if d["state"] != "delivered"] == []
    inbox = requests.get("http://127.0.0.1:1081/deliveries", timeout=5).json()["value"]
    # One event goes to each of its audiences under the same id: told apart by the path.
    received = {(d["headers"]["webhook-id"], d["path"]): d for d in inbox}
    for d in webhooks:
        got = received[d["eventId"], f"/{d['destination']}"]
        assert got["verified"], got["verification"]
    referrals = _all(f"{BASE}/referrals?top=100")
    assert len(referrals) >= 6  # Fabrikam and the five imported leads
    for r in referrals:
        for entry in _all(f"{BASE}/referrals/{r['id']}/history?top=100"):
            assert entry["actor"].get("name"), (r["id"], entry)


def test_the_readme_walk_through_runs_as_written(tmp_path):
    busy = [p for p in PORTS if _listening(p)]
    if busy:
        pytest.skip(f"ports {busy} are in use (a local run?); the walk-through needs them")
    proc = _start(tmp_path)
    try:
        _wait_ready(proc, tmp_path)
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", readme_block()],
                              cwd=tmp_path, capture_output=True, text=True, timeout=240)
        out = done.stdout + done.stderr
        assert done.returncode == 0, out[-4000:]
        _check_the_outcome(out)
    finally:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
