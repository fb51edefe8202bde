"""Telemetry's parts on their own: the switch, trace context in messages, spans, counters.

The switch tests run the app's setup in a fresh interpreter (the SDK's providers are
process-wide, set once) and export to a real OTLP/http receiver on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.notifications.queue import decode_message, encode_batch
from shared.settings import Settings, SettingsError
from shared.storage.ports.sweeps import DueEntry, SweepBatch, SweepKind
from shared.storage.tables.sweep_queue import decode_batch
from shared.storage.tables.sweep_queue import encode_batch as encode_sweep
from shared.telemetry import context, metrics, spans
from shared.telemetry.settings import Exporter
from tests.infra.sources import ROOT
from tests.support.otlp import OtlpReceiver

BASE_ENV = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "AUTH_MODE": "local"}


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    """Spans on, into memory, for one test; off again after it."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    spans.activate(provider.get_tracer("test"))
    yield exporter
    spans.activate(None)


@pytest.fixture
def counted() -> Iterator[InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    metrics.activate(MeterProvider(metric_readers=[reader]).get_meter("test"))
    yield reader
    metrics.activate(None)


def run_setup(env: dict[str, str], script: str) -> dict[str, object]:
    """Build the settings from ``env`` and configure telemetry in a fresh interpreter, then
    run ``script`` there; returns the JSON it prints last."""
    code = ("import json, sys\n"
            "from shared.settings import Settings\n"
            "from shared.telemetry import setup, spans\n"
            "exporters = setup.configure(Settings.from_env().telemetry)\n" + script)
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("OTEL_", "APPLICATIONINSIGHTS_"))}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_neither_switch_configures_nothing_and_imports_no_sdk() -> None:
    answer = run_setup(BASE_ENV, "print(json.dumps({'exporters': sorted(exporters), "
                       "'active': spans.active(), 'otel': sorted(m for m in sys.modules "
                       "if m.startswith(('opentelemetry', 'azure.monitor')))}))")
    assert answer == {"exporters": [], "active": False, "otel": []}


