"""The OpenAPI 3.1 document, built from the route table and the same pydantic models the
routes validate requests with and build responses from, so it cannot drift from either.

It is linted with Redocly's recommended rules and Spectral's ``spectral:oas`` in
tests/infra/test_openapi_lint.py, and a client generated from it drives the app in
tests/e2e/test_generated_client.py."""

from __future__ import annotations

import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from shared.http.bodies import ErrorEnvelope
from shared.http.call import MERGE_PATCH, Route
from shared.openapi import webhooks as openapi_webhooks

# Descriptions of the tags, path parameters and operations are required by the linters
# (tests/infra/test_openapi_lint.py), which name any that is missing.
TAGS = {
    "Service": "Liveness and this API description. Anonymous.",
    "Profile": "The partner's business profile. Referrals are refused until it exists.",
    "Referrals": "Leads: received from Microsoft's systems, accepted or declined by the "
                 "partner, then closed as won or lost. Unanswered ones expire.",
    "Insights": "Figures over the partner's referrals.",
    "Notifications": "The delivery log of the webhooks sent about the partner's referrals "
                     "(section `webhooks` describes each event).",
    openapi_webhooks.TAG: "What the service POSTs to receivers (section `webhooks`): "
                          "CloudEvents 1.0, signed as Standard Webhooks.",
    "Dashboard": "The partner's Leads page (static files) and its sign-in configuration. "
                 "Anonymous; the page's own API calls are authenticated.",
    "Partner Center": "The connection to the partner's Partner Center account: its leads "
                      "come in, its answers go back, and Partner Center's signed events "
                      "arrive here.",
    "Customer data": "A person's data held by the organisation: look it up, erase it, and "
                     "the log of erasures.",
    "Marketplace": "Where the partner's AppSource and Azure Marketplace offers send their "
                   "leads (an offer's HTTPS endpoint lead destination). The key in the URL "
                   "is the authentication.",
}
PATH_PARAMETERS = {
    "id": "The referral's id.",
    "notificationId": "The notification's (one delivery's) id, from the delivery log.",
    "file": "The name of a dashboard file, e.g. `app.js`.",
    "key": "The lead URL's key, from POST /api/profile/marketplace-endpoint.",
    "connectionId": "The Partner Center connection's id, from the registered event URL.",
}
HEADERS = {
    "ETag": {"description": "The referral's version. Send it back in `If-Match` to change "
                            "exactly this version.", "schema": {"type": "string"}},
    "Location": {"description": "The URL of the new referral.",
                 "schema": {"type": "string", "format": "uri"}},
    "Repeatability-Result": {
        "description": "With `Repeatability-Request-ID`: `accepted` (carried out, or a "
                       "retry answered with the original result), or `rejected` (the "
                       "repeatability headers were refused).",
        "schema": {"type": "string", "enum": ["accepted", "rejected"]}},
}
# Client errors that follow from a route's facts; anything else (409 for a wrong state or a
# missing profile, 5xx) is covered by "default". All use the error envelope.
ERRORS = {
    400: "The request is invalid; `details` lists every bad field.",
    401: "No caller, or the credentials are not valid.",
    403: "The caller has none of the roles the operation needs.",
    404: "Not found (or not visible to the caller's organisation).",
    412: "`If-Match` does not match the referral's current ETag.",
    413: "The body is larger than 64 KiB.",
    415: "The body is not JSON.",
    428: "`If-Match` is required.",
}
DEFAULT_ERROR = ("Any other error: 409 when the referral's state (or a missing profile) does "
                 "not allow it, 503 when storage is unavailable (retry later), 500.")
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}


def _error_name(status: int) -> str:
    return HTTPStatus(status).phrase.replace(" ", "")  # 412 -> PreconditionFailed


def _allows_null(schema: JsonSchemaValue) -> bool:
    kind = schema.get("type")
    return kind == "null" or (isinstance(kind, list) and "null" in kind) or any(
        _allows_null(s) for key in ("anyOf", "oneOf") for s in schema.get(key, ()))


class _JsonSchema(GenerateJsonSchema):
    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        # Fields that may be left out but not sent as null (EditRequest's) default to None
        # in Python only; "default": null would contradict the field's own schema.
        if "default" in json_schema and json_schema["default"] is None \
                and not _allows_null(json_schema):
            del json_schema["default"]
        return json_schema


