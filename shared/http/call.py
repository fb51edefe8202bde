"""A route and a call to it.

``Route``: each HTTP route's facts, written once: the Functions registration and the OpenAPI
document are both built from these rows, so neither can drift from the other. ``Call``: one
request to one route, with the helpers its action reads the request with (caller, If-Match,
the JSON body). They refer to each other, so they live together."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared import bootstrap
from shared.auth.principals import Caller, Role
from shared.bootstrap import Runtime
from shared.domain.access import Viewer
from shared.domain.history import Actor
from shared.domain.models import ALLOW_LOOPBACK_HTTP
from shared.http.bodies import referral_view
from shared.http.errors import (
    InvalidRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
    from_validation,
)
from shared.http.responses import json_response
from shared.services.context import Context
from shared.services.referrals import Precondition
from shared.settings import AuthMode, Settings
from shared.storage.ports import Stored

MAX_BODY = 64 * 1024
JSON_TYPES = ("application/json", "text/json")
MERGE_PATCH = "application/merge-patch+json"  # PATCH bodies are JSON merge patches
M = TypeVar("M", bound=BaseModel)
_ETAG = re.compile(r'\s*((?:W/)?"[^"]*")\s*(?:,|$)')

Action = Callable[["Call"], func.HttpResponse]
Method = Literal["GET", "PUT", "POST", "PATCH", "DELETE"]
IfMatch = Literal["none", "optional", "required"]


@dataclass(frozen=True)
class Route:
    name: str  # the function's name; in camelCase, the OpenAPI operationId
    method: Method
    path: str  # the Functions route template (under the "api" prefix)
    summary: str
    tag: str
    action: Action
    roles: frozenset[Role] | None = None  # None: anonymous
    body: type[BaseModel] | None = None
    body_required: bool = True
    response: type[BaseModel] | None = None  # the JSON success body, if any
    status: int = 200
    response_headers: tuple[str, ...] = ()  # documented: "ETag", "Location"
    if_match: IfMatch = "none"
    query: tuple[dict[str, Any], ...] = ()  # OpenAPI parameter objects
    description: str | None = None
    extra_responses: dict[str, Any] = field(default_factory=dict)
    content: dict[str, Any] | None = None  # non-JSON success content (the dashboard's files)


@dataclass
class Call:
    """One request to one route, with the helpers its action uses to read it."""

    req: func.HttpRequest
    route: Route
    _runtime: Runtime | None = None
    caller: Caller | None = field(default=None, init=False)

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = bootstrap.runtime()
        return self._runtime

    @property
    def settings(self) -> Settings:
        return self._runtime.settings if self._runtime else bootstrap.settings()

    @property
    def ctx(self) -> Context:
        return self.runtime.ctx

    @property
    def tenant(self) -> str:
        assert self.caller is not None, "anonymous routes have no tenant"
        return self.caller.tenant_id

    @property
    def viewer(self) -> Viewer:
        """Who is acting, and what of the organisation's referrals it may see."""
        assert self.caller is not None, "anonymous routes have no viewer"
        c = self.caller
        actor = Actor(id=c.user_id, name=c.name)  # every principal has an object id
        return Viewer(actor, restricted=c.restricted, email=c.email)

    def route_param(self, name: str) -> str:
        return str(self.req.route_params.get(name, ""))

    @property
    def referral_id(self) -> str:
        return self.route_param("id")

    def today(self) -> date:
        return self.ctx.clock().date()

    @property
    def precondition(self) -> Precondition | None:
        """If-Match as RFC 9110 reads it: ``*`` or a list of entity tags."""
        raw = (self.req.headers.get("If-Match") or "").strip()
        if not raw:
            return None
        if raw == "*":
            return Precondition(any_version=True)
        tags = _ETAG.findall(raw)
        # An unquoted value is taken as one opaque tag rather than refused: it simply
        # matches nothing unless it is the stored tag verbatim.
        return Precondition(etags=frozenset(tags or [raw]))

    def none_match(self, etag: str) -> bool:
        """Whether If-None-Match names ``etag`` (or is ``*``)."""
        raw = (self.req.headers.get("If-None-Match") or "").strip()
        return bool(raw) and (raw == "*" or etag in (_ETAG.findall(raw) or [raw]))

    def body(self, model: type[M], *, optional: bool = False) -> M:
        raw = self.req.get_body() or b""
        if len(raw) > MAX_BODY:
            raise PayloadTooLarge(f"The body is larger than {MAX_BODY // 1024} KiB.")
        if not raw.strip():
            if optional:
                return model.model_validate({})
            raise InvalidRequest("A JSON body is required.")
        ctype = (self.req.headers.get("Content-Type") or "application/json").split(";")[0]
        accepted = (*JSON_TYPES, MERGE_PATCH) if self.route.method == "PATCH" else JSON_TYPES
        if ctype.strip().lower() not in accepted:
            raise UnsupportedMediaType(f"Content-Type {ctype!r} is not application/json.")
        try:
            return model.model_validate_json(raw, context=self.validation_context())
        except ValidationError as exc:
            raise from_validation(exc) from None

    def validation_context(self) -> dict[str, Any]:
        """What body validators may need to know about this deployment and moment."""
        return {"today": self.today(),
                ALLOW_LOOPBACK_HTTP: self.settings.auth_mode is AuthMode.LOCAL}

    def referral_response(self, stored: Stored, status: int = 200,
                 headers: dict[str, str] | None = None) -> func.HttpResponse:
        body = referral_view(stored, self.ctx.clock(), self.settings.contact_alert_window)
        return json_response(status, body, {"ETag": stored.etag, **(headers or {})})
