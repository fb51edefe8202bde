"""The app's spans: one per HTTP request, one per queue-function invocation (a child of the
producer's span, from the message's trace context), one per delivery attempt.

Off (no tracer activated), each context manager yields a do-nothing span and touches no
OpenTelemetry module, so telemetry costs a function call per request. On, the OpenTelemetry
names a span needs are looked up once, when the tracer is activated. Exceptions are never
recorded with their message, which may quote input (a validation error quotes the value):
a failed span carries the exception's type in ``error.type`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import lru_cache
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from shared.storage.ports.ids import is_referral_id

from . import context

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer
    from opentelemetry.trace.status import Status

PARTNER_ID = "partner.id"
REFERRAL_ID = "referral.id"


class SpanLike(Protocol):
    def set_attribute(self, key: str, value: Any) -> None: ...

    def set_attributes(self, attributes: Mapping[str, Any]) -> None: ...


class _NoSpan:
    def set_attribute(self, key: str, value: Any) -> None:
        pass

    def set_attributes(self, attributes: Mapping[str, Any]) -> None:
        pass


NO_SPAN = _NoSpan()
Manager = AbstractContextManager[SpanLike]


@dataclass(frozen=True)
class _Otel:
    """The OpenTelemetry API a span needs, imported when a tracer is activated (never when
    telemetry is off)."""

    kinds: dict[str, Any]
    attach: Callable[[Context], object]
    detach: Callable[[Any], None]
    set_span_in_context: Callable[[Span], Context]
    error: Status


_tracer: Tracer | None = None
_otel: _Otel | None = None


def activate(tracer: Tracer | None) -> None:
    """Called by setup (or a test) with the app's tracer; None turns spans off again."""
    global _tracer, _otel
    if tracer is not None and _otel is None:
        from opentelemetry.context import attach, detach
        from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context

        _otel = _Otel({k.name: k for k in SpanKind}, attach, detach, set_span_in_context,
                      Status(StatusCode.ERROR))
    _tracer = tracer
    context.enabled = tracer is not None


def active() -> bool:
    return _tracer is not None


class _Live:
    """A span made current for the ``with`` block, ended after it: what the managers below
    return when tracing is on. A plain class rather than a generator-based manager around
    ``start_as_current_span`` (itself two nested generators): this runs on every request,
    and the lean path is what keeps tracing within its per-action budget (bench.actions)."""

    __slots__ = ("_span", "_start", "_token")

    def __init__(self, name: str, kind: str, attributes: dict[str, Any],
                 parent: Context | None = None) -> None:
        # ``attributes`` without empty values (``_clean``): the SDK is handed them as they are.
        self._start = (name, kind, attributes, parent)

    def __enter__(self) -> SpanLike:
        # Started here, not in __init__: a manager made but never entered starts no span
        # that nothing would end.
        assert _tracer is not None and _otel is not None
        name, kind, attributes, parent = self._start
        self._span = _tracer.start_span(name, context=parent, kind=_otel.kinds[kind],
                                        attributes=attributes,
                                        record_exception=False, set_status_on_exception=False)
        self._token = _otel.attach(_otel.set_span_in_context(self._span))
        return self._span

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert _otel is not None
        try:
            if exc_type is not None:
                self._span.set_attribute("error.type", exc_type.__name__)
                self._span.set_status(_otel.error)
        finally:
            _otel.detach(self._token)
            self._span.end()


class _Off:
    """The manager when tracing is off: yields the do-nothing span, touches no OTel module."""

    __slots__ = ()

    def __enter__(self) -> SpanLike:
        return NO_SPAN

    def __exit__(self, *exc: object) -> None:
        return None


OFF = _Off()


def request_span(route_name: str, method: str, route_path: str,
                 headers: Mapping[str, str], route_params: Mapping[str, str]) -> Manager:
    """SERVER span named like ``GET /api/referrals/{id}`` (the template, never the path),
    continuing the caller's ``traceparent`` when it sends one."""
    if _tracer is None:
        return OFF
    name, static = _route_span(route_name, method, route_path)
    attributes = dict(static)
    # Only a well-formed referral id: the path segment is the caller's text, whatever it is.
    rid = route_params.get("id")
    if rid and is_referral_id(rid):
        attributes[REFERRAL_ID] = rid
    return _Live(name, "SERVER", attributes, context.extract(headers))


@lru_cache(maxsize=256)  # one entry per route and method: a fixed, small set
def _route_span(route_name: str, method: str, route_path: str
                ) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A route's span name and fixed attributes, worked out once rather than per request."""
    route = f"/api/{route_path}"
    return f"{method} {route}", (("http.request.method", method), ("http.route", route),
                                 ("operation.name", route_name))


def respond_status(span: SpanLike, status: int, partner_id: str | None = None) -> None:
    """The response's status (and the caller's partner, once known) on the request span, in
    one call: each SDK attribute call takes the span's lock and validates on its own."""
    if span is NO_SPAN:
        return
    attributes: dict[str, Any] = {"http.response.status_code": status}
    if partner_id:
        attributes[PARTNER_ID] = partner_id
    failed = status >= 500 and _otel is not None
    if failed:
        attributes["error.type"] = str(status)
    span.set_attributes(attributes)
    if failed:
        span.set_status(_otel.error)  # type: ignore[attr-defined,union-attr]  # a live span


def queue_span(function: str, queue: str, body: bytes | str) -> Manager:
    """CONSUMER span of one queue-function invocation, the child of the span that sent the
    message (its ``traceparent``); a message without one (sent before telemetry, or by a
    timer) starts a new trace."""
    if _tracer is None:
        return OFF
    attributes = {"faas.name": function, "faas.trigger": "pubsub",
                  "messaging.system": "azure_queue", "messaging.destination.name": queue,
                  "messaging.operation.type": "process"}
    return _Live(f"process {queue}", "CONSUMER", attributes, context.extract_message(body))


def timer_span(function: str) -> Manager:
    """A timer's run: the root of the trace its enqueued work continues."""
    if _tracer is None:
        return OFF
    return _Live(function, "INTERNAL", {"faas.name": function, "faas.trigger": "timer"})


def delivery_span(destination: str, partner_id: str, referral_id: str | None,
                  event_type: str, attempt: int) -> Manager:
    """One delivery attempt; its result (and a webhook's host) is set by the caller."""
    if _tracer is None:
        return OFF
    attributes = {"delivery.destination": destination, PARTNER_ID: partner_id,
                  REFERRAL_ID: referral_id, "event.type": event_type,
                  "delivery.attempt": attempt}
    return _Live(f"deliver {destination}", "CLIENT", _clean(attributes))


def annotate(attributes: Mapping[str, Any]) -> None:
    """Set attributes on the current span (ids and hosts only); nothing when off."""
    if _tracer is None:
        return
    from opentelemetry.trace import get_current_span

    span = get_current_span()
    for key, value in _clean(attributes).items():
        span.set_attribute(key, value)


def _clean(attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attributes.items() if v is not None and v != ""}
