"""The app's spans: one per HTTP request, one per queue-function invocation (a child of the
producer's span, from the message's trace context), one per delivery attempt.

Off (no tracer activated), each context manager yields a do-nothing span and touches no
OpenTelemetry module, so telemetry costs a function call per request. Exceptions are never
recorded with their message, which may quote input (a validation error quotes the value):
a failed span carries the exception's type in ``error.type`` only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from shared.storage.ports.ids import is_referral_id

from . import context

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Tracer

PARTNER_ID = "partner.id"
REFERRAL_ID = "referral.id"


class SpanLike(Protocol):
    def set_attribute(self, key: str, value: Any) -> None: ...


class _NoSpan:
    def set_attribute(self, key: str, value: Any) -> None:
        pass


NO_SPAN = _NoSpan()
_tracer: Tracer | None = None


def activate(tracer: Tracer | None) -> None:
    """Called by setup (or a test) with the app's tracer; None turns spans off again."""
    global _tracer
    _tracer = tracer
    context.enabled = tracer is not None


def active() -> bool:
    return _tracer is not None


@contextmanager
def _span(name: str, kind: str, attributes: Mapping[str, Any],
          parent: Context | None = None) -> Iterator[SpanLike]:
    from opentelemetry.trace import SpanKind, Status, StatusCode

    assert _tracer is not None
    with _tracer.start_as_current_span(
            name, context=parent, kind=SpanKind[kind], attributes=_clean(attributes),
            record_exception=False, set_status_on_exception=False) as span:
        try:
            yield span
        except BaseException as exc:
            span.set_attribute("error.type", type(exc).__name__)
            span.set_status(Status(StatusCode.ERROR))
            raise


@contextmanager
def request_span(route_name: str, method: str, route_path: str,
                 headers: Mapping[str, str], route_params: Mapping[str, str]
                 ) -> Iterator[SpanLike]:
    """SERVER span named like ``GET /api/referrals/{id}`` (the template, never the path),
    continuing the caller's ``traceparent`` when it sends one."""
    if _tracer is None:
        yield NO_SPAN
        return
    route = f"/api/{route_path}"
    # Only a well-formed referral id: the path segment is the caller's text, whatever it is.
    rid = route_params.get("id")
    attributes = {"http.request.method": method, "http.route": route,
                  "operation.name": route_name,
                  REFERRAL_ID: rid if rid and is_referral_id(rid) else None}
    parent = context.extract(headers)
    with _span(f"{method} {route}", "SERVER", attributes, parent) as span:
        yield span


def respond_status(span: SpanLike, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    if status >= 500 and _tracer is not None:
        from opentelemetry.trace import Span, Status, StatusCode

        span.set_attribute("error.type", str(status))
        if isinstance(span, Span):
            span.set_status(Status(StatusCode.ERROR))


@contextmanager
def queue_span(function: str, queue: str, body: bytes | str) -> Iterator[SpanLike]:
    """CONSUMER span of one queue-function invocation, the child of the span that sent the
    message (its ``traceparent``); a message without one (sent before telemetry, or by a
    timer) starts a new trace."""
    if _tracer is None:
        yield NO_SPAN
        return
    attributes = {"faas.name": function, "faas.trigger": "pubsub",
                  "messaging.system": "azure_queue", "messaging.destination.name": queue,
                  "messaging.operation.type": "process"}
    with _span(f"process {queue}", "CONSUMER", attributes,
               context.extract_message(body)) as span:
        yield span


@contextmanager
def timer_span(function: str) -> Iterator[SpanLike]:
    """A timer's run: the root of the trace its enqueued work continues."""
    if _tracer is None:
        yield NO_SPAN
        return
    with _span(function, "INTERNAL", {"faas.name": function, "faas.trigger": "timer"}) as span:
        yield span


@contextmanager
def delivery_span(destination: str, partner_id: str, referral_id: str | None,
                  event_type: str, attempt: int) -> Iterator[SpanLike]:
    """One delivery attempt; its result (and a webhook's host) is set by the caller."""
    if _tracer is None:
        yield NO_SPAN
        return
    attributes = {"delivery.destination": destination, PARTNER_ID: partner_id,
                  REFERRAL_ID: referral_id, "event.type": event_type,
                  "delivery.attempt": attempt}
    with _span(f"deliver {destination}", "CLIENT", attributes) as span:
        yield span


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
