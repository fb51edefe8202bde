"""Phase 3 of ``bench.actions``: what tracing costs per action (target traced/untraced <= 1.05
at p50).

The four actions go through the app's HTTP function in-process (the request pipeline with its
SERVER span, the service, the storage on Azurite; no socket to the app, so HTTP parsing does
not dilute the figure) with telemetry on and off, interleaved round by round. On is what
``OTEL_EXPORTER_OTLP_ENDPOINT`` gives the app: the OTel SDK with the OTLP/http exporter
(batching in the background), here to a receiver in a process of its own (otlp_sink.py; a
collector's decoding is not the app's cost), spans and counters active. The SDK is
configured once; before each sample, outside its time, the bench switches the app's tracer
and meter on or off (``spans.activate``, ``metrics.activate``), as setup does once at start.
(Until 2026-12-06 the switch ran inside the timed call: re-creating the six counters cost a
traced get about 40 us that no request in the app ever pays.)

A third variant, ``control``, is traced as well but by a provider with no exporter: it does
the same work inside the request as ``traced``, so its ratio to ``traced`` (reported on its
row) is the spread between two equal variants in this sequence. A traced/untraced ratio
within that spread of the target is not resolved by the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import azure.functions as func

from shared.bootstrap import build_runtime
from shared.http.pipeline import respond
from shared.route_table import ROUTES
from shared.telemetry import metrics, setup, spans
from shared.telemetry.settings import TelemetrySettings
from tests.support.factories import ADMIN, accept_body, headers

from . import data
from .action_clients import PAGE
from .common import Report, ratio, summarize
from .otlp_sink import Sink, sink

# "control" is traced too, by a tracer whose provider exports nothing: the same work inside
# the request as "traced". Its ratio to "traced" shows how far two equal variants drift apart
# in this mixed sequence, which is the yardstick for reading the traced/untraced ratio.
VARIANTS = ("untraced", "traced", "control")
TARGET = 1.05
_BASE = "http://127.0.0.1:7071/api"
Switch = Callable[[str], None]


@contextmanager
def telemetry() -> Iterator[tuple[Switch, Sink]]:
    """The OTLP exporter set up once, to a receiver in another process; yields the switch
    and the receiver (its span count is set once this exits)."""
    with sink() as receiver:
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint  # the exporters read it
        yield from _configured(receiver)


def _configured(receiver: Sink) -> Iterator[tuple[Switch, Sink]]:
    setup.configure(TelemetrySettings(otlp_endpoint=receiver.endpoint))
    from opentelemetry import metrics as metrics_api
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider

    tracer, meter = trace.get_tracer(setup.NAME), metrics_api.get_meter(setup.NAME)
    tracers = {"untraced": None, "traced": tracer,
               "control": TracerProvider().get_tracer(setup.NAME)}  # records, sends nothing

    def switch(variant: str) -> None:
        spans.activate(tracers[variant])
        metrics.activate(meter if tracers[variant] is not None else None)

    try:
        yield switch, receiver
    finally:
        switch("untraced")
        # Export what is left, then stop the exporters before their receiver goes away.
        for provider in (trace.get_tracer_provider(), metrics_api.get_meter_provider()):
            getattr(provider, "shutdown", lambda: None)()


class Edge:
    """The app's HTTP functions called as the host calls them, over the bench's context."""

    def __init__(self, ctx: Any, partner: str) -> None:
        self.runtime, self.headers = build_runtime(ctx), headers(partner, ADMIN)
        self._routes = {r.name: r for r in ROUTES}

    def call(self, name: str, method: str, path: str, rid: str | None = None,
             body: Any = None, params: dict[str, str] | None = None) -> None:
        req = func.HttpRequest(method, f"{_BASE}/{path}", headers=self.headers,
                               params=params or {}, route_params={"id": rid} if rid else {},
                               body=json.dumps(body).encode() if body is not None else b"")
        resp = respond(req, self._routes[name], self.runtime)
        if resp.status_code != 200:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.get_body()[:300]!r}")


def runners(edge: Edge, pools: dict[tuple[str, str], list[str]], readable: list[str]
            ) -> dict[str, dict[str, Callable[[int], Any]]]:
    """The four actions per variant; the caller switches telemetry to the variant first."""
    accept = accept_body()

    def one(variant: str) -> dict[str, Callable[[int], Any]]:
        def act(action: str, i: int, body: Any) -> None:
            rid = pools[action, variant][i]
            edge.call(f"{action}_referral", "POST", f"referrals/{rid}/{action}", rid, body)

        def read(i: int) -> None:
            rid = readable[i % len(readable)]
            edge.call("get_referral", "GET", f"referrals/{rid}", rid)

        def page(i: int) -> None:
            edge.call("list_referrals", "GET", "referrals", params={"top": str(PAGE)})

        return {"accept": lambda i: act("accept", i, accept),
                "decline": lambda i: act("decline", i, data.DECLINE_BODY),
                "get": read, "list_page": page}

    return {variant: one(variant) for variant in VARIANTS}


def report_tracing(report: Report, actions: tuple[str, ...],
                   samples: dict[tuple[str, str], list[float]], exported_spans: int) -> None:
    for action in actions:
        off, on = summarize(samples[action, "untraced"]), summarize(samples[action, "traced"])
        control = summarize(samples[action, "control"])
        for variant, st, base, base_name in (("untraced", off, None, "-"),
                                             ("traced", on, off, "untraced"),
                                             ("control", control, on, "traced")):
            report.add(action=action, phase=3, variant=variant, calls="-", **st,
                       baseline=base_name,
                       ratio_p50=ratio(st["p50_ms"], base["p50_ms"]) if base else None,
                       ratio_p95=ratio(st["p95_ms"], base["p95_ms"]) if base else None)
        report.target(f"{action}: traced/untraced p50", ratio(on["p50_ms"], off["p50_ms"]),
                      TARGET)
    report.params["phase3_spans_exported"] = exported_spans
