"""The machine a benchmark ran on, for its report: CPUs, memory, CPU model, Python, Azurite
and Node versions, package versions."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.support.azurite import azurite_binary

_PACKAGES = ("azure-functions", "azure-data-tables", "azure-storage-queue", "azure-core",
             "pydantic", "requests")


def _meminfo_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None



def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _azurite_version() -> str:
    try:
        out = subprocess.run([azurite_binary(), "--version"], capture_output=True, text=True,
                             timeout=30, check=False)
        return out.stdout.strip() or "unknown"
    except (OSError, RuntimeError, subprocess.TimeoutExpired):
        return "unknown"


def _node_version() -> str:
    try:
        out = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10,
                             check=False)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def machine() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _meminfo_gib(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "azurite": _azurite_version(),
        "node": _node_version(),
        "packages": versions,
    }