def _schema(model: type[BaseModel], defs: dict[str, Any],
            mode: Literal["validation", "serialization"] = "validation") -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}",
                                     schema_generator=_JsonSchema, mode=mode)
    defs.update(schema.pop("$defs", {}))
    defs[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _success(route: Route, schemas: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {"description": HTTPStatus(route.status).phrase}
    if route.response_headers:
        response["headers"] = {h: {"$ref": f"#/components/headers/{h}"}
                               for h in route.response_headers}
    if route.status == 204:
        return response  # no content, hence no media type (the host's text/plain is empty)
    if route.content is not None:
        response["content"] = route.content
    else:
        schema = _schema(route.response, schemas, "serialization") if route.response \
            else {"type": "object"}
        response["content"] = {"application/json": {"schema": schema}}
    return response


def _errors(route: Route) -> dict[str, Any]:
    codes: set[int] = set()
    if route.roles is not None:
        codes |= {401, 403}
    if route.body is not None:
        codes |= {400, 413, 415}
    if route.query:
        codes.add(400)
    if "{" in route.path:
        codes.add(404)
    if route.if_match != "none":
        codes.add(412)
    if route.if_match == "required":
        codes.add(428)
    return {str(c): {"$ref": f"#/components/responses/{_error_name(c)}"} for c in sorted(codes)}


def _parameters(route: Route) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, **_described(PATH_PARAMETERS.get(name)),
         "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", route.path)]
    params += route.query
    if route.if_match != "none":
        required = route.if_match == "required"
        params.append({
            "name": "If-Match", "in": "header", "required": required,
            "description": "The referral's ETag, from its last read or change"
                           + ("." if required else "; when given, the change applies only "
                              "to that version."),
            "schema": {"type": "string"}})
    return params


def _described(description: str | None) -> dict[str, str]:
    return {"description": description} if description else {}


def _description(route: Route) -> dict[str, str]:
    if not route.description:
        return {}  # the linters report it
    roles = "Anonymous" if route.roles is None \
        else "Roles: " + " or ".join(sorted(r.value for r in route.roles))
    return {"description": f"{route.description}\n\n{roles}."}


def _operation(route: Route, schemas: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": to_camel(route.name), "summary": route.summary, **_description(route),
        "tags": [route.tag],
        "responses": {str(route.status): _success(route, schemas), **_errors(route),
                      **route.extra_responses,
                      "default": {"description": DEFAULT_ERROR, "content": ERROR_CONTENT}},
    }
    if route.roles is None:
        op["security"] = []
    else:
        op["x-roles"] = sorted(r.value for r in route.roles)
    if route.body is not None:
        # One media type: generators turn several into a union that loses `required`.
        op["requestBody"] = {"required": route.body_required, "content": {
            "application/json": {"schema": _schema(route.body, schemas)}}}
        if route.method == "PATCH":
            op["requestBody"]["description"] = f"Also accepted as `{MERGE_PATCH}`."
    params = _parameters(route)
    if params:
        op["parameters"] = params
    return op


def document(routes: Sequence[Route]) -> dict[str, Any]:
    """The document of ``routes`` (shared/route_table.py's ROUTES: every route the app has)."""
    schemas: dict[str, Any] = {}
    _schema(ErrorEnvelope, schemas, "serialization")
    paths: dict[str, Any] = {}
    for route in routes:  # operation ids are function names, which the host keeps unique
        paths.setdefault("/" + route.path, {})[route.method.lower()] = _operation(route, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Referrals API", "version": "1.0.0",
            "description": "Referral (lead) management for Microsoft partners.",
            # The repository has no licence file and is not published: all rights reserved.
            "license": {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
            "contact": {"name": "Referrals maintainers"},
        },
        "servers": [{"url": "/api"}],
        "security": [{"easyAuthPrincipal": []}, {"bearer": []}],
        "tags": [{"name": t, **_described(TAGS.get(t))} for t in dict.fromkeys(
            [*(route.tag for route in routes), openapi_webhooks.TAG])],
        "paths": paths,
        "webhooks": openapi_webhooks.webhooks(),
        "components": {
            "schemas": {**schemas, **openapi_webhooks.SCHEMAS},
            "headers": HEADERS,
            "responses": {_error_name(c): {"description": d, "content": ERROR_CONTENT}
                          for c, d in ERRORS.items()},
            "securitySchemes": {
                "easyAuthPrincipal": {
                    "type": "apiKey", "in": "header", "name": "X-MS-CLIENT-PRINCIPAL",
                    "description": "App Service Authentication's principal (base64 JSON); "
                                   "sent as-is with AUTH_MODE=local."},
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "An Entra ID access token (AUTH_MODE=entra)."},
            },
        },
    }
