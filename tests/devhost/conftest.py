"""Helpers to run `python -m devhost` as a subprocess against a copy of a fixture app."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.azurite import free_port

ROOT = Path(__file__).resolve().parents[2]
APPS = Path(__file__).resolve().parent / "apps"
# Variables the fixture apps read: never inherited from the developer's shell.
_OWN_PREFIXES = ("SAMPLE_", "DEVHOST_", "AzureWebJobs")


@dataclass
class Devhost:
    process: subprocess.Popen[bytes]
    port: int
    stdout_path: Path
    stderr_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 5.0) -> float:
        """Signal devhost and wait; returns the seconds it took to exit."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return time.monotonic() - started


def copy_app(name: str, dest: Path) -> Path:
    """A private copy, so devhost's local.settings.json copy never lands in the repo."""
    target = dest / name
    shutil.copytree(
        APPS / name,
        target,
        ignore=shutil.ignore_patterns("__pycache__", "local.settings.json"),
    )
    return target


def launch(script_root: Path, env: dict[str, str], logs: Path) -> Devhost:
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(_OWN_PREFIXES)}
    full_env.update(env)
    logs.mkdir(parents=True, exist_ok=True)
    out, err = logs / f"devhost-{port}.out", logs / f"devhost-{port}.err"
    with out.open("wb") as out_f, err.open("wb") as err_f:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devhost",
                "--script-root",
                str(script_root),
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=full_env,
            stdout=out_f,
            stderr=err_f,
        )
    return Devhost(process, port, out, err)


def wait_ready(host: Devhost, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if host.process.poll() is not None:
            raise AssertionError(f"devhost exited with {host.process.returncode}:\n{host.stderr()}")
        try:
            if requests.get(f"{host.base}/admin/host/status", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    host.stop()
    raise AssertionError(f"devhost did not become ready:\n{host.stderr()}")


def wait_for(
    predicate: Callable[[], object], timeout: float = 10.0, interval: float = 0.1
) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def read_jsonl(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture
def devhost_factory(tmp_path: Path) -> Iterator[Callable[..., Devhost]]:
    """Starts devhost processes for one test and always stops them afterwards."""
    started: list[Devhost] = []

    def start(script_root: Path, env: dict[str, str], *, ready: bool = True) -> Devhost:
        host = launch(script_root, env, tmp_path / "logs")
        started.append(host)
        if ready:
            wait_ready(host)
        return host

    yield start
    for host in started:
        host.stop()
