"""W3C trace context in queue messages, so one trace runs from the HTTP request through
every queue to the deliveries.

A producer adds ``traceparent`` (and ``tracestate`` when there is one) beside the ids its
message carries; the queue function reads them back as the parent of its span. Messages
without them (written before telemetry existed, or with it off) read as before: readers
ignore the two keys, and a missing or malformed ``traceparent`` just starts a new trace.
With telemetry off, ``inject`` adds nothing and ``extract`` parses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.context import Context

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
KEYS = (TRACEPARENT, TRACESTATE)
# Set by spans.activate: whether a tracer is active (this module imports nothing of it).
enabled = False


def inject(message: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Add the current span's trace context to ``message`` (in place, and returned)."""
    if not enabled:
        return message
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    carrier: dict[str, str] = {}
    TraceContextTextMapPropagator().inject(carrier)
    message.update({k: v for k, v in carrier.items() if k in KEYS})
    return message


def extract(carrier: Mapping[str, Any]) -> Context | None:
    """The remote parent a message (or a request's headers) names, or None."""
    if not enabled:
        return None
    parent = carrier.get(TRACEPARENT)
    if not isinstance(parent, str):
        return None
    from opentelemetry.trace import get_current_span
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    fields = {TRACEPARENT: parent}
    state = carrier.get(TRACESTATE)
    if isinstance(state, str):
        fields[TRACESTATE] = state
    found = TraceContextTextMapPropagator().extract(fields)
    # A malformed traceparent yields an empty context: no parent, a new trace.
    return found if get_current_span(found).get_span_context().is_valid else None


def extract_message(body: bytes | str) -> Context | None:
    """``extract`` from a queue message's JSON body; None for anything else."""
    if not enabled:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return extract(data) if isinstance(data, dict) else None
