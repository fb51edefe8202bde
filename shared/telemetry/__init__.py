"""Telemetry (contract section 12): OpenTelemetry traces and metrics, or nothing.

- ``settings``: which exporter the two switches choose (read by ``shared/settings.py``).
- ``setup``: configures the SDK once per worker: the Azure Monitor distro, OTLP
  (http/protobuf), both, or nothing. Only it imports the SDK, and only when a switch is on.
- ``spans``: the request, queue-invocation and delivery spans, and ``annotate`` for the
  current one; with telemetry off each is a no-op that imports nothing.
- ``context``: W3C trace context (``traceparent``/``tracestate``) carried in queue messages.
- ``metrics``: the counters, with one small ``record_*`` function each.

Every attribute is an id, a name of ours, a count or a host: never a customer's or a
person's name, address or phone number, and never a URL with its path (queue messages carry
ids only, habit 22, so nothing here has personal data to leak).
"""
