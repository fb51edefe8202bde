"""The Microsoft identity platform's v2 endpoints, as far as a confidential client with the
authorization-code flow needs them.

Shapes from Microsoft's "Microsoft identity platform and OAuth 2.0 authorization code flow"
(``/{tenant}/oauth2/v2.0/authorize`` answering 302 to ``redirect_uri`` with ``code`` and
``state``, or ``error`` and ``error_description``; ``/{tenant}/oauth2/v2.0/token`` with
``grant_type=authorization_code`` + ``code_verifier`` (PKCE, RFC 7636 S256) or
``grant_type=refresh_token``; a refresh answers a new refresh token; errors as
``{"error", "error_description", "error_codes", ...}``, ``invalid_grant`` for an unknown,
used, expired or revoked code or refresh token) and "OpenID Connect on the Microsoft
identity platform" (``/{tenant}/v2.0/.well-known/openid-configuration``).

Authorization is approved at once (no page): a test's browser or HTTP client follows the
302. Access tokens are opaque; the API endpoints look them up. ID tokens are unsigned
JWT-shaped strings (``alg: none``): MSAL reads their claims (``nonce``, ``tid``, ``oid``)
without checking a signature.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

CODE_LIFETIME = 600.0
API_SCOPE = "https://api.partner.microsoft.com/user_impersonation"


@dataclass
class Grant:
    """Who consented to what: carried from the code to every token it yields."""

    tenant: str
    client_id: str
    scope: str
    user_oid: str
    user_name: str
    user_upn: str
    nonce: str | None = None
    redirect_uri: str = ""
    code_challenge: str | None = None
    issued: float = field(default_factory=time.time)


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400, code: int = 0):
        super().__init__(description)
        self.error, self.description, self.status, self.code = error, description, status, code

    def body(self) -> dict[str, Any]:
        trace = str(uuid.uuid4())
        return {"error": self.error, "error_description": f"AADSTS{self.code}: {self}",
                "error_codes": [self.code], "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ"),
                "trace_id": trace, "correlation_id": trace}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


class Identity:
    """Codes, access tokens and refresh tokens of every tenant; thread-safe."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.access_lifetime = 3600
        self.reject_reused_refresh_tokens = False
        self.stale_refresh_uses = 0
        self._codes: dict[str, Grant] = {}
        self._access: dict[str, tuple[str, float]] = {}
        self._refresh: dict[str, tuple[Grant, bool]] = {}  # token -> (grant, still current)
        self._lock = threading.Lock()

    def issue_code(self, grant: Grant) -> str:
        code = "simcode_" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = grant
        return code

    def tenant_of(self, access_token: str) -> str | None:
        with self._lock:
            found = self._access.get(access_token)
        return found[0] if found and found[1] > time.time() else None

    def expire_access_tokens(self, tenant: str | None = None) -> int:
        with self._lock:
            hit = [t for t, (ten, _) in self._access.items() if tenant in (None, ten)]
            for token in hit:
                self._access[token] = (self._access[token][0], 0.0)
        return len(hit)

    def revoke(self, tenant: str | None = None, refresh_token: str | None = None) -> int:
        """Forget refresh tokens (one, or all of a tenant): their next use is invalid_grant."""
        with self._lock:
            hit = [t for t, (g, _) in self._refresh.items()
                   if t == refresh_token or (refresh_token is None and tenant == g.tenant)]
            for token in hit:
                del self._refresh[token]
        return len(hit)

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
            self._access.clear()
            self._refresh.clear()
            self.stale_refresh_uses = 0

    def _check_client(self, form: dict[str, str]) -> None:
        if form.get("client_id") != self.client_id:
            raise OAuthError("unauthorized_client", "Application not found in the directory.",
                             400, 700016)
        if form.get("client_secret") != self.client_secret:
            raise OAuthError("invalid_client", "Invalid client secret provided.", 401, 7000215)

    def token(self, tenant: str, form: dict[str, str], issuer: str) -> dict[str, Any]:
        """The token endpoint; OAuthError for every refusal."""
        self._check_client(form)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = self._redeem_code(tenant, form)
        elif grant_type == "refresh_token":
            grant = self._redeem_refresh(tenant, form.get("refresh_token", ""))
        else:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r}", 400, 70003)
        return self._tokens(grant, issuer, with_id_token=grant_type == "authorization_code")

    def _redeem_code(self, tenant: str, form: dict[str, str]) -> Grant:
        with self._lock:
            grant = self._codes.pop(form.get("code", ""), None)
        if grant is None or time.time() - grant.issued > CODE_LIFETIME or grant.tenant != tenant:
            raise OAuthError("invalid_grant", "The code is unknown, used or expired.", 400, 70008)
        if grant.redirect_uri != form.get("redirect_uri"):
            raise OAuthError("invalid_grant", "redirect_uri does not match.", 400, 50148)
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier or s256(verifier) != grant.code_challenge:
                raise OAuthError("invalid_grant", "The code_verifier does not match the "
                                 "code_challenge supplied in the authorization request.",
                                 400, 501481)
        return grant

    def _redeem_refresh(self, tenant: str, token: str) -> Grant:
        with self._lock:
            found = self._refresh.get(token)
            if found is not None and not found[1]:
                self.stale_refresh_uses += 1
                if self.reject_reused_refresh_tokens:
                    found = None
        if found is None or found[0].tenant != tenant:
            raise OAuthError("invalid_grant", "The refresh token has been revoked or is "
                             "unknown.", 400, 50173)
        with self._lock:
            self._refresh[token] = (found[0], False)  # rotated: the new one is current
        return found[0]

    def _tokens(self, grant: Grant, issuer: str, with_id_token: bool) -> dict[str, Any]:
        access = "simat_" + secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = (grant.tenant, time.time() + self.access_lifetime)
        answer: dict[str, Any] = {
            "token_type": "Bearer", "scope": grant.scope, "expires_in": self.access_lifetime,
            "ext_expires_in": self.access_lifetime, "access_token": access,
            "client_info": _b64(json.dumps({"uid": grant.user_oid,
                                            "utid": grant.tenant}).encode())}
        if "offline_access" in grant.scope.split():
            refresh = "simrt_" + secrets.token_urlsafe(32)
            with self._lock:
                self._refresh[refresh] = (grant, True)
            answer["refresh_token"] = refresh
        if with_id_token and "openid" in grant.scope.split():
            answer["id_token"] = self._id_token(grant, issuer)
        return answer

    def _id_token(self, grant: Grant, issuer: str) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "aud": grant.client_id, "sub": grant.user_oid,
                  "oid": grant.user_oid, "tid": grant.tenant, "name": grant.user_name,
                  "preferred_username": grant.user_upn, "iat": now, "nbf": now,
                  "exp": now + 3600, "ver": "2.0"}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{header}.{_b64(json.dumps(claims).encode())}."
