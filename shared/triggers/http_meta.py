"""Anonymous routes: health and the API description."""

from __future__ import annotations

import azure.functions as func

from .http_support import Call, json_response
from .routing import Route, register
from .views import Health, dump

bp = func.Blueprint()  # type: ignore[no-untyped-call]
TAG = "Service"


def _health(call: Call) -> func.HttpResponse:
    return json_response(200, dump(Health(status="ok")))


def _openapi(call: Call) -> func.HttpResponse:
    from .openapi import document  # built from every route table, so imported late

    return json_response(200, document())


ROUTES = [
    Route("health", "GET", "health", "Liveness check", TAG, _health, response=Health,
          description="Answers `ok` while the app runs; touches no storage."),
    Route("openapi", "GET", "openapi.json", "This API description (OpenAPI 3.1)", TAG, _openapi,
          description="This document, generated from the routes and the models they "
                      "validate requests with and build responses from."),
]
register(bp, ROUTES)
