"""An OTLP/http receiver in the test process: a small HTTP server on 127.0.0.1 that accepts
``/v1/traces`` and ``/v1/metrics`` (protobuf), keeps the raw bytes and decodes them with
opentelemetry-proto, as a collector would. Point the app at it with
``OTEL_EXPORTER_OTLP_ENDPOINT=<receiver.endpoint>``.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


@dataclass(frozen=True)
class ReceivedSpan:
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: int
    attributes: dict[str, Any]
    status_code: int


def _value(any_value: Any) -> Any:
    field = any_value.WhichOneof("value")
    return getattr(any_value, field) if field else None


class OtlpReceiver:
    def __init__(self) -> None:
        self.raw: list[bytes] = []  # every request body, decompressed
        self.traces: list[ExportTraceServiceRequest] = []
        self.metrics: list[ExportMetricsServiceRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                answer = receiver._take(self.path, body)
                self.send_response(200 if answer is not None else 404)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer or b"")))
                self.end_headers()
                self.wfile.write(answer or b"")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _take(self, path: str, body: bytes) -> bytes | None:
        with self._lock:
            if path == "/v1/traces":
                self.raw.append(body)
                self.traces.append(ExportTraceServiceRequest.FromString(body))
                return ExportTraceServiceResponse().SerializeToString()
            if path == "/v1/metrics":
                self.raw.append(body)
                self.metrics.append(ExportMetricsServiceRequest.FromString(body))
                return ExportMetricsServiceResponse().SerializeToString()
        return None

    def spans(self) -> list[ReceivedSpan]:
        with self._lock:
            requests = list(self.traces)
        return [ReceivedSpan(s.name, s.trace_id.hex(), s.span_id.hex(), s.parent_span_id.hex(),
                             s.kind, {a.key: _value(a.value) for a in s.attributes},
                             s.status.code)
                for req in requests for rs in req.resource_spans for ss in rs.scope_spans
                for s in ss.spans]

    def resource_attributes(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            requests = list(self.traces)
        for req in requests:
            for rs in req.resource_spans:
                yield {a.key: _value(a.value) for a in rs.resource.attributes}

    def metric_points(self, name: str) -> list[tuple[dict[str, Any], float]]:
        """Every exported data point of the counter ``name``: (attributes, value)."""
        with self._lock:
            requests = list(self.metrics)
        points = []
        for req in requests:
            for rm in req.resource_metrics:
                for sm in rm.scope_metrics:
                    for metric in sm.metrics:
                        if metric.name == name:
                            points += [({a.key: _value(a.value) for a in p.attributes},
                                        p.as_int or p.as_double) for p in metric.sum.data_points]
        return points

    def wait_for(self, found: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Poll until ``found()`` is truthy (exports are batched); its last value otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            value = found()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.1)
