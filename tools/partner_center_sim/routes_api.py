"""The Referrals API (``/v1.0/engagements/referrals``), the webhook registration API
(``/webhooks/v1/registration``) and the published event certificate (``/cert/<name>.cer``).

Shapes from Microsoft's Partner Center docs "Get a list of referrals" (OData ``$filter``,
``$orderby``, ``$top``, ``value`` and ``@odata.nextLink``), "Get a referral by ID", "Update a
lead or opportunity" (``PATCH`` with JSON Patch, ``If-Match``, ``Prefer:
return=representation``; 204 otherwise) and "Partner Center webhooks" (registration). Every
call needs a bearer access token from the simulated identity platform; the token's tenant
picks the data. Throttling answers 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from .http_base import HttpError, Request, Response, Router, json_response
from .json_patch import PatchError, apply_patch
from .odata import QueryError, list_page, next_link
from .simulator import Simulator

REFERRALS = "/v1.0/engagements/referrals"


def _strip_etag(value: str) -> str:
    return value.strip().removeprefix("W/").strip('"')


def _admit(sim: Simulator, request: Request, endpoint: str) -> str:
    """The caller's tenant, after the token check, the injected faults and the rate limit."""
    auth = request.headers.get("authorization", "")
    tenant = sim.identity.tenant_of(auth[7:]) if auth[:7].lower() == "bearer " else None
    sim.traffic.count(endpoint, tenant)
    if tenant is None:
        raise HttpError(401, "Unauthorized", "a valid bearer access token is required",
                        **{"WWW-Authenticate": "Bearer"})
    fault = sim.traffic.take_fault(endpoint, tenant)
    if fault is not None:
        headers = {"Retry-After": str(int(fault.retry_after))} \
            if fault.retry_after is not None else {}
        raise HttpError(fault.status, {429: "TooManyRequests", 412: "PreconditionFailed"}.get(
            fault.status, "ServiceUnavailable"), "injected fault", **headers)
    if sim.traffic.over_rate(tenant):
        raise HttpError(429, "TooManyRequests", "rate limit exceeded", **{"Retry-After": "1"})
    return tenant


def _counted(sim: Simulator, endpoint: str, handler: Any) -> Any:
    def run(request: Request) -> Response:
        try:
            response: Response = handler(request, _admit(sim, request, endpoint))
        except HttpError as exc:
            response = exc.response()
        sim.traffic.record_status(endpoint, response.status)
        return response
    return run


def _list(sim: Simulator, request: Request, tenant: str) -> Response:
    try:
        with sim.store.lock:
            page = list_page(sim.store.tenant(tenant), request.query, sim.config.paging)
    except QueryError as exc:
        raise HttpError(400, "InvalidQuery", str(exc)) from None
    body: dict[str, Any] = {"value": page.value}
    if page.next_params is not None:
        body["@odata.nextLink"] = next_link(sim.config.url + REFERRALS, page.next_params)
    return json_response(body)


def _get(sim: Simulator, request: Request, tenant: str) -> Response:
    referral = sim.store.get(tenant, request.params["id"])
    if referral is None:
        raise HttpError(404, "NotFound", "no referral with this id")
    return json_response(referral, 200, ETag=referral["eTag"])


def _patch(sim: Simulator, request: Request, tenant: str) -> Response:
    if_match = request.headers.get("if-match")
    if not if_match:
        raise HttpError(428, "PreconditionRequired", "If-Match with the referral's eTag")
    operations = request.json()
    with sim.store.lock:
        current = sim.store.get(tenant, request.params["id"])
        if current is None:
            raise HttpError(404, "NotFound", "no referral with this id")
        if if_match.strip() != "*" and _strip_etag(if_match) != _strip_etag(current["eTag"]):
            raise HttpError(412, "PreconditionFailed", "the referral has changed (eTag)")
        try:
            updated = apply_patch(current, operations)
        except PatchError as exc:
            raise HttpError(400, exc.code, str(exc)) from None
        referral = sim.store.stamp(tenant, updated)
    if sim.config.echo_api_updates:
        sim.emit(tenant, "referral-updated", referral)
    if "return=representation" in request.headers.get("prefer", ""):
        return json_response(referral, 200, ETag=referral["eTag"])
    return Response(204, b"", {"ETag": referral["eTag"]})


def _registration(sim: Simulator, request: Request, tenant: str) -> Response:
    if request.method == "GET":
        found = sim.webhooks.registration(tenant)
        if found is None:
            raise HttpError(404, "NotFound", "no webhook registration")
        return json_response({k: found[k] for k in ("WebhookUrl", "WebhookEvents")})
    if request.method == "DELETE":
        if not sim.webhooks.unregister(tenant):
            raise HttpError(404, "NotFound", "no webhook registration")
        return Response(204)
    exists = sim.webhooks.registration(tenant) is not None
    if request.method == "POST" and exists:
        raise HttpError(409, "Conflict", "already registered: use PUT to update")
    if request.method == "PUT" and not exists:
        raise HttpError(404, "NotFound", "no webhook registration to update")
    try:
        return json_response(sim.webhooks.register(tenant, request.json(),
                                                   update=request.method == "PUT"))
    except ValueError as exc:
        raise HttpError(400, "InvalidRegistration", str(exc)) from None


def add_routes(router: Router, sim: Simulator) -> None:
    router.add("GET", REFERRALS, _counted(sim, "list", lambda r, t: _list(sim, r, t)))
    router.add("GET", REFERRALS + "/{id}", _counted(sim, "get", lambda r, t: _get(sim, r, t)))
    router.add("PATCH", REFERRALS + "/{id}",
               _counted(sim, "patch", lambda r, t: _patch(sim, r, t)))
    for method in ("GET", "POST", "PUT", "DELETE"):
        router.add(method, "/webhooks/v1/registration",
                   _counted(sim, f"registration.{method.lower()}",
                            lambda r, t: _registration(sim, r, t)))

    def cert(request: Request) -> Response:
        sim.traffic.count("cert", None)
        der = sim.certs.get(request.params["name"])
        if der is None:
            raise HttpError(404, "NotFound", "no such certificate")
        return Response(200, der, {"Content-Type": "application/pkix-cert"})

    router.add("GET", "/cert/{name}", cert)
    router.add("GET", "/elsewhere/cert/{name}", cert)
