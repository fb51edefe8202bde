"""The control API under ``/_sim/``: what tests, the benchmark and a demo use to make
things happen "in Partner Center" and to look at what a client did. Not a Partner Center
API; no token needed (the simulation listens on 127.0.0.1 only)."""

from __future__ import annotations

from typing import Any

from .faults import Fault
from .http_base import HttpError, Request, Response, Router, json_response
from .json_patch import PatchError
from .leads import KINDS
from .simulator import FORGERIES, Simulator

T = "/_sim/tenants/{tenant}"


def _body(request: Request) -> dict[str, Any]:
    data = request.json() if request.body else {}
    if not isinstance(data, dict):
        raise HttpError(400, "InvalidBody", "a JSON object is expected")
    return data


def info(sim: Simulator) -> dict[str, Any]:
    url = sim.config.url
    return {"url": url, "authority": url, "apiUrl": f"{url}/v1.0/engagements",
            "webhookApiUrl": f"{url}/webhooks/v1", "caPemPath": str(sim.ca_pem_path),
            "certUrlPrefix": sim.cert_url_prefix, "certUrl": sim.cert_url,
            "clientId": sim.config.client_id, "clientSecret": sim.config.client_secret,
            "forgeries": list(FORGERIES), "kinds": list(KINDS)}


def _seed(sim: Simulator, request: Request) -> Response:
    body = _body(request)
    count, seed = int(body.get("count", 10)), int(body.get("seed", 5))
    ids = sim.seed(request.params["tenant"], count, seed, body.get("mix"),
                   float(body.get("days", 12)))
    return json_response({"created": len(ids), "ids": ids}, 201)


def _create(sim: Simulator, request: Request) -> Response:
    body = _body(request)
    kind = body.get("kind", "lead")
    if kind not in KINDS:
        raise HttpError(400, "InvalidKind", f"kind is one of {', '.join(KINDS)}")
    referral = sim.create(request.params["tenant"], kind, body.get("referral"),
                          emit=body.get("emit", True))
    return json_response(referral, 201)


def _read(sim: Simulator, request: Request) -> Response:
    referral = sim.store.get(request.params["tenant"], request.params["id"])
    if referral is None:
        raise HttpError(404, "NotFound", "no referral with this id")
    return json_response(referral)


def _change(sim: Simulator, request: Request) -> Response:
    change = request.json()
    emit = request.query.get("emit", "true") != "false"
    try:
        referral = sim.change(request.params["tenant"], request.params["id"], change, emit)
    except PatchError as exc:
        raise HttpError(400, exc.code, str(exc)) from None
    except ValueError as exc:
        raise HttpError(400, "InvalidChange", str(exc)) from None
    if referral is None:
        raise HttpError(404, "NotFound", "no referral with this id")
    return json_response(referral)


def _event(sim: Simulator, request: Request) -> Response:
    """(Re)send an event for a referral as it is now: duplicates, stale order, forgeries."""
    body = _body(request)
    tenant = request.params["tenant"]
    referral = sim.store.get(tenant, request.params["id"])
    if referral is None:
        raise HttpError(404, "NotFound", "no referral with this id")
    try:
        delivery = sim.emit(tenant, body.get("eventName", "referral-updated"), referral,
                            forgery=body.get("forgery"))
    except ValueError as exc:
        raise HttpError(400, "InvalidForgery", str(exc)) from None
    if delivery is None:
        raise HttpError(409, "NotRegistered", "no registration for this event")
    return json_response({"event": delivery.event, "headers": delivery.headers}, 202)


def _fault(sim: Simulator, request: Request) -> Response:
    try:
        sim.traffic.add_fault(Fault.from_json(_body(request)))
    except (ValueError, TypeError) as exc:
        raise HttpError(400, "InvalidFault", str(exc)) from None
    return json_response({"pendingFaults": len(sim.traffic.faults)}, 201)


def _config(sim: Simulator, request: Request) -> Response:
    body = _body(request)
    if "paging" in body:
        if body["paging"] not in ("skiptoken", "skip"):
            raise HttpError(400, "InvalidConfig", "paging is skiptoken or skip")
        sim.config.paging = body["paging"]
    if "echoApiUpdates" in body:
        sim.config.echo_api_updates = bool(body["echoApiUpdates"])
    if "maxRps" in body:
        sim.traffic.max_rps = None if body["maxRps"] is None else float(body["maxRps"])
    if "retryDelay" in body:
        sim.webhooks.retry_delay = float(body["retryDelay"])
    if "accessTokenLifetime" in body:
        sim.identity.access_lifetime = int(body["accessTokenLifetime"])
    if "rejectReusedRefreshTokens" in body:
        sim.identity.reject_reused_refresh_tokens = bool(body["rejectReusedRefreshTokens"])
    return json_response({"paging": sim.config.paging, "maxRps": sim.traffic.max_rps,
                          "echoApiUpdates": sim.config.echo_api_updates,
                          "retryDelay": sim.webhooks.retry_delay,
                          "accessTokenLifetime": sim.identity.access_lifetime,
                          "rejectReusedRefreshTokens":
                              sim.identity.reject_reused_refresh_tokens})


def _revoke(sim: Simulator, request: Request) -> Response:
    body = _body(request)
    revoked = sim.identity.revoke(tenant=request.params["tenant"],
                                  refresh_token=body.get("refreshToken"))
    return json_response({"revoked": revoked})


def _counters(sim: Simulator, request: Request) -> Response:
    if request.method == "DELETE":
        sim.traffic.reset_counts()
        return Response(204)
    snapshot = sim.traffic.snapshot()
    snapshot["staleRefreshTokenUses"] = sim.identity.stale_refresh_uses
    return json_response(snapshot)


def add_routes(router: Router, sim: Simulator) -> None:
    def route(method: str, path: str, fn: Any) -> None:
        router.add(method, path, lambda r: fn(sim, r))

    route("GET", "/_sim/info", lambda s, r: json_response(info(s)))
    route("POST", "/_sim/reset", lambda s, r: (s.reset(), Response(204))[1])
    route("POST", "/_sim/config", _config)
    route("POST", "/_sim/faults", _fault)
    route("GET", "/_sim/counters", _counters)
    route("DELETE", "/_sim/counters", _counters)
    route("POST", T + "/seed", _seed)
    route("POST", T + "/referrals", _create)
    route("GET", T + "/referrals/{id}", _read)
    route("PATCH", T + "/referrals/{id}", _change)
    route("POST", T + "/referrals/{id}/events", _event)
    route("POST", T + "/revoke", _revoke)
    route("POST", T + "/expire-access-tokens", lambda s, r: json_response(
        {"expired": s.identity.expire_access_tokens(r.params["tenant"])}))
    route("GET", T + "/deliveries", lambda s, r: json_response(
        {"value": s.webhooks.log(r.params["tenant"])}))
    route("GET", T + "/registration", lambda s, r: json_response(
        s.webhooks.registration(r.params["tenant"])))
