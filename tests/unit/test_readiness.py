"""GET /api/health: liveness touches nothing; ?ready=1 probes storage and reveals only
ok / unavailable."""

from __future__ import annotations

import json

import azure.functions as func
from azure.core.exceptions import ServiceRequestError

from shared.bootstrap import Runtime, build_runtime
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp

BASE = "http://127.0.0.1:7071/api/health"


def _health(runtime: Runtime, **params: str) -> tuple[func.HttpResponse, dict]:
    req = func.HttpRequest("GET", BASE, params=params, body=b"")
    resp = call_route("health", req, runtime)
    return resp, json.loads(resp.get_body())


def _failing() -> None:
    raise ServiceRequestError("connection refused to mystorage.table.core.windows.net")


def test_liveness_never_calls_the_probe() -> None:
    runtime = build_runtime(MemoryApp().ctx, probe=_failing)
    resp, body = _health(runtime)
    assert resp.status_code == 200 and body == {"status": "ok"}
    resp, body = _health(runtime, ready="0")
    assert resp.status_code == 200 and body == {"status": "ok"}


def test_ready_when_the_probe_passes() -> None:
    calls = []
    runtime = build_runtime(MemoryApp().ctx, probe=lambda: calls.append(1))
    for value in ("1", "true"):
        resp, body = _health(runtime, ready=value)
        assert resp.status_code == 200 and body == {"status": "ok"}
    assert len(calls) == 2


def test_unreachable_storage_is_503_revealing_nothing() -> None:
    resp, body = _health(build_runtime(MemoryApp().ctx, probe=_failing), ready="1")
    assert resp.status_code == 503 and body == {"status": "unavailable"}
    assert resp.headers["Retry-After"] and "mystorage" not in resp.get_body().decode()


def test_bad_ready_values_and_unknown_parameters_are_400() -> None:
    runtime = build_runtime(MemoryApp().ctx)
    resp, body = _health(runtime, ready="yes")
    assert resp.status_code == 400 and body["error"]["target"] == "ready"
    resp, body = _health(runtime, verbose="1")
    assert resp.status_code == 400 and body["error"]["target"] == "verbose"


def test_the_parameter_and_the_503_are_documented() -> None:
    from shared.route_table import document

    op = document()["paths"]["/health"]["get"]
    assert [p["name"] for p in op["parameters"]] == ["ready"]
    assert op["parameters"][0]["description"]
    assert {"200", "400", "503"} <= set(op["responses"])
