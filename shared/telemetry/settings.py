"""The two telemetry switches. ``shared/settings.py`` reads them with every other setting;
this module only says what they mean and checks them.

The OpenTelemetry SDK and the Azure Monitor exporter read their own standard variables from
the environment by design (``OTEL_SERVICE_NAME``, ``OTEL_EXPORTER_OTLP_HEADERS``,
``OTEL_METRIC_EXPORT_INTERVAL``, ``OTEL_TRACES_SAMPLER``,
``APPLICATIONINSIGHTS_AUTHENTICATION_STRING`` and the rest): the one exception to "only
settings.py reads the environment", kept so that every documented OpenTelemetry variable
works as an operator expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TelemetrySettingsError(ValueError):
    """Raised with the setting's name; settings.py re-raises it as a SettingsError."""


class Exporter(StrEnum):
    AZURE_MONITOR = "azureMonitor"
    OTLP = "otlp"


@dataclass(frozen=True)
class TelemetrySettings:
    # APPLICATIONINSIGHTS_CONNECTION_STRING: the Azure Monitor distro exports there.
    connection_string: str | None = None
    # OTEL_EXPORTER_OTLP_ENDPOINT: OTLP over http/protobuf to any collector.
    otlp_endpoint: str | None = None

    @property
    def exporters(self) -> frozenset[Exporter]:
        """Empty: telemetry is off and the SDK is never imported."""
        chosen = set()
        if self.connection_string:
            chosen.add(Exporter.AZURE_MONITOR)
        if self.otlp_endpoint:
            chosen.add(Exporter.OTLP)
        return frozenset(chosen)


def parse_telemetry(connection_string: str | None, otlp_endpoint: str | None
                    ) -> TelemetrySettings:
    """Checked at start: a typo here would otherwise export nothing, silently."""
    if connection_string and "instrumentationkey=" not in connection_string.lower():
        raise TelemetrySettingsError(
            "APPLICATIONINSIGHTS_CONNECTION_STRING must be an Application Insights connection "
            "string (InstrumentationKey=...;IngestionEndpoint=...)")
    if otlp_endpoint and not otlp_endpoint.lower().startswith(("http://", "https://")):
        raise TelemetrySettingsError(
            f"OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL such as "
            f"http://127.0.0.1:4318, got {otlp_endpoint!r}")
    return TelemetrySettings(connection_string, otlp_endpoint)
