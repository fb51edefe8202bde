"""The HTTP edge shared by every route: auth, body parsing, error mapping, responses."""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import azure.functions as func
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from pydantic import BaseModel, ValidationError

from shared import bootstrap
from shared.auth import Caller, authenticate
from shared.auth_errors import AccessDenied, KeysUnavailable, Unauthenticated
from shared.bootstrap import Runtime
from shared.domain.access import Viewer
from shared.domain.errors import DomainError
from shared.domain.history import Actor
from shared.domain.models import ALLOW_LOOPBACK_HTTP
from shared.services.context import Context
from shared.services.referrals import Precondition
from shared.settings import AuthMode, Settings
from shared.storage.ports import EntityTooLarge, Stored

from .errors import (
    HttpError,
    InvalidRequest,
    PayloadTooLarge,
    UnsupportedMediaType,
    envelope,
    error_response_parts,
    from_validation,
)
from .routing import Route
from .views import referral_view

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
JSON_TYPES = ("application/json", "text/json")
MERGE_PATCH = "application/merge-patch+json"  # PATCH bodies are JSON merge patches
M = TypeVar("M", bound=BaseModel)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
RETRY_AFTER_SECONDS = "5"
# Storage answers these when it is overloaded (503 ServerBusy), throttling, or timing out.
UNAVAILABLE_STATUSES = frozenset({429, 500, 503, 504})
_ETAG = re.compile(r'\s*((?:W/)?"[^"]*")\s*(?:,|$)')


def json_response(status: int, body: Any, headers: dict[str, str] | None = None
                  ) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={**SECURITY_HEADERS, **(headers or {})},
        mimetype="application/json",
        charset="utf-8",
    )


def error_response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None
                   ) -> func.HttpResponse:
    return json_response(status, body, {"x-ms-error-code": body["error"]["code"],
                                        **(headers or {})})


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
        actor = Actor(id=c.user_id or c.email or "unknown", name=c.name)
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


def respond(req: func.HttpRequest, route: Route, runtime: Runtime | None = None
            ) -> func.HttpResponse:
    """Authenticate, authorise, run the route's action, and map every failure to the
    contract's envelope. The one place where a bare ``except`` is allowed."""
    request_id = str(uuid.uuid4())
    call = Call(req, route, runtime)
    try:
        if route.roles is not None:
            call.caller = authenticate(req.headers, call.settings, lambda: call.runtime.jwks
                                       ).require(route.roles)
        resp = route.action(call)
    except (HttpError, DomainError, Unauthenticated, AccessDenied, EntityTooLarge) as exc:
        resp = error_response(*error_response_parts(exc))
    except ValidationError as exc:
        resp = error_response(*error_response_parts(from_validation(exc)))
    except KeysUnavailable as exc:
        log.warning("signing keys unavailable in %s %s (request %s)", req.method,
                    _path(req.url), request_id)
        resp = service_unavailable(exc.message)
    except Exception as exc:
        resp = _unexpected(req, exc, request_id)
    resp.headers["x-ms-request-id"] = request_id
    log.info("%s %s -> %s (request %s)", req.method, _path(req.url), resp.status_code,
             request_id)
    return resp


def _unexpected(req: func.HttpRequest, exc: Exception, request_id: str) -> func.HttpResponse:
    unavailable = isinstance(exc, ServiceRequestError | ServiceResponseError) or (
        isinstance(exc, HttpResponseError) and exc.status_code in UNAVAILABLE_STATUSES)
    if not unavailable:
        log.exception("unhandled error in %s %s (request %s)", req.method, _path(req.url),
                      request_id)
        return error_response(500, envelope("internalError", "An internal error occurred."))
    # Storage unreachable, throttling (503 ServerBusy) or timing out: nothing the caller
    # sent was wrong, and retrying later is the right move.
    log.warning("storage unavailable in %s %s (request %s): %s", req.method, _path(req.url),
                request_id, type(exc).__name__)
    return service_unavailable("Storage is unavailable; retry later.")


def service_unavailable(message: str) -> func.HttpResponse:
    """503: a dependency (storage, Entra's signing keys) is down; the request may be fine."""
    return error_response(503, envelope("serviceUnavailable", message),
                          {"Retry-After": RETRY_AFTER_SECONDS})


def _path(url: str) -> str:
    # Log the path only: query strings may carry tokens.
    return url.split("?", 1)[0]
