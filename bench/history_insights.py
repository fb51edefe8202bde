"""History bench, insights after a busy day (issue 28): what ``GET /api/insights`` costs a
partner whose history was built through the product, right after a burst of changes, once
the background has folded, and at rest.

In an Azurite of its own (the loaded history of the other calls would slow every fold's
query on the emulator, which scans the whole table for each), with the fold worker running
throughout (``history_folds``): A and B get their archived referrals through the services
(``history_build``), the background catches up, then B has a busy day: ``burst`` changes
through the services (``tests.support.folding.burst``: referrals received and accepted, then
their deal values edited by several callers at once, on today's clock). Insights, all time
and for the last 90 days, are then read through the counted context for A and B:

* **after the burst**: at once, whatever the background has not folded yet;
* **after the background folds**: once the fold worker is idle (the time it took is
  reported; target: within a minute of the burst's end);
* **at rest**: after the next daily timer's folds (``insights.start``), which take what the
  changes' own fold requests left.

Reported per read: requests, entities returned, and among them the delta rows (``u|t|``),
the read's time, and its figures checked against a full recount of the partner's referrals.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from shared.services import insights
from tests.integration.test_index_contract import recount
from tests.support.folding import burst

from .common import Report, azurite, ratio, table_context
from .history_build import Built, build
from .history_folds import FoldWorker
from .history_requests import RequestLog, counted_context

PHASES = ("after the burst", "after the background folds", "at rest")
WINDOW_DAYS = 90
CATCH_UP_S = 60.0  # the background folds a burst within this
MAX_DELTAS = 100  # a read after that examines at most this many delta rows
SPREAD = 1.2  # B's entities <= SPREAD * A's + SLACK
SLACK = 5
MAX_EXTRA_REQUESTS = 1


def _read(ctx: Any, log: RequestLog, p: Built, window: bool) -> dict[str, Any]:
    """One insights read of ``p`` through the counted context: what it cost and answered."""
    today = ctx.clock().date()
    span = (today - timedelta(days=WINDOW_DAYS - 1), today) if window else (None, None)
    log.take()
    started = time.perf_counter()
    figures = insights.insights(ctx, p.id, *span)
    ms = (time.perf_counter() - started) * 1000
    requests = log.take()
    exact = not window and figures.counts == recount(
        list(ctx.referrals.all_for_partner(p.id)))["counts"]
    return {"items": sum(figures.counts.values()), "ms": ms, "requests": len(requests),
            "entities": sum(r.returned for r in requests),
            "deltas": sum(r.deltas for r in requests), "exact": exact or window}


def _rows(phase: str, ctx: Any, log: RequestLog, a: Built, b: Built) -> list[dict[str, Any]]:
    rows = []
    for name, window in (("all time", False), (f"last {WINDOW_DAYS} days", True)):
        ra, rb = (_read(ctx, log, p, window) for p in (a, b))
        rows.append({
            "call": f"insights, {name}: {phase}", "phase": phase,
            "items_a": ra["items"], "items_b": rb["items"],
            "ms_a": round(ra["ms"], 1), "ms_b": round(rb["ms"], 1),
            "time_ratio": ratio(rb["ms"], ra["ms"]),
            "requests_a": ra["requests"], "requests_b": rb["requests"],
            "entities_a": ra["entities"], "entities_b": rb["entities"],
            # insights read key ranges only: Azure examines what they return
            "examined_a": ra["entities"], "examined_b": rb["entities"],
            "deltas_a": ra["deltas"], "deltas_b": rb["deltas"],
            "exact": ra["exact"] and rb["exact"],
        })
    return rows


def _targets(report: Report, rows: list[dict[str, Any]], caught_up_s: float) -> None:
    report.target("insights: background idle after B's burst (s)", round(caught_up_s, 1),
                  CATCH_UP_S)
    for row in rows:
        if row["phase"] == PHASES[0]:
            continue  # right after a burst a read is exact, only dearer: no target
        name = row["call"]
        report.target(f"{name}: B - A requests", row["requests_b"] - row["requests_a"],
                      MAX_EXTRA_REQUESTS)
        # A window reads whole months and two running sums, a handful of rows whatever
        # the partner's density (layout/summaries.py).
        report.target(f"{name}: B entities (<= {SPREAD} A + {SLACK})", row["entities_b"],
                      round(SPREAD * row["entities_a"] + SLACK, 1))
        report.target(f"{name}: delta rows read, most of A and B",
                      max(row["deltas_a"], row["deltas_b"]), MAX_DELTAS)
    report.target("insights: reads whose figures differ from a recount",
                  sum(not row["exact"] for row in rows), 0)


def measure(size: dict[str, int], report: Report) -> list[dict[str, Any]]:
    """Build, burst, fold and read (see the module's doc); adds the targets and params,
    returns the rows."""
    with azurite() as az:
        cs = az.connection_string
        log = RequestLog()
        counted, _ = counted_context(cs, log)  # creates the tables and the queues
        with FoldWorker(cs) as worker:
            a = build(cs, "A", size["insights_a"], 11, size["callers"])
            b = build(cs, "B", size["insights_b"], 12, size["callers"])
            settled = worker.wait_idle()
            started = time.perf_counter()
            burst(table_context(cs), b.id, size["burst"], workers=size["callers"])
            burst_s = time.perf_counter() - started
            rows = _rows(PHASES[0], counted, log, a, b)
            caught_up = worker.wait_idle()
            rows += _rows(PHASES[1], counted, log, a, b)
            # The next day's timer: every partner noted with deltas, today's notes too.
            insights.start(worker.ctx, through=worker.ctx.clock())
            worker.wait_idle()
            rows += _rows(PHASES[2], counted, log, a, b)
    _params(report, a, b, size, settled, burst_s, caught_up, worker)
    _targets(report, rows, caught_up)
    return rows


def _params(report: Report, a: Built, b: Built, size: dict[str, int], settled: float,
            burst_s: float, caught_up: float, worker: FoldWorker) -> None:
    for p in (a, b):
        print(f"built {p.label} through the services: {p.archived:,} archived, "
              f"{p.changes:,} changes in {p.seconds:.1f} s "
              f"({p.changes / p.seconds:.1f} changes/s)", flush=True)
        report.params[f"insights_{p.label.lower()}_built"] = {
            "archived": p.archived, "changes": p.changes, "seconds": round(p.seconds, 1)}
    report.params["insights_burst"] = {
        "changes": size["burst"], "callers": size["callers"], "seconds": round(burst_s, 1),
        "background_idle_after_s": round(caught_up, 1),
        "background_idle_after_build_s": round(settled, 1),
        "fold_batches_worked": worker.worked, "fold_batches_failed": worker.failed}
    report.notes.append(
        "insights rows: partners built through referrals.intake/perform (not loaded), "
        f"{a.archived:,} / {b.archived:,} archived over two years, then a burst of "
        f"{size['burst']:,} changes for B; folds by the product's own background "
        "(fold batches from sweep-batches worked by sweeps.work); entities include the "
        "delta rows (deltas_a/_b)")
