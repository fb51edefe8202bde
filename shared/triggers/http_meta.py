"""Anonymous routes: health and the API description."""

from __future__ import annotations

import azure.functions as func

from .http_support import json_response
from .openapi import document
from .views import Health, dump

bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.route(route="health", methods=["GET"])
def health(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(200, dump(Health(status="ok")))


@bp.route(route="openapi.json", methods=["GET"])
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return json_response(200, document())
