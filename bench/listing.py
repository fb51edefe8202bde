"""Listing: paging through all of one partner's referrals, service against raw paging.

One partner holds ``referrals`` referrals (written as intake writes them). Timed, interleaved:

* ``service``: ``shared.services.referrals.list_page`` with ``top=100``, following its
  continuation token until there is none (what GET /referrals does per page, less HTTP);
* ``raw``: ``TableClient.query_entities(same filter, results_per_page=100).by_page()``, each
  page's entities read as plain dicts.

Reported: whole walk and per-page p50/p95, service/raw.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.data.tables import TableServiceClient

from shared.services import referrals as svc
from shared.storage.layout.keys import REFERRALS_TABLE
from shared.storage.ports import ListQuery

from . import data
from .common import (
    Report,
    azurite,
    median,
    parse_args,
    ratio,
    rotated,
    summarize,
    table_context,
)

SIZES = {"small": {"referrals": 500, "reps": 2}, "full": {"referrals": 10_000, "reps": 4}}
PAGE = 100
_FILTER = "PartitionKey eq @pk and RowKey gt @low and RowKey lt @high"


def walk_service(ctx: Any, partner: str) -> tuple[int, list[float]]:
    pages, items, token = [], 0, None
    while True:
        start = time.perf_counter()
        page = svc.list_page(ctx, partner, ListQuery(), PAGE, token)
        pages.append(time.perf_counter() - start)
        items += len(page.items)
        token = page.continuation_token
        if token is None:
            return items, pages


def walk_raw(table: Any, partner: str) -> tuple[int, list[float]]:
    pager = table.query_entities(_FILTER, parameters={"pk": partner, "low": "r", "high": "s"},
                                 results_per_page=PAGE).by_page()
    pages, items = [], 0
    while True:
        start = time.perf_counter()
        page = next(pager, None)
        rows = list(page) if page is not None else []
        pages.append(time.perf_counter() - start)
        items += len(rows)
        if page is None or pager.continuation_token is None:
            return items, pages


def _extra(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", action="store_true",
                        help="profile one service walk with pyinstrument (printed to stderr)")


VARIANTS = ("raw", "service")


def _walks(ctx: Any, table: Any, partner: str, count: int, reps: int
           ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """(whole-walk seconds, per-page seconds) of each variant, rotated per repetition."""
    walk_raw(table, partner)  # warm-up: connections, first-call imports
    walk_service(ctx, partner)
    walks: dict[str, list[float]] = {v: [] for v in VARIANTS}
    pages: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for rep in range(reps):
        for variant in rotated(VARIANTS, rep):
            start = time.perf_counter()
            if variant == "raw":
                items, per_page = walk_raw(table, partner)
            else:
                items, per_page = walk_service(ctx, partner)
            walks[variant].append(time.perf_counter() - start)
            pages[variant] += per_page
            if items != count:
                raise RuntimeError(f"{variant} walk listed {items} of {count}")
    return walks, pages


def _profiled_walk(ctx: Any, partner: str) -> str:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    walk_service(ctx, partner)
    profiler.stop()
    return str(profiler.output_text(unicode=False, color=False))


def _report(report: Report, count: int, reps: int, walks: dict[str, list[float]],
            pages: dict[str, list[float]]) -> None:
    stats = {v: summarize(pages[v]) for v in VARIANTS}
    for v in VARIANTS:
        report.add(
            variant=v, referrals=count, pages=len(pages[v]) // reps,
            walk_s=round(median(walks[v]), 3),
            page_p50_ms=stats[v]["p50_ms"], page_p95_ms=stats[v]["p95_ms"],
            walk_ratio=ratio(median(walks[v]), median(walks["raw"])) if v != "raw" else None,
            page_p50_ratio=ratio(stats[v]["p50_ms"], stats["raw"]["p50_ms"])
            if v != "raw" else None,
        )
    # No target of its own in the issue: the per-action one (15 %) is applied to the walk.
    report.target("service/raw, whole walk",
                  ratio(median(walks["service"]), median(walks["raw"])), 1.15)


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("listing", __doc__.splitlines()[0], argv, _extra)
    size = SIZES[args.size]
    count, reps = size["referrals"], size["reps"]
    report = Report("listing", args.size, params={"referrals": count, "page_size": PAGE,
                                                  "repetitions": reps})
    profile_text = ""
    with azurite() as az:
        ctx = table_context(az.connection_string)
        partner = data.new_partner()
        now = datetime.now(UTC)
        referrals = [data.referral(partner, now - timedelta(seconds=i)) for i in range(count)]
        data.write(az.connection_string, REFERRALS_TABLE, data.referral_entities(referrals))
        table = TableServiceClient.from_connection_string(
            az.connection_string).get_table_client(REFERRALS_TABLE)
        walks, pages = _walks(ctx, table, partner, count, reps)
        if args.profile:
            profile_text = _profiled_walk(ctx, partner)
    _report(report, count, reps, walks, pages)
    doc = report.emit(["variant", "referrals", "pages", "walk_s", "page_p50_ms", "page_p95_ms",
                       "walk_ratio", "page_p50_ratio"], args.json)
    if profile_text:
        print("\n--- pyinstrument: one service walk ---", file=sys.stderr)
        print(profile_text, file=sys.stderr)
    return doc


if __name__ == "__main__":
    run()
