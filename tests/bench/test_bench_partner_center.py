"""bench.partner_center still runs end to end at a tiny size (a few leads: connect over the
simulation's sign-in, Sync now, events, write-backs) and prints every figure it reports.

The figures are never asserted: they belong to the machine, not to the code (and request
counts have their own tests, e.g. tests/e2e/test_partner_center_write_back_cost.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.common import JSON_MARKER

ROOT = Path(__file__).resolve().parents[2]
PHASES = ("intake (baseline)", "first import", "repeated sync", "insights",
          "event -> visible in the list", "write-back (accept here)")
FIGURES = {"first import": {"storage_per_item", "ratio_vs_intake", "pc_list", "pc_get",
                            "s_per_1000", "time_ratio_vs_intake"},
           "repeated sync": {"referral_writes", "pc_list"},
           "insights": {"storage", "entities_per_item"},
           "event -> visible in the list": {"p50_ms", "p95_ms"},
           "write-back (accept here)": {"pc_get_per_change", "pc_patch_per_change"}}


def test_a_tiny_run_prints_every_figure(tmp_path: Path) -> None:
    out_file = tmp_path / "partner_center.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.partner_center", "--size", "small",
         "--json", str(out_file)],
        cwd=ROOT, capture_output=True, text=True, timeout=420, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    table, _, doc = proc.stdout.partition(JSON_MARKER)
    report = json.loads(doc)
    assert report["benchmark"] == "partner_center" and report["size"] == "small"
    assert json.loads(out_file.read_text()) == report
    rows = report["results"]
    for phase in PHASES:
        assert any(row["phase"].startswith(phase) for row in rows), phase
        assert phase in table
    for row in rows:
        wanted = next((keys for p, keys in FIGURES.items() if row["phase"].startswith(p)), set())
        assert wanted <= row.keys(), row
    assert {t["name"] for t in report["targets"]} >= {
        "write-back: Partner Center GETs per change",
        "import 5: Partner Center list requests", "repeated sync after 12: referral writes"}