def test_otlp_switch_exports_a_span_over_http_protobuf() -> None:
    receiver = OtlpReceiver()
    try:
        answer = run_setup(
            {**BASE_ENV, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
            "with spans.delivery_span('partner', 'tenant-1', 'ref-1', 'referral.accepted', 1):\n"
            "    pass\n"
            "from opentelemetry import trace\n"
            "trace.get_tracer_provider().force_flush()\n"
            "print(json.dumps({'exporters': sorted(exporters), 'active': spans.active()}))")
        assert answer == {"exporters": [Exporter.OTLP.value], "active": True}
        [span] = receiver.spans()
        assert span.name == "deliver partner"
        assert span.attributes["partner.id"] == "tenant-1"
        assert span.attributes["referral.id"] == "ref-1"
        assert {"service.name": "referrals"}.items() <= next(
            receiver.resource_attributes()).items()
    finally:
        receiver.close()


def test_settings_refuse_a_malformed_switch() -> None:
    with pytest.raises(SettingsError, match="OTEL_EXPORTER_OTLP_ENDPOINT"):
        Settings.from_env({**BASE_ENV, "OTEL_EXPORTER_OTLP_ENDPOINT": "127.0.0.1:4318"})
    with pytest.raises(SettingsError, match="APPLICATIONINSIGHTS_CONNECTION_STRING"):
        Settings.from_env({**BASE_ENV, "APPLICATIONINSIGHTS_CONNECTION_STRING": "oops"})
    both = Settings.from_env({
        **BASE_ENV, "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
        "APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=0000;IngestionEndpoint=x"})
    assert both.telemetry.exporters == {Exporter.OTLP, Exporter.AZURE_MONITOR}


def test_off_inject_adds_nothing_and_extract_reads_nothing() -> None:
    message = {"partnerId": "p", "deliveryIds": ["d"]}
    assert context.inject(dict(message)) == message
    assert context.extract({"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}) is None
    with spans.queue_span("deliver_notification", "notifications", json.dumps(message)) as s:
        assert s is spans.NO_SPAN


def test_a_message_carries_the_producers_span_to_the_consumer(
        exported: InMemorySpanExporter) -> None:
    with spans.request_span("accept_referral", "POST", "referrals/{id}/accept", {},
                            {"id": "ref-1"}):
        message = json.dumps(context.inject({"partnerId": "p", "deliveryIds": ["d"]}))
    assert json.loads(message)["traceparent"].startswith("00-")
    with spans.queue_span("deliver_notification", "notifications", message.encode()):
        pass
    consumer, producer = exported.get_finished_spans()[1], exported.get_finished_spans()[0]
    assert producer.name == "POST /api/referrals/{id}/accept"
    assert consumer.context.trace_id == producer.context.trace_id
    assert consumer.parent is not None and consumer.parent.span_id == producer.context.span_id
    assert consumer.parent.is_remote


def test_tracestate_travels_with_traceparent(exported: InMemorySpanExporter) -> None:
    parent = {"traceparent": "00-" + "a" * 32 + "-" + "b" * 16 + "-01", "tracestate": "k=v"}
    with spans.queue_span("sweep_batch", "sweep-batches", json.dumps(parent)):
        carried = context.inject({})
    assert carried["traceparent"].split("-")[1] == "a" * 32
    assert carried["tracestate"] == "k=v"


@pytest.mark.parametrize("body", [b'{"partnerId":"p","deliveryIds":["d"]}', b"not json",
                                  b'{"traceparent":"00-zz-yy-01"}', b"[1]"])
def test_a_message_without_usable_context_starts_a_new_trace(
        exported: InMemorySpanExporter, body: bytes) -> None:
    with spans.queue_span("deliver_notification", "notifications", body):
        pass
    [span] = exported.get_finished_spans()
    assert span.parent is None


def test_a_failed_span_names_the_exception_type_and_not_its_message(
        exported: InMemorySpanExporter) -> None:
    with pytest.raises(ValueError), \
            spans.queue_span("sweep_batch", "sweep-batches", b"{}"):
        raise ValueError("jane.doe@example.com is not valid")
    [span] = exported.get_finished_spans()
    assert span.attributes is not None and span.attributes["error.type"] == "ValueError"
    assert not span.events and "jane" not in str(span.to_json())
    assert span.status.status_code.name == "ERROR"


def test_a_span_is_current_inside_its_block_only_and_a_5xx_marks_it_failed(
        exported: InMemorySpanExporter) -> None:
    from opentelemetry.trace import StatusCode, get_current_span

    before = get_current_span()
    with spans.request_span("get_referral", "GET", "referrals/{id}", {}, {}) as outer:
        with spans.delivery_span("partner", "p1", None, "referral.accepted", 1) as inner:
            assert get_current_span() is inner
        assert get_current_span() is outer
        spans.respond_status(outer, 503)
    assert get_current_span() is before
    inner_done, outer_done = exported.get_finished_spans()
    assert inner_done.parent is not None
    assert inner_done.parent.span_id == outer_done.context.span_id
    assert outer_done.status.status_code is StatusCode.ERROR
    assert outer_done.attributes is not None and outer_done.attributes["error.type"] == "503"
    assert inner_done.status.status_code is StatusCode.UNSET


def test_every_span_started_is_ended_even_when_its_manager_is_never_entered() -> None:
    from opentelemetry.sdk.trace import SpanProcessor

    class Starts(SpanProcessor):
        started = ended = 0

        def on_start(self, span: object, parent_context: object = None) -> None:
            Starts.started += 1

        def on_end(self, span: object) -> None:
            Starts.ended += 1

    provider = TracerProvider()
    provider.add_span_processor(Starts())
    spans.activate(provider.get_tracer("test"))
    try:
        spans.request_span("get_referral", "GET", "referrals/{id}", {}, {})  # never entered
        with pytest.raises(ValueError), spans.queue_span("f", "q", b"{}"):
            raise ValueError("inside")
    finally:
        spans.activate(None)
    assert (Starts.started, Starts.ended) == (1, 1)


def test_events_count_received_answered_by_outcome_and_expired(
        counted: InMemoryMetricReader) -> None:
    metrics.record_events(["referral.received", "referral.accepted", "referral.updated",
                           "referral.declined", "referral.accepted", "referral.expired"])
    metrics.record_delivery("partner", "delivered")
    metrics.record_sync("failed")
    metrics.record_reconnect_required()
    data = counted.get_metrics_data()
    assert data is not None
    points = {(m.name, tuple(sorted(p.attributes.items()))): p.value
              for rm in data.resource_metrics for sm in rm.scope_metrics
              for m in sm.metrics for p in m.data.data_points}
    assert points == {
        ("referrals.received", ()): 1,
        ("referrals.answered", (("outcome", "accepted"),)): 2,
        ("referrals.answered", (("outcome", "declined"),)): 1,
        ("referrals.expired", ()): 1,
        ("referrals.deliveries", (("destination", "partner"), ("result", "delivered"))): 1,
        ("partner_center.sync", (("result", "failed"),)): 1,
        ("partner_center.connection.reconnect_required", ()): 1,
    }



def test_queue_messages_carry_trace_context_and_read_with_or_without_it(
        exported: InMemorySpanExporter) -> None:
    batch = SweepBatch(SweepKind.EXPIRE, (DueEntry("p1", "r1", "20250101"),))
    with spans.queue_span("sweep_batch", "sweep-batches", b"{}"):
        notification, sweep = encode_batch("p1", ["d1", "d2"]), encode_sweep(batch)
    assert json.loads(notification)["traceparent"] == json.loads(sweep)["traceparent"]
    assert decode_message(notification) == ("p1", ["d1", "d2"], 1)
    assert decode_batch(sweep) == batch
    # Messages written before telemetry (or with it off) read as before.
    assert decode_message('{"partnerId":"p1","deliveryId":"d1","attempt":2}') == ("p1", ["d1"], 2)
    assert decode_batch('{"kind":"expire","groups":[["p1",[["r1","20250101"]]]]}') == batch


def test_off_queue_messages_are_unchanged() -> None:
    assert encode_batch("p1", ["d1"]) == '{"partnerId":"p1","deliveryIds":["d1"]}'
