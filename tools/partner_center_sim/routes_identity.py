"""The identity endpoints (see identity.py for the documents they follow)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from .http_base import HttpError, Request, Response, Router, json_response
from .identity import Grant, OAuthError
from .simulator import DEFAULT_TENANT, Simulator

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _tenant(name: str) -> str:
    """The tenant a path names; ``organizations``/``common`` sign the default user in."""
    if _GUID.match(name):
        return name.lower()
    if name in ("organizations", "common"):
        return DEFAULT_TENANT
    raise HttpError(400, "invalid_tenant", f"AADSTS90002: Tenant '{name}' not found.")


def openid_configuration(sim: Simulator, tenant: str) -> dict[str, Any]:
    base = f"{sim.config.url}/{tenant}"
    return {"issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                      "client_secret_basic"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "tenant_region_scope": "NA", "cloud_instance_name": "microsoftonline.com"}


def _redirect(uri: str, params: dict[str, str]) -> Response:
    joiner = "&" if urlsplit(uri).query else "?"
    return Response(302, b"", {"Location": uri + joiner + urlencode(params)})


def _authorize(sim: Simulator, request: Request) -> Response:
    tenant, q = _tenant(request.params["tenant"]), request.query
    sim.traffic.count("authorize", tenant)
    redirect = q.get("redirect_uri", "")
    if q.get("client_id") != sim.config.client_id or not redirect.startswith(("http://",
                                                                             "https://")):
        raise HttpError(400, "invalid_request", "AADSTS700016: unknown client_id or a "
                        "missing redirect_uri")
    fault = sim.traffic.take_fault("authorize", tenant)
    if fault is not None:
        return _redirect(redirect, {"error": fault.oauth_error or "access_denied",
                                    "error_description": "The user or administrator has "
                                    "not consented.", "state": q.get("state", "")})
    if q.get("response_type") != "code" or (
            q.get("code_challenge") and q.get("code_challenge_method", "plain") != "S256"):
        return _redirect(redirect, {"error": "invalid_request", "state": q.get("state", ""),
                                    "error_description": "response_type=code and S256"})
    user = sim.config.user
    code = sim.identity.issue_code(Grant(
        tenant=tenant, client_id=q["client_id"], scope=q.get("scope", ""),
        user_oid=user["oid"], user_name=user["name"], user_upn=user["upn"],
        nonce=q.get("nonce"), redirect_uri=redirect, code_challenge=q.get("code_challenge")))
    return _redirect(redirect, {"code": code, "state": q.get("state", ""),
                                "session_state": "sim-session"})


def _token(sim: Simulator, request: Request) -> Response:
    tenant = _tenant(request.params["tenant"])
    sim.traffic.count("token", tenant)
    fault = sim.traffic.take_fault("token", tenant)
    if fault is not None:
        return _fault_answer(fault.status, fault.retry_after, fault.oauth_error)
    try:
        answer = sim.identity.token(tenant, request.form(),
                                    f"{sim.config.url}/{tenant}/v2.0")
    except OAuthError as exc:
        sim.traffic.record_status("token", exc.status)
        return json_response(exc.body(), exc.status)
    sim.traffic.record_status("token", 200)
    return json_response(answer, 200, **{"Cache-Control": "no-store"})


def _fault_answer(status: int, retry_after: float | None, error: str | None) -> Response:
    headers = {"Retry-After": str(int(retry_after))} if retry_after is not None else {}
    if status < 500 and status != 429:
        body = OAuthError(error or "invalid_grant", "Injected refusal.", status, 50173).body()
        return json_response(body, status, **headers)
    return json_response({"error": "temporarily_unavailable",
                          "error_description": "Injected fault."}, status, **headers)


def add_routes(router: Router, sim: Simulator) -> None:
    router.add("GET", "/{tenant}/oauth2/v2.0/authorize", lambda r: _authorize(sim, r))
    router.add("POST", "/{tenant}/oauth2/v2.0/token", lambda r: _token(sim, r))

    def discovery(request: Request) -> Response:
        tenant = _tenant(request.params["tenant"])
        sim.traffic.count("openid", tenant)
        return json_response(openid_configuration(sim, tenant))

    def instance(request: Request) -> Response:
        endpoint = request.query.get("authorization_endpoint", "")
        tenant = urlsplit(endpoint).path.strip("/").split("/")[0] or "common"
        host = urlsplit(sim.config.url).netloc
        return json_response({
            "tenant_discovery_endpoint":
                f"{sim.config.url}/{tenant}/v2.0/.well-known/openid-configuration",
            "api-version": "1.1",
            "metadata": [{"preferred_network": host, "preferred_cache": host,
                          "aliases": [host]}]})

    router.add("GET", "/{tenant}/v2.0/.well-known/openid-configuration", discovery)
    router.add("GET", "/common/discovery/instance", instance)
    router.add("GET", "/{tenant}/discovery/v2.0/keys", lambda r: json_response({"keys": []}))
