"""The OpenAPI 3.1 document, generated from the same pydantic models the routes validate with."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from shared.domain.commands import (
    AcceptRequest,
    DeclineRequest,
    EditRequest,
    IntakeRequest,
    LoseRequest,
    WinRequest,
)
from shared.domain.models import Profile, ProfileInput, TeamMember

from .views import ErrorEnvelope, Health, Insights, ReferralOut, ReferralPage

ADMIN, INTAKE, NONE = "admin", "intake", "none"

# (method, path, operationId, role, request model, success status, response schema name)
REF = "ReferralOut"
STATIC = "static"  # the dashboard's files: not JSON, revalidated with ETags
_STATIC_TYPES = ("text/html", "text/javascript", "text/css", "image/svg+xml")
ROUTES: list[tuple[str, str, str, str, type[BaseModel] | None, int, str | None]] = [
    ("get", "/health", "health", NONE, None, 200, "Health"),
    ("get", "/openapi.json", "openapi", NONE, None, 200, None),
    ("put", "/profile", "putProfile", ADMIN, ProfileInput, 200, "Profile"),
    ("get", "/profile", "getProfile", ADMIN, None, 200, "Profile"),
    ("post", "/referrals", "createReferral", INTAKE, IntakeRequest, 201, REF),
    ("get", "/referrals", "listReferrals", ADMIN, None, 200, "ReferralPage"),
    ("get", "/referrals/{id}", "getReferral", ADMIN, None, 200, REF),
    ("patch", "/referrals/{id}", "editReferral", ADMIN, EditRequest, 200, REF),
    ("post", "/referrals/{id}/accept", "acceptReferral", ADMIN, AcceptRequest, 200, REF),
    ("post", "/referrals/{id}/decline", "declineReferral", ADMIN, DeclineRequest, 200, REF),
    ("post", "/referrals/{id}/team", "addTeamMember", ADMIN, TeamMember, 200, REF),
    ("post", "/referrals/{id}/win", "winReferral", ADMIN, WinRequest, 200, REF),
    ("post", "/referrals/{id}/lose", "loseReferral", ADMIN, LoseRequest, 200, REF),
    ("put", "/referrals/{id}/favorite", "favoriteReferral", ADMIN, None, 200, REF),
    ("delete", "/referrals/{id}/favorite", "unfavoriteReferral", ADMIN, None, 200, REF),
    ("get", "/insights", "getInsights", ADMIN, None, 200, "Insights"),
    ("get", "/ui", "dashboard", NONE, None, 200, STATIC),
    ("get", "/ui/{file}", "dashboardAsset", NONE, None, 200, STATIC),
    ("get", "/ui/config", "dashboardConfig", NONE, None, 200, None),
]

_LIST_PARAMS: list[dict[str, Any]] = [
    {"name": "view", "in": "query", "schema": {"enum": ["marketplace", "qualified", "favorites"]}},
    {"name": "stage", "in": "query", "schema": {"enum": ["received", "accepted", "archived"]}},
    {"name": "top", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
    {"name": "continuationToken", "in": "query", "schema": {"type": "string"}},
]


def _schema(model: type[BaseModel], defs: dict[str, Any],
            mode: Literal["validation", "serialization"] = "validation") -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}",
                                     mode=mode)
    defs.update(schema.pop("$defs", {}))
    defs[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


@cache
def document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for out in (ErrorEnvelope, ReferralOut, ReferralPage, Health, Insights, Profile):
        _schema(out, schemas, "serialization")
    paths: dict[str, Any] = {}
    for method, path, op_id, role, model, status, response in ROUTES:
        op: dict[str, Any] = {"operationId": op_id, "responses": {
            str(status): {"description": "Success", "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{response}"} if response
                else {"type": "object"}}}},
            "default": {"description": "Error", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}},
        }}
        if response == STATIC:
            op["responses"][str(status)] = {"description": "A dashboard file", "content": {
                t: {"schema": {"type": "string"}} for t in _STATIC_TYPES}}
            op["responses"]["304"] = {"description": "Not modified (If-None-Match)"}
        if role == NONE:
            op["security"] = []
        else:
            op["x-roles"] = ["Referrals.Admin", "Partner.Admin"] if role == ADMIN \
                else ["Referrals.Intake"]
        if model is not None:
            body_schema = _schema(model, schemas)
            op["requestBody"] = {"required": model not in (WinRequest, LoseRequest),
                                 "content": {"application/json": {"schema": body_schema}}}
        params: list[dict[str, Any]] = []
        params += [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                   for name in re.findall(r"\{(\w+)\}", path)]
        if op_id == "listReferrals":
            params += _LIST_PARAMS
        if method in ("patch", "post", "put", "delete") and "{id}" in path:
            params.append({"name": "If-Match", "in": "header", "required": method == "patch",
                           "schema": {"type": "string"}})
        if params:
            op["parameters"] = params
        paths.setdefault(path, {})[method] = op
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
