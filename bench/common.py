"""What every benchmark shares: the command line, timing statistics, the report, and the
services it runs against (a throwaway Azurite, devhost).

Every figure is reported next to a baseline measured in the same run, and where it can be,
baseline and subject are interleaved (A, B, A, B ... with the order rotated), so load from
other work on a shared machine hits both alike and cancels out of the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.azurite import Azurite, start_azurite
from tests.support.devhost_proc import DevHost, start_devhost

from .machine import machine

ROOT = Path(__file__).resolve().parents[1]
JSON_MARKER = "=== JSON ==="
SIZES = ("small", "full")


def parse_args(name: str, description: str, argv: Sequence[str] | None,
               extra: Callable[[argparse.ArgumentParser], None] | None = None,
               sizes: Sequence[str] = SIZES, default: str = "full") -> argparse.Namespace:
    """The common options; a script with sizes of its own passes ``sizes`` and ``default``."""
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}", description=description)
    parser.add_argument("--size", choices=sizes, default=default,
                        help=f"small: a few seconds (the smoke test); default {default}")
    parser.add_argument("--json", metavar="PATH", type=Path,
                        help="also write the JSON report to PATH")
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


# --- statistics --------------------------------------------------------------------------


def percentile(samples: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (q in 0..100)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 50)


def summarize(seconds: Sequence[float]) -> dict[str, Any]:
    """n, p50, p95 and mean of durations given in seconds, reported in milliseconds."""
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 3),
        "p95_ms": round(percentile(seconds, 95) * 1000, 3),
        "mean_ms": round(sum(seconds) / len(seconds) * 1000, 3) if seconds else None,
    }


def ratio(value: float | None, baseline: float | None) -> float | None:
    if value is None or baseline is None or baseline == 0:
        return None
    return round(value / baseline, 3)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds another process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds used by this process and by the storage emulator, between two reads.

    Unlike wall time, CPU time hardly moves when other work shares the machine: it counts
    what the code did, not how long it waited for a core."""

    def __init__(self, *pids: int, include_self: bool = True) -> None:
        self.pids = pids
        self.include_self = include_self

    def read(self) -> float:
        own = time.process_time() if self.include_self else 0.0
        return own + sum(process_cpu_seconds(p) for p in self.pids)


def rotated(items: Sequence[Any], turn: int) -> list[Any]:
    """``items`` starting at position ``turn``: each variant takes every place in turn."""
    k = turn % len(items)
    return [*items[k:], *items[:k]]


# --- the report --------------------------------------------------------------------------


@dataclass
class Report:
    benchmark: str
    size: str
    params: dict[str, Any] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def add(self, **row: Any) -> dict[str, Any]:
        self.results.append(row)
        return row

    def target(self, name: str, value: float | None, limit: float, *, at_least: bool = False
               ) -> None:
        """A figure with its target: ``value <= limit`` (``>=`` with ``at_least``)."""
        met = None if value is None else value >= limit if at_least else value <= limit
        self.targets.append({"name": name, "value": value,
                             "target": f"{'>=' if at_least else '<='} {limit}", "met": met})

    def as_json(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "size": self.size,
            "machine": machine(),
            "params": self.params,
            "results": self.results,
            "targets": self.targets,
            "notes": self.notes,
            "elapsed_s": round(time.monotonic() - self.started, 1),
        }

    def emit(self, columns: Sequence[str], json_path: Path | None) -> dict[str, Any]:
        doc = self.as_json()
        m = doc["machine"]
        print(f"bench.{self.benchmark} --size {self.size}: nproc={m['nproc']}, "
              f"{m['memory_gib']} GiB, Python {m['python']}, Azurite {m['azurite']}")
        print()
        print(format_table(self.results, columns))
        if self.targets:
            print()
            print(format_table(
                [{**t, "met": {True: "yes", False: "NO", None: "n/a"}[t["met"]]}
                 for t in self.targets],
                ["name", "value", "target", "met"],
            ))
        for note in self.notes:
            print(f"note: {note}")
        print()
        print(JSON_MARKER)
        text = json.dumps(doc, indent=2)
        print(text, flush=True)
        if json_path is not None:
            json_path.parent.mkdir(parents=True, exist_ok=True)
            json_path.write_text(text + "\n")
        return doc


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.3f}" if abs(value) < 100 else f"{value:.1f}"
        return str(value)

    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


# --- the services ------------------------------------------------------------------------


@contextlib.contextmanager
def azurite() -> Iterator[Azurite]:
    az = start_azurite()
    try:
        yield az
    finally:
        az.stop()


def devhost_env(connection_string: str) -> dict[str, str]:
    """The app's settings for a devhost run; an env var beats local.settings.json."""
    return {
        "AzureWebJobsStorage": connection_string,
        "AUTH_MODE": "local",
        "WEBSITE_INSTANCE_ID": "",
        "EXPIRY_SCHEDULE": "0 0 2 * * *",
        "REMINDER_SCHEDULE": "0 0 * * * *",
        "PARTNER_CENTER_SYNC_SCHEDULE": "0 */15 * * * *",
        "REFERRAL_RESPONSE_WINDOW": "P14D",
        # No webhook targets: delivery settles events as undeliverable, no outbound traffic.
        "MICROSOFT_NOTIFICATION_URL": "",
        "CUSTOMER_NOTIFICATION_URL": "",
        # Nor e-mail, whatever local.settings.json says: without an SMTP server listening,
        # every alert would be retried with back-off and a bench's queue would never drain.
        "EMAIL_MODE": "off",
        # A Standard Webhooks secret (whsec_ + base64 of >= 24 bytes), as settings require.
        "NOTIFICATION_SIGNING_SECRET": "whsec_YmVuY2gtc2lnbmluZy1zZWNyZXQtMjQtYnl0ZXM=",
    }


@contextlib.contextmanager
def devhost(connection_string: str, **extra: str) -> Iterator[DevHost]:
    """A devhost on ``connection_string``; ``extra`` settings on top of devhost_env's."""
    with tempfile.TemporaryDirectory(prefix="bench-devhost-") as tmp:
        host = start_devhost({**devhost_env(connection_string), **extra}, Path(tmp))
        try:
            yield host
        except BaseException:
            print(host.log()[-4000:], file=sys.stderr)
            raise
        finally:
            host.stop()


def storage_settings(connection_string: str) -> Any:
    from shared.settings import AuthMode, Settings, StorageSettings

    return Settings(storage=StorageSettings(connection_string=connection_string),
                    auth_mode=AuthMode.LOCAL)


def table_context(connection_string: str, clock: Callable[[], Any] | None = None) -> Any:
    """The app's Table/Queue-backed service context, as bootstrap builds it."""
    from shared.bootstrap import build_context

    ctx = build_context(storage_settings(connection_string))
    if clock is not None:
        ctx.clock = clock
    return ctx
