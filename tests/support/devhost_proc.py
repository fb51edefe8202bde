"""Start `python -m devhost` from the repo root as a subprocess, as a developer would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from .azurite import ROOT, free_port, stop_process


@dataclass
class DevHost:
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def invoke(self, function: str, payload: str = "") -> requests.Response:
        return requests.post(f"{self.root}/admin/functions/{function}", json={"input": payload},
                             timeout=120)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        stop_process(self.process)


def start_devhost(env_overrides: dict[str, str], log_dir: Path, timeout: float = 60.0,
                  port: int | None = None) -> DevHost:
    port = port or free_port()
    env = {**os.environ, **env_overrides}
    log_path = log_dir / f"devhost-{port}.log"
    log_file = log_path.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "devhost", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=log_file, stderr=subprocess.STDOUT)
    host = DevHost(port, proc, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"devhost exited ({proc.returncode}):\n{host.log()}")
        try:
            if requests.get(f"{host.base}/health", timeout=1).status_code == 200:
                return host
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    host.stop()
    raise RuntimeError(f"devhost did not answer in time:\n{host.log()}")
