"""The request pipeline every route runs through: authenticate, authorise, run the route's
action, and map every failure to the contract's envelope; and the registration of a route
table's rows as Functions."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence

import azure.functions as func
from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from pydantic import ValidationError

from shared.auth.errors import AccessDenied, KeysUnavailable, Unauthenticated
from shared.auth.principals import authenticate
from shared.bootstrap import Runtime
from shared.domain.errors import DomainError
from shared.http.call import Call, Route
from shared.http.errors import HttpError, envelope, error_response_parts, from_validation
from shared.http.responses import RETRY_AFTER_SECONDS, error_response, service_unavailable
from shared.storage.ports import EntityTooLarge
from shared.telemetry.spans import request_span, respond_status

log = logging.getLogger(__name__)
MARKETPLACE_LEADS = "/api/marketplace/leads/"

# Storage answers these when it is overloaded (503 ServerBusy), throttling, or timing out.
UNAVAILABLE_STATUSES = frozenset({429, 500, 503, 504})


def respond(req: func.HttpRequest, route: Route, runtime: Runtime | None = None
            ) -> func.HttpResponse:
    """Authenticate, authorise, run the route's action, and map every failure to the
    contract's envelope, in the request's span (telemetry/spans.py)."""
    with request_span(route.name, req.method, route.path, req.headers,
                      req.route_params) as span:
        call = Call(req, route, runtime)
        resp = _respond(call)
        respond_status(span, resp.status_code,
                       call.caller.tenant_id if call.caller is not None else None)
    return resp


def _respond(call: Call) -> func.HttpResponse:
    """The one place where a bare ``except`` is allowed."""
    req, route = call.req, call.route
    request_id = str(uuid.uuid4())
    try:
        if route.roles is not None:
            call.caller = authenticate(req.headers, call.settings, lambda: call.runtime.jwks
                                       ).require(route.roles)
        resp = route.action(call)
    except (HttpError, DomainError, Unauthenticated, AccessDenied, EntityTooLarge) as exc:
        status, body = error_response_parts(exc)
        # Every 503 says when to come back, whichever layer raised it.
        resp = error_response(status, body, {"Retry-After": RETRY_AFTER_SECONDS}
                              if status == 503 else None)
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


def _path(url: str) -> str:
    # Log the path only: query strings may carry tokens, and a marketplace lead URL's last
    # segment is its key (the lead's only authentication).
    path = url.split("?", 1)[0]
    head, marker, _ = path.partition(MARKETPLACE_LEADS)
    return head + marker + "***" if marker else path


def register(bp: func.Blueprint, routes: Sequence[Route]) -> None:
    for route in routes:
        bp.route(route=route.path, methods=[route.method])(_function(route))


def _function(route: Route) -> Callable[[func.HttpRequest], func.HttpResponse]:
    def function(req: func.HttpRequest) -> func.HttpResponse:
        return respond(req, route)

    # The host names the function after the Python function.
    function.__name__ = function.__qualname__ = route.name
    return function
