"""The OpenAPI 3.1 document, built from the route tables and the same pydantic models the
routes validate requests with and build responses from, so it cannot drift from either."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.alias_generators import to_camel

from . import http_meta, http_profile, http_referrals, http_ui
from .routing import Route
from .views import ErrorEnvelope

ROUTES: list[Route] = [
    *http_meta.ROUTES, *http_profile.ROUTES, *http_referrals.ROUTES, *http_ui.ROUTES,
]


def _schema(model: type[BaseModel], defs: dict[str, Any],
            mode: Literal["validation", "serialization"] = "validation") -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}",
                                     mode=mode)
    defs.update(schema.pop("$defs", {}))
    defs[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _success(route: Route, schemas: dict[str, Any]) -> dict[str, Any]:
    if route.content is not None:
        return {"description": route.summary, "content": route.content}
    schema = _schema(route.response, schemas, "serialization") if route.response \
        else {"type": "object"}
    return {"description": route.summary, "content": {"application/json": {"schema": schema}}}


def _parameters(route: Route) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", route.path)]
    params += route.query
    if route.if_match != "none":
        params.append({"name": "If-Match", "in": "header",
                       "required": route.if_match == "required", "schema": {"type": "string"}})
    return params


def _operation(route: Route, schemas: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": to_camel(route.name), "summary": route.summary, "tags": [route.tag],
        "responses": {str(route.status): _success(route, schemas), **route.extra_responses,
                      "default": {"description": "Error", "content": {"application/json": {
                          "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}},
    }
    if route.roles is None:
        op["security"] = []
    else:
        op["x-roles"] = sorted(r.value for r in route.roles)
    if route.body is not None:
        op["requestBody"] = {"required": route.body_required, "content": {
            "application/json": {"schema": _schema(route.body, schemas)}}}
    params = _parameters(route)
    if params:
        op["parameters"] = params
    return op


@cache
def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    _schema(ErrorEnvelope, schemas, "serialization")
    paths: dict[str, Any] = {}
    for route in ROUTES:
        paths.setdefault("/" + route.path, {})[route.method.lower()] = _operation(route, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Referrals API", "version": "1.0.0",
                 "description": "Referral (lead) management for Microsoft partners."},
        "servers": [{"url": "/api"}],
        "security": [{"easyAuthPrincipal": []}, {"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "easyAuthPrincipal": {"type": "apiKey", "in": "header",
                                      "name": "X-MS-CLIENT-PRINCIPAL"},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }
