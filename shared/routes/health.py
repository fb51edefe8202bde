"""The anonymous health route (liveness, and readiness with ``ready=1``)."""

from __future__ import annotations

import logging

import azure.functions as func

from shared.http.bodies import Health, dump
from shared.http.call import Call, Route
from shared.http.errors import InvalidRequest
from shared.http.pipeline import register
from shared.http.responses import RETRY_AFTER_SECONDS, json_response

bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Service"  # with the OpenAPI document (shared/openapi/route.py)
log = logging.getLogger(__name__)
READY = {"1": True, "true": True, "0": False, "false": False}
READY_PARAMETER = {
    "name": "ready", "in": "query", "required": False,
    "schema": {"type": "string", "enum": sorted(READY)},
    "description": "`1` (or `true`): also check that the app reaches its storage (reads one "
                   "table entity, peeks the queue); 503 `unavailable` when it cannot.",
}


def _health(call: Call) -> func.HttpResponse:
    unknown = sorted(set(call.req.params) - {"ready", "code"})
    if unknown:
        raise InvalidRequest(f"Unknown query parameter {unknown[0]!r}.", target=unknown[0])
    raw = call.req.params.get("ready")
    if raw is not None and raw.strip().lower() not in READY:
        raise InvalidRequest("`ready` must be 1, true, 0 or false.", target="ready")
    if raw is None or not READY[raw.strip().lower()]:
        return json_response(200, dump(Health(status="ok")))
    try:
        call.runtime.probe()
    except Exception as exc:  # anything at all: the answer says only "unavailable"
        log.warning("readiness: storage unreachable (%s)", type(exc).__name__)
        return json_response(503, dump(Health(status="unavailable")),
                             {"Retry-After": RETRY_AFTER_SECONDS})
    return json_response(200, dump(Health(status="ok")))


ROUTES = [
    Route("health", "GET", "health", "Liveness and readiness check", TAG, _health,
          response=Health, query=(READY_PARAMETER,),
          extra_responses={"503": {"description": "Not ready: storage is unreachable "
                                   "(`{\"status\": \"unavailable\"}`); retry later.",
                                   "content": {"application/json": {"schema": {
                                       "$ref": "#/components/schemas/Health"}}}}},
          description="Answers `ok` while the app runs, touching no storage; with "
                      "`ready=1` it also reads one table entity and peeks the queue through "
                      "the app's identity and answers 503 `unavailable` when it cannot. "
                      "Reveals nothing else."),
]
register(bp, ROUTES)
