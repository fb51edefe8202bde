"""The HTTP edge shared by every route: auth, body parsing, error mapping, responses."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared import bootstrap
from shared.auth import Caller, Role, authenticate
from shared.domain.errors import DomainError, FieldError, InvalidRequest, PayloadTooLarge
from shared.services.context import Context
from shared.storage.ports import Stored

from .errors import envelope, error_body, from_validation, status_of
from .views import referral_view

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
M = TypeVar("M", bound=BaseModel)
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None
                  ) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={**SECURITY_HEADERS, **(headers or {})},
        mimetype="application/json",
        charset="utf-8",
    )


@dataclass
class Call:
    """One authenticated request, with helpers the routes use to read it."""

    req: func.HttpRequest
    caller: Caller
    ctx: Context

    @property
    def tenant(self) -> str:
        return self.caller.tenant_id

    def route(self, name: str) -> str:
        return str(self.req.route_params.get(name, ""))

    @property
    def if_match(self) -> str | None:
        value = (self.req.headers.get("If-Match") or "").strip()
        return value or None

    def body(self, model: type[M], *, optional: bool = False) -> M:
        raw = self.req.get_body() or b""
        if len(raw) > MAX_BODY:
            raise PayloadTooLarge(f"The body is larger than {MAX_BODY // 1024} KiB.")
        if not raw.strip():
            if optional:
                return model.model_validate({})
            raise InvalidRequest("A JSON body is required.",
                                 [FieldError("required", "a JSON body is required", None)])
        ctype = (self.req.headers.get("Content-Type") or "application/json").split(";")[0]
        if ctype.strip().lower() not in ("application/json", "text/json"):
            raise InvalidRequest("The body must be application/json.",
                                 [FieldError("unsupportedMediaType",
                                             f"Content-Type {ctype!r} is not application/json",
                                             None)])
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            raise from_validation(exc) from None

    def referral(self, stored: Stored, status: int = 200,
                 headers: dict[str, str] | None = None) -> func.HttpResponse:
        cfg = self.ctx.settings
        body = referral_view(stored, self.ctx.clock(), cfg.contact_alert_window)
        return json_response(status, body, {"ETag": stored.etag, **(headers or {})})


def handle(req: func.HttpRequest, roles: frozenset[Role],
           action: Callable[[Call], func.HttpResponse]) -> func.HttpResponse:
    """Authenticate, authorise, run the route's action, and map every failure to the
    contract's envelope. The one place where a bare ``except`` is allowed."""
    try:
        settings = bootstrap.settings()
        caller = authenticate(req.headers, settings, bootstrap.jwks_cache).require(roles)
        return action(Call(req, caller, bootstrap.context()))
    except DomainError as exc:
        return json_response(status_of(exc), error_body(exc))
    except ValidationError as exc:
        err = from_validation(exc)
        return json_response(400, error_body(err))
    except Exception:
        log.exception("unhandled error in %s %s", req.method, _path(req.url))
        return json_response(500, envelope("internalError", "An internal error occurred."))


def _path(url: str) -> str:
    # Log the path only: query strings may carry tokens.
    return url.split("?", 1)[0]
