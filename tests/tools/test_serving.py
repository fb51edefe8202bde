"""The local tools stop on a TERM whichever thread the kernel hands it to. scripts/run stops
the webhook inbox and the Partner Center simulation with a TERM; under load the kernel may
deliver it to a server thread rather than the main one, and a main thread parked in a lock
never ran the handler: the tool kept its port after scripts/run had exited (seen in CI)."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.azurite import free_port

ROOT = Path(__file__).resolve().parents[2]
SYS_TGKILL = 234  # x86-64; the only way to aim a signal at one thread of another process

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or os.uname().machine != "x86_64",
                                reason="aims the signal with Linux x86-64's tgkill")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _start(module: str, port: int, state: Path) -> subprocess.Popen[bytes]:
    """Start the tool as scripts/run does, and wait, as it does, for its "# ..." ready line."""
    extra = ["--state-dir", str(state)] if module == "tools.partner_center_sim" else []
    proc = subprocess.Popen([sys.executable, "-m", module, "--port", str(port), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(b"# "):
            break
    assert proc.poll() is None and _listening(port), f"{module} did not start"
    return proc


def _other_thread(pid: int) -> int:
    tids = [int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid]
    assert tids, "the tool serves from a background thread"
    return tids[0]


@pytest.mark.parametrize("module", ["tools.webhook_inbox", "tools.partner_center_sim"])
def test_a_term_that_lands_on_a_server_thread_still_stops_the_tool(module, tmp_path):
    port = free_port()
    proc = _start(module, port, tmp_path)
    try:
        tid = _other_thread(proc.pid)
        assert ctypes.CDLL(None, use_errno=True).syscall(SYS_TGKILL, proc.pid, tid, signal.SIGTERM) == 0
        proc.wait(timeout=15)  # the old helper never returned: TimeoutExpired
        assert proc.returncode == 0  # a clean stop, not a kill
        assert not _listening(port)
    finally:
        if proc.poll() is None:
            proc.kill()
