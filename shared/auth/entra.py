"""AUTH_MODE=entra: the app validates Entra ID bearer tokens itself.

RS256 only, against the signing keys published at ENTRA_JWKS_URL (fetched once, cached, and
refreshed when a token names a key we do not know, at most once a minute so a flood of
made-up key ids cannot make us hammer Entra). Checks signature, exp, nbf, aud, and the
issuer of the token's own tenant, plus the optional tenant allow-list.

Both token versions are accepted, because an app registration issues v1.0 tokens unless its
manifest asks for v2 (``requestedAccessTokenVersion: 2``):
- v1.0: ``iss`` = ``https://sts.windows.net/{tid}/``, ``aud`` usually the App ID URI
  (``api://<client id>``);
- v2.0: ``iss`` = ``https://login.microsoftonline.com/{tid}/v2.0``, ``aud`` the bare client id.
ENTRA_AUDIENCE may be given in either form; both forms of it are accepted. A ``ver`` claim,
when present, must match the issuer's version.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from shared.auth.errors import KeysUnavailable, Unauthenticated
from shared.settings import Settings

ISSUERS = {  # token version -> the issuer of the token's own tenant
    "1.0": "https://sts.windows.net/{tid}/",
    "2.0": "https://login.microsoftonline.com/{tid}/v2.0",
}
APP_ID_URI_PREFIX = "api://"
LEEWAY_SECONDS = 60
# After a fetch that worked: a flood of made-up key ids cannot make us hammer Entra.
MIN_REFRESH_SECONDS = 60.0
# After one that failed: valid tokens get 503s only until Entra answers again, not a minute.
RETRY_FAILED_FETCH_SECONDS = 5.0
KEYS_UNAVAILABLE = "Signing keys are unavailable; try again later."
_INVALID = "The bearer token is not valid."


class JwksCache:
    def __init__(self, url: str, session: requests.Session | None = None) -> None:
        self.url = url
        self._session = session or requests.Session()
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._failing = False  # whether the last fetch failed
        self._lock = threading.Lock()

    def key_for(self, kid: str) -> Any:
        key = self._keys.get(kid)
        if key is not None:
            return key
        with self._lock:
            if kid not in self._keys and self._due():
                self._refresh()
            failing = self._failing
        key = self._keys.get(kid)
        if key is not None:
            return key
        # A key we do not know while Entra cannot be asked: maybe a valid token signed with
        # a key we have not fetched yet, so "retry" (503), not "unauthenticated".
        if failing:
            raise KeysUnavailable(KEYS_UNAVAILABLE)
        raise Unauthenticated(_INVALID)

    def _due(self) -> bool:
        if self._fetched_at is None:
            return True
        wait = RETRY_FAILED_FETCH_SECONDS if self._failing else MIN_REFRESH_SECONDS
        return time.monotonic() - self._fetched_at >= wait

    def _refresh(self) -> None:
        try:
            resp = self._session.get(self.url, timeout=5)
            resp.raise_for_status()
            keys = resp.json().get("keys", [])
        except (requests.RequestException, ValueError, AttributeError):
            # Keep the keys we have; a token with another key is never trusted blindly.
            self._fetched_at, self._failing = time.monotonic(), True
            return
        from jwt.algorithms import RSAAlgorithm  # lazy: only AUTH_MODE=entra pays for it

        fresh: dict[str, Any] = {}
        for jwk in keys:
            if isinstance(jwk, dict) and jwk.get("kty") == "RSA" and jwk.get("kid"):
                try:
                    fresh[str(jwk["kid"])] = RSAAlgorithm.from_jwk(jwk)
                except (ValueError, KeyError, TypeError):
                    continue
        self._keys = fresh
        self._fetched_at, self._failing = time.monotonic(), False


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("A bearer token is required.")
    return token.strip()


def audiences(configured: str) -> list[str]:
    """ENTRA_AUDIENCE in both forms: ``api://X`` and ``X``."""
    if configured.startswith(APP_ID_URI_PREFIX):
        return [configured, configured.removeprefix(APP_ID_URI_PREFIX)]
    return [configured, APP_ID_URI_PREFIX + configured]


def issuer_matches(claims: dict[str, Any], tid: str) -> bool:
    """The issuer is one of the two versions' issuers for the token's own tenant, and agrees
    with ``ver`` when the token has one."""
    issuer = claims.get("iss")
    version = next((v for v, form in ISSUERS.items() if issuer == form.format(tid=tid)), None)
    return version is not None and claims.get("ver", version) == version


def validate(token: str, settings: Settings, jwks: JwksCache) -> dict[str, Any]:
    """The token's claims, or Unauthenticated. Never says which check failed (no oracle)."""
    if not settings.entra_audience:
        raise Unauthenticated("ENTRA_AUDIENCE is not configured; refusing all tokens.")
    import jwt  # lazy: PyJWT and cryptography cost ~40 ms at cold start in the other modes

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise Unauthenticated(_INVALID) from None
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise Unauthenticated(_INVALID)
    key = jwks.key_for(header["kid"])
    try:
        claims: dict[str, Any] = jwt.decode(
            token, key, algorithms=["RS256"], audience=audiences(settings.entra_audience),
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "nbf", "iss", "aud", "tid"]},
        )
    except jwt.PyJWTError:
        raise Unauthenticated(_INVALID) from None
    tid = str(claims.get("tid", "")).lower()
    if not tid or not issuer_matches(claims, tid):
        raise Unauthenticated(_INVALID)
    if settings.entra_allowed_tenants and tid not in settings.entra_allowed_tenants:
        raise Unauthenticated(_INVALID)
    return claims
