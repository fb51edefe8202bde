"""Configure OpenTelemetry once per worker, from the two switches (telemetry/settings.py).

- ``APPLICATIONINSIGHTS_CONNECTION_STRING``: the Azure Monitor OpenTelemetry distro. Its
  automatic instrumentations are all turned off: the HTTP-client ones would record webhook
  URLs with their paths (which may carry a receiver's token) and the Azure SDK one every
  storage URL (entity keys); our own spans say what matters, hosts only. Its log export is
  off too: the Functions host already sends the worker's logs to Application Insights.
- ``OTEL_EXPORTER_OTLP_ENDPOINT``: OTLP over http/protobuf (traces and metrics), configured
  by the SDK from the standard ``OTEL_*`` variables. http/protobuf rather than gRPC: it
  needs no grpcio (a large native wheel, slower to import on every cold start), rides on
  ``requests`` which the app already ships, and every collector (and the Aspire dashboard)
  accepts it on port 4318.
- Both: one SDK pipeline, exporting to both. Neither: nothing is imported or configured.
"""

from __future__ import annotations

from typing import Any

from . import metrics, spans
from .settings import Exporter, TelemetrySettings

NAME = "referrals"  # the instrumentation scope, and the service name unless OTEL_* names one
# Every instrumentation the distro would switch on by default (see the module docstring).
DISTRO_INSTRUMENTATIONS = ("azure_sdk", "django", "fastapi", "flask", "psycopg2", "requests",
                           "urllib", "urllib3", "httpx")
_configured: frozenset[Exporter] | None = None


def configure(cfg: TelemetrySettings) -> frozenset[Exporter]:
    """Set up the exporters ``cfg`` names (once per process; later calls change nothing)
    and return them; empty when telemetry is off."""
    global _configured
    if _configured is not None:
        return _configured
    exporters = cfg.exporters
    if Exporter.AZURE_MONITOR in exporters:
        _azure_monitor(cfg, with_otlp=Exporter.OTLP in exporters)
    elif Exporter.OTLP in exporters:
        _otlp_only()
    if exporters:
        from opentelemetry import metrics as metrics_api
        from opentelemetry import trace

        spans.activate(trace.get_tracer(NAME))
        metrics.activate(metrics_api.get_meter(NAME))
    _configured = exporters
    return exporters


def _otlp_parts() -> tuple[Any, Any]:
    """A span processor and a metric reader exporting OTLP/http; the exporters read their
    endpoint, headers, timeout and interval from the OTEL_* variables."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    return (BatchSpanProcessor(OTLPSpanExporter()),
            PeriodicExportingMetricReader(OTLPMetricExporter()))


def _otlp_only() -> None:
    from opentelemetry import metrics as metrics_api
    from opentelemetry import trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    resource = Resource.create()  # OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": NAME}))
    processor, reader = _otlp_parts()
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(processor)
    trace.set_tracer_provider(tracer_provider)
    metrics_api.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))


def _azure_monitor(cfg: TelemetrySettings, with_otlp: bool) -> None:
    from azure.monitor.opentelemetry import configure_azure_monitor

    extra: dict[str, Any] = {}
    if with_otlp:
        processor, reader = _otlp_parts()
        extra = {"span_processors": [processor], "metric_readers": [reader]}
    # Entra ID ingestion: the exporter reads APPLICATIONINSIGHTS_AUTHENTICATION_STRING
    # (ClientId=<identity>;Authorization=AAD, set by the Bicep) itself, as the host does.
    configure_azure_monitor(
        connection_string=cfg.connection_string,
        disable_logging=True,
        instrumentation_options={name: {"enabled": False} for name in DISTRO_INSTRUMENTATIONS},
        **extra,
    )
