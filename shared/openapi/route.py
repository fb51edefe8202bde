"""GET /api/openapi.json: the route that serves the document. Made for the route table that
lists it (shared/route_table.py), so the document describes every route, this one included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.functions as func

from shared.http.call import Call, Route
from shared.http.responses import json_response

TAG = "Service"


def openapi_route(document: Callable[[], dict[str, Any]]) -> Route:
    """The route, serving what ``document`` returns (the table's cached document)."""

    def _openapi(call: Call) -> func.HttpResponse:
        return json_response(200, document())

    return Route("openapi", "GET", "openapi.json", "This API description (OpenAPI 3.1)", TAG,
                 _openapi,
                 description="This document, generated from the routes and the models they "
                             "validate requests with and build responses from.")
