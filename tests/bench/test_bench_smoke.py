"""Each benchmark script still runs: `--size small`, exit 0, a JSON report with its keys.

The figures are never asserted: they belong to the machine, not to the code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import JSON_MARKER

ROOT = Path(__file__).resolve().parents[2]

REPORT_KEYS = {"benchmark", "size", "machine", "params", "results", "targets", "notes"}
MACHINE_KEYS = {"nproc", "memory_gib", "python", "azurite"}
ROW_KEYS = {
    "actions": {"action", "phase", "variant", "n", "p50_ms", "p95_ms", "ratio_p50", "ratio_p95"},
    "sweep": {"shape", "stored", "due", "variant", "workers", "seconds", "expired_per_s",
              "requests_per_expired", "sweep_requests_per_expired", "speedup_vs_serial",
              "growth_vs_smallest"},
    "listing": {"variant", "referrals", "pages", "walk_s", "page_p50_ms", "page_p95_ms",
                "walk_ratio", "page_p50_ratio"},
    "coldstart": {"variant", "import_ms", "process_ms", "maxrss_mib", "traced_peak_mib",
                  "import_ratio", "process_ratio", "maxrss_ratio", "traced_ratio"},
    "intake": {"clients", "kind", "requests", "req_per_s", "p50_ms", "p95_ms", "rps_ratio",
               "p50_ratio"},
    "history": {"call", "items_a", "items_b", "ms_a", "ms_b", "time_ratio", "requests_a",
                "requests_b", "entities_a", "entities_b", "examined_a", "examined_b"},
}


@pytest.mark.parametrize("name", list(ROW_KEYS))
def test_small_run_prints_its_report(name: str, tmp_path: Path) -> None:
    out_file = tmp_path / f"{name}.json"
    proc = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", "--size", "small", "--json", str(out_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert JSON_MARKER in proc.stdout, proc.stdout[-3000:]
    report = json.loads(proc.stdout.split(JSON_MARKER, 1)[1])

    assert report.keys() >= REPORT_KEYS
    assert report["benchmark"] == name
    assert report["size"] == "small"
    assert report["machine"].keys() >= MACHINE_KEYS
    assert report["results"]
    for row in report["results"]:
        assert ROW_KEYS[name] <= row.keys(), row
    for target in report["targets"]:
        assert {"name", "value", "target", "met"} <= target.keys()
    assert json.loads(out_file.read_text()) == report
    for variant, target in TELEMETRY.get(name, ()):
        assert variant in {row["variant"] for row in report["results"]}, variant
        assert any(target in t["name"] for t in report["targets"]), target


# Issue 25: what telemetry costs, reported by two of them (variant row, target name).
TELEMETRY = {
    "coldstart": [("app", "telemetry on/off"), ("app_otel", "telemetry on/off")],
    "actions": [("untraced", "traced/untraced"), ("traced", "traced/untraced")],
}
