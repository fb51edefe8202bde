"""The README's run command, for real: `scripts/run` brings up Azurite, MailDev, the
simulated Partner Center and the app from this checkout with Python and Node alone, answers a
readiness check that reaches storage, points the app's Partner Center sign-in at the
simulation, and a TERM stops the services it started."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.azurite import free_port

ROOT = Path(__file__).resolve().parents[2]
FIXED_PORTS = (10000, 10001, 10002, 1025, 1080, 1081)  # Azurite's, MailDev's, the webhook inbox's


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _ready(port: int) -> dict[str, str] | None:
    try:
        url = f"http://127.0.0.1:{port}/api/health?ready=1"
        with urllib.request.urlopen(url, timeout=2) as resp:
            return dict(json.load(resp))
    except OSError:
        return None


def _authorize_url(port: int) -> str:
    """Connect, as the demo tenant's admin (the README's curl principal)."""
    principal = {"auth_typ": "aad", "claims": [
        {"typ": "tid", "val": "11111111-2222-3333-4444-555555555555"},
        {"typ": "oid", "val": "demo-Referrals.Admin"}, {"typ": "roles", "val": "Referrals.Admin"}]}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/partner-center/connect", method="POST",
        headers={"X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(principal).encode()).decode()})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return str(json.load(resp)["authorizeUrl"])


def test_scripts_run_serves_a_ready_app_and_stops_on_term(tmp_path):
    busy = [p for p in FIXED_PORTS if _listening(p)]
    if busy:
        pytest.skip(f"ports {busy} are in use (a local run?); the run command needs them")
    port, sim_port = free_port(), free_port()
    env = {**os.environ, "PORT": str(port), "USE_DEVHOST": "1",
           "PARTNER_CENTER_SIM_PORT": str(sim_port)}
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen(["scripts/run"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while (status := _ready(port)) is None:
            assert proc.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()[-3000:]
            time.sleep(0.5)
        assert status == {"status": "ok"}
        assert _listening(1025) and _listening(1080)  # MailDev for the e-mail alerts
        assert _listening(1081)  # the webhook inbox
        # The app signs in to the simulation, and comes back to this app's callback.
        authorize = _authorize_url(port)
        assert authorize.startswith(f"http://127.0.0.1:{sim_port}/11111111-2222-3333-4444-")
        assert f"redirect_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fapi%2Fpartner-center%2Fcallback" \
            in authorize
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    # Azurite, MailDev, the inbox and the simulation are the script's own: it must stop them. (The app's
    # own shutdown on TERM is devhost's, tested in tests/devhost; it is killed with the group.)
    deadline = time.monotonic() + 45
    try:
        while left := [p for p in (*FIXED_PORTS, sim_port) if _listening(p)]:
            if time.monotonic() > deadline:
                pytest.fail(f"scripts/run left ports {left} listening 45 s after a TERM")
            time.sleep(0.2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # nothing of it may outlive the test
