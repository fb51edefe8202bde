"""The Partner Center connection's costs (issue 22, "How it is measured"), against the local
simulation (tools/partner_center_sim) through the product's own path: an admin connects over
HTTP by the simulation's sign-in, Sync now queues the sync, devhost's queue function
``partner_center_work`` runs it, and devhost delivers what it sets going.

* first import of 1,000 and of 10,000 leads: Partner Center requests (target ceil(N/100)
  lists, no per-referral GET), storage requests per imported referral (target: what one
  intake costs, measured in the same run just before, deliveries included for both), wall
  time per 1,000 (against intake's, one client);
* the sync repeated: nothing new in Partner Center, so no referral write;
* after the 10,000 import, one ``GET /api/insights``: its requests and entities;
* event -> visible: a lead accepted "in Partner Center" (signed referral-updated), until
  ``GET /api/referrals`` shows it Active: p50 / p95;
* write-back: leads accepted here, the simulation's GET and PATCH counts per change (target 1
  and 1).

Storage requests are counted by a proxy between devhost and Azurite (bench/storage_proxy.py);
the benchmark's own bookkeeping reads go to Azurite directly and are not counted.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from . import partner_center_phases as phases
from .common import Report, parse_args, ratio
from .partner_center_rig import rig

SIZES: dict[str, dict[str, Any]] = {
    "small": {"intakes": 3, "imports": (5, 12), "events": 2, "writebacks": 1},
    "full": {"intakes": 100, "imports": (1000, 10000), "events": 50, "writebacks": 20},
}
COLUMNS = ("phase", "n", "storage", "storage_per_item", "ratio_vs_intake", "table_reads_per_item",
           "table_writes_per_item", "queue_per_item", "entities_per_item", "pc_list",
           "pc_get", "s_per_1000", "time_ratio_vs_intake", "referral_writes", "p50_ms",
           "p95_ms", "pc_get_per_event", "pc_get_per_change", "pc_patch_per_change")


def _extra(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--poll", type=float, default=0.2, metavar="S",
                        help="devhost's longest queue polling interval (event latency "
                             "includes it; default 0.2 s)")
    parser.add_argument("--imports", type=lambda v: tuple(int(x) for x in v.split(",") if x),
                        metavar="N,N", help="import sizes instead of the size's (1000,10000)")


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("partner_center", __doc__.splitlines()[0], argv, _extra)
    size = {**SIZES[args.size], **({} if args.imports is None else {"imports": args.imports})}
    report = Report("partner_center", args.size, params={**size, "poll_s": args.poll})
    with rig(args.poll) as r:
        biggest = None
        for n in size["imports"]:
            base = _add(report, phases.intake(r, size["intakes"]))
            row, api = phases.first_import(r, n, seed=n)
            _compare(report, row, base)
            _import_targets(report, row)
            again = _add(report, phases.repeat_sync(r, api, n))
            report.target(f"repeated sync after {n:,}: referral writes",
                          again["referral_writes"], 0)
            biggest = (api, n)
        if biggest is not None:
            _add(report, phases.insights_read(r, *biggest))
        _events_and_write_backs(r, report, size)
    _notes(report)
    return report.emit(COLUMNS, args.json)


def _add(report: Report, row: dict[str, Any]) -> dict[str, Any]:
    """Recorded, and shown at once: a long run's figures survive an interrupted end."""
    phases.log(json.dumps(row, default=str))
    return report.add(**row)


def _compare(report: Report, row: dict[str, Any], base: dict[str, Any]) -> None:
    row["ratio_vs_intake"] = ratio(row["storage_per_item"], base["storage_per_item"])
    row["time_ratio_vs_intake"] = ratio(row["s_per_1000"], base["s_per_1000"])
    _add(report, row)


def _import_targets(report: Report, row: dict[str, Any]) -> None:
    n = row["n"]
    report.target(f"import {n:,}: Partner Center list requests", row["pc_list"],
                  row["pc_list_target"])
    report.target(f"import {n:,}: per-referral GETs", row["pc_get"], 0)
    report.target(f"import {n:,}: storage per referral / intake's", row["ratio_vs_intake"],
                  1.0)


def _events_and_write_backs(r: Any, report: Report, size: dict[str, Any]) -> None:
    api, items = phases.answered_partner(r, size["events"] + size["writebacks"])
    by_event, here = items[:size["events"]], items[size["events"]:]
    row = _add(report, phases.event_latency(r, api, by_event))
    report.target("event: Partner Center GETs per event", row["pc_get_per_event"], 1)
    row = _add(report, phases.write_back(r, api, here))
    report.target("write-back: Partner Center GETs per change", row["pc_get_per_change"], 1)
    report.target("write-back: Partner Center PATCHes per change", row["pc_patch_per_change"],
                  1)


def _notes(report: Report) -> None:
    report.notes += [
        "storage counts leave out the host's idle queue polls (an empty receive)",
        "intake and import counts both include the deliveries their events set going "
        "(alert e-mails to a local SMTP server that accepts them; no webhook targets, so "
        "webhook deliveries settle as undeliverable at once)",
        "wall time: intake is one client posting one lead at a time; import is Sync now "
        "until the sync's result is recorded (its deliveries may still be running)",
    ]


if __name__ == "__main__":
    run()
