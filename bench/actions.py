"""Per-action overhead: the service layer against the raw storage calls each action needs.

For accept, decline, get and one list page this times, interleaved round by round:

* ``raw``: the minimal azure-data-tables / azure-storage-queue calls the action fundamentally
  needs, on plain dict entities (accept = point read + conditional replace; decline = point
  read + OutboxIndex upsert + transaction(conditional replace + outbox row) + enqueue;
  get = point read; list page = one query page);
* ``service``: ``shared.services.referrals`` in-process on the Table/Queue-backed Context
  that ``shared.bootstrap.build_context`` builds (same calls, plus the domain model, the
  mapping and the checks);
* ``http``: the same action as a client sends it to devhost (``python -m devhost``), which
  adds HTTP, auth, body validation and the JSON view.

Reported: p50/p95 of each, service/raw (target <= 1.15 at p50) and http/service; and, in a
third phase, what tracing costs per action: traced/untraced through the app's HTTP function
(target <= 1.05 at p50; action_tracing.py).
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.services import referrals as svc
from shared.storage.layout.keys import REFERRALS_TABLE
from shared.storage.ports import ListQuery

from . import action_tracing as tracing
from . import data
from .action_clients import PAGE, Http, Raw
from .common import (
    Report,
    azurite,
    devhost,
    parse_args,
    ratio,
    summarize,
    table_context,
    timed,
)

SIZES = {"small": {"rounds": 8, "warmup": 2}, "full": {"rounds": 300, "warmup": 20}}
ACTIONS = ("accept", "decline", "get", "list_page")
VARIANTS = ("raw", "service", "http")
CALLS = {"accept": 2, "decline": 4, "get": 1, "list_page": 1}
TARGET = 1.15


def _measure(
    runners: dict[str, dict[str, Callable[[int], Any]]], variants: Sequence[str], rounds: int,
    warmup: int, rng: random.Random, profilers: dict[str, Any],
    before: Callable[[str], None] | None = None,
) -> dict[tuple[str, str], list[float]]:
    """Every round runs each action once per variant, variants in a fresh random order (so
    no variant always follows the same one); the first ``warmup`` rounds are not kept.
    ``before(variant)``, when given, runs ahead of each sample, outside its time (phase 3
    switches telemetry on or off there: the app does that once at start, not per request)."""
    samples: dict[tuple[str, str], list[float]] = {(a, v): [] for a in ACTIONS for v in variants}
    for i in range(rounds + warmup):
        keep = i >= warmup
        for action in ACTIONS:
            order = list(variants)
            rng.shuffle(order)
            for variant in order:
                fn = runners[variant][action]
                if before is not None:
                    before(variant)
                prof = profilers.get(action) if variant == "service" and keep else None
                if prof is not None:
                    prof.start()
                elapsed = timed(functools.partial(fn, i))
                if prof is not None:
                    prof.stop()
                if keep:
                    samples[action, variant].append(elapsed)
    return samples


def _extra(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", action="store_true",
                        help="profile the service variant with pyinstrument (printed to stderr;"
                             " the service figures then include the profiler's overhead)")


@dataclass
class _Fixture:
    ctx: Any
    partner: str
    pools: dict[tuple[str, str], list[str]]  # (action, variant) -> fresh received ids
    readable: list[str]


def _fixture(connection_string: str, per_action: int) -> _Fixture:
    ctx = table_context(connection_string)
    partner = data.new_partner()
    ctx.profiles.put(partner, data.profile())
    # Fresh received referrals: one per accept/decline sample, plus a set to read.
    share = {"raw": 1, "service": 2, "http": 1, "untraced": 1, "traced": 1, "control": 1}
    need = 2 * per_action * sum(share.values())
    now = datetime.now(UTC)
    fresh = [data.referral(partner, now - timedelta(seconds=i)) for i in range(need + 100)]
    data.write(connection_string, REFERRALS_TABLE, data.referral_entities(fresh))
    ids = iter(referral.id for referral in fresh)
    pools = {(a, v): [next(ids) for _ in range(per_action * share[v])]
             for a in ("accept", "decline") for v in share}
    return _Fixture(ctx, partner, pools, list(ids))


Runners = dict[str, dict[str, Callable[[int], Any]]]


def _in_process_runners(fx: _Fixture, raw: Raw) -> Runners:
    accept_cmd, decline_cmd = data.accept_request(), data.decline_request()
    service_ids = {a: iter(fx.pools[a, "service"]) for a in ("accept", "decline")}
    ctx, partner, pools, readable = fx.ctx, fx.partner, fx.pools, fx.readable
    return {
        "raw": {
            "accept": lambda i: raw.accept(pools["accept", "raw"][i]),
            "decline": lambda i: raw.decline(pools["decline", "raw"][i]),
            "get": lambda i: raw.get(readable[i % len(readable)]),
            "list_page": lambda i: raw.list_page(),
        },
        "service": {
            "accept": lambda i: svc.perform(ctx, partner, next(service_ids["accept"]),
                                           accept_cmd, None),
            "decline": lambda i: svc.perform(ctx, partner, next(service_ids["decline"]),
                                             decline_cmd, None),
            "get": lambda i: svc.get(ctx, partner, readable[i % len(readable)]),
            "list_page": lambda i: svc.list_page(ctx, partner, ListQuery(), PAGE, None),
        },
    }


def _http_runners(fx: _Fixture, http: Http) -> dict[str, Callable[[int], Any]]:
    return {
        "accept": lambda i: http.accept(fx.pools["accept", "http"][i]),
        "decline": lambda i: http.decline(fx.pools["decline", "http"][i]),
        "get": lambda i: http.get(fx.readable[i % len(fx.readable)]),
        "list_page": lambda i: http.list_page(),
    }


def _profilers(on: bool) -> dict[str, Any]:
    if not on:
        return {}
    from pyinstrument import Profiler

    return {a: Profiler(interval=0.0005) for a in ACTIONS}


Samples = dict[tuple[str, str], list[float]]


def _report_action(report: Report, action: str, in_process: Samples, over_http: Samples
                   ) -> None:
    raw_s, svc_s = in_process[action, "raw"], in_process[action, "service"]
    svc2_s, http_s = over_http[action, "service"], over_http[action, "http"]
    rows = [("raw", 1, raw_s, None, None), ("service", 1, svc_s, "raw", raw_s),
            ("service", 2, svc2_s, None, None), ("http", 2, http_s, "service", svc2_s)]
    for variant, phase, samples_, base, base_samples in rows:
        st = summarize(samples_)
        bst = summarize(base_samples) if base_samples else None
        report.add(
            action=action, phase=phase, variant=variant, calls=CALLS[action], **st,
            baseline=base or "-",
            ratio_p50=ratio(st["p50_ms"], bst["p50_ms"]) if bst else None,
            ratio_p95=ratio(st["p95_ms"], bst["p95_ms"]) if bst else None,
        )
    report.target(f"{action}: service/raw p50",
                  ratio(summarize(svc_s)["p50_ms"], summarize(raw_s)["p50_ms"]), TARGET)


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("actions", __doc__.splitlines()[0], argv, _extra)
    size = SIZES[args.size]
    rounds, warmup = size["rounds"], size["warmup"]
    report = Report("actions", args.size, params={
        "rounds": rounds, "warmup_rounds": warmup, "page_size": PAGE,
        "variants": list(VARIANTS), "target_service_over_raw_p50": TARGET,
        "profiled": args.profile,
    })
    with azurite() as az:
        fx = _fixture(az.connection_string, rounds + warmup)
        rng = random.Random(6)
        runners = _in_process_runners(fx, Raw(az.connection_string, fx.partner))
        profilers = _profilers(args.profile)
        # Phase 1, in-process: raw and service, in a fresh random order every round.
        in_process = _measure(runners, ("raw", "service"), rounds, warmup, rng, profilers)
        # Phase 2, over HTTP: http and (again) service, with devhost running.
        with devhost(az.connection_string) as host:
            runners["http"] = _http_runners(fx, Http(host.base, fx.partner))
            over_http = _measure(runners, ("service", "http"), rounds, warmup, rng, {})
        # Phase 3, in-process through the HTTP function: telemetry off and on.
        with tracing.telemetry() as (switch, receiver):
            edge = tracing.Edge(fx.ctx, fx.partner)
            traced = _measure(tracing.runners(edge, fx.pools, fx.readable),
                              tracing.VARIANTS, rounds, warmup, rng, {}, before=switch)
        exported = receiver.spans
    for action in ACTIONS:
        _report_action(report, action, in_process, over_http)
    tracing.report_tracing(report, ACTIONS, traced, exported)
    report.notes.append(
        "phase 1 (raw vs service) runs before devhost starts; phase 2 (service vs http) runs "
        "with devhost up, whose queue worker also delivers the notifications the declines "
        "enqueue; phase 3 (untraced, traced, and a traced control that exports nothing; the "
        "HTTP function in-process, OTLP to a receiver in another process) after devhost "
        "stops; each ratio is against the baseline of its own phase (control's against traced)."
    )
    doc = report.emit(["action", "phase", "variant", "calls", "n", "p50_ms", "p95_ms", "baseline",
                       "ratio_p50", "ratio_p95"], args.json)
    for action, prof in profilers.items():
        print(f"\n--- pyinstrument: service {action} ---", file=sys.stderr)
        print(prof.output_text(unicode=False, color=False), file=sys.stderr)
    return doc


if __name__ == "__main__":
    run()
