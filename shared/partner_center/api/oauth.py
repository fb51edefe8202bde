"""Connecting a partner's Partner Center account: the Microsoft identity platform
authorization-code flow with PKCE (S256), code redemption and refresh, with MSAL for Python.

Shapes from Microsoft's docs "Partner Center REST API authentication: App+User" (delegated
``https://api.partner.microsoft.com/user_impersonation``), "Microsoft identity platform and
OAuth 2.0 authorization code flow" (``/oauth2/v2.0/authorize`` and ``/token``, PKCE,
``offline_access`` for a refresh token, rotated refresh tokens) and MSAL's
``ConfidentialClientApplication`` (``initiate_auth_code_flow``,
``acquire_token_by_auth_code_flow``, ``acquire_token_by_refresh_token``).

MSAL adds ``openid profile offline_access`` itself and refuses them in ``scopes``. For any
authority other than login.microsoftonline.com, instance discovery is turned off: MSAL
would otherwise ask login.microsoftonline.com about the unknown host. Tokens are never
logged: they live in fields hidden from ``repr``, and errors carry only OAuth error codes.
"""

from __future__ import annotations

import json
import re
import threading
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import msal
import requests

from shared.domain.models import TENANT_PATTERN

from .errors import TokenRefused, TokenServiceUnavailable
from .msal_http import LoopbackAsHttps
from .oauth_results import Tokens, tokens_from
from .urls import check_base_url

SCOPE = "https://api.partner.microsoft.com/user_impersonation"
CALLBACK_PATH = "/api/partner-center/callback"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
_TENANT = re.compile(TENANT_PATTERN)
# The contract's callback is a GET with the code in the query (section 9), so MSAL's advice
# to use form_post does not apply; its warning would otherwise repeat on every connect.
warnings.filterwarnings("ignore", message="response_mode='form_post' is recommended",
                        category=UserWarning)


@dataclass(frozen=True)
class OAuthConfig:
    """The settings of section 7 this needs (``PARTNER_CENTER_AUTHORITY``, ``..._CLIENT_ID``,
    ``..._CLIENT_SECRET``, ``PUBLIC_BASE_URL``; loopback http only with AUTH_MODE=local)."""

    authority: str
    client_id: str
    client_secret: str = field(repr=False)
    public_base_url: str
    allow_loopback_http: bool = False

    @property
    def redirect_uri(self) -> str:
        return self.public_base_url.rstrip("/") + CALLBACK_PATH


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the admin, and what to keep until the callback. ``flow`` (JSON-ready)
    holds the PKCE verifier and the nonce: store it server-side under ``state`` (never
    send it to the browser) and hand it back to ``redeem``."""

    url: str
    state: str
    flow: dict[str, Any] = field(repr=False)



class PartnerCenterAuth:
    """The three token operations for any partner tenant, one MSAL app per tenant."""

    def __init__(self, config: OAuthConfig, *, session: requests.Session | None = None,
                 clock: Any = None) -> None:
        self._config = config
        self._authority = check_base_url(config.authority,
                                         allow_loopback_http=config.allow_loopback_http)
        self._session = session or requests.Session()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._apps: dict[str, tuple[msal.ConfidentialClientApplication, Any]] = {}
        self._lock = threading.Lock()

    def authorization_request(self, tenant_id: str, state: str) -> AuthorizationRequest:
        """The authorize URL (PKCE S256, ``state``, a nonce) for ``tenant_id``."""
        app, wire = self._app(tenant_id)
        flow = app.initiate_auth_code_flow([SCOPE], redirect_uri=self._config.redirect_uri,
                                           state=state)
        url = wire.to_wire(flow["auth_uri"]) if wire else flow["auth_uri"]
        return AuthorizationRequest(url=url, state=flow["state"], flow=dict(flow))

    def redeem(self, tenant_id: str, flow: dict[str, Any], code: str, state: str) -> Tokens:
        """Exchange the callback's ``code`` (with the stored ``flow``'s PKCE verifier).
        TokenRefused (with the OAuth code) for a refused code, a state that does not match
        the flow, or a nonce that does not match; TokenServiceUnavailable to retry."""
        app, _ = self._app(tenant_id)
        try:
            result = app.acquire_token_by_auth_code_flow(
                dict(flow), {"code": code, "state": state}, scopes=[SCOPE])
        except json.JSONDecodeError:  # a 429 or proxy page instead of the endpoint's JSON
            raise TokenServiceUnavailable("invalid_response") from None
        except ValueError:  # MSAL: the state does not match the flow's
            raise TokenRefused("state_mismatch") from None
        except RuntimeError:  # MSAL: the ID token's nonce does not match the flow's
            raise TokenRefused("nonce_mismatch") from None
        except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
            raise TokenServiceUnavailable("temporarily_unavailable", type(exc).__name__) \
                from None
        return tokens_from(result, used_refresh_token=None, now=self._clock())

    def refresh(self, tenant_id: str, refresh_token: str) -> Tokens:
        """A new access token. ReconnectRequired when the refresh token is refused for good
        (``invalid_grant``, ``interaction_required``, ``consent_required``); TokenRefused for
        other refusals (``invalid_client``: our secret, not the partner's consent);
        TokenServiceUnavailable for network, 429 and 5xx. ``retry_after`` stays None here:
        MSAL does not pass the token endpoint's headers on, so the queue's back-off applies
        (MSAL itself replays a 429/5xx answer for its Retry-After, 60 s by default)."""
        app, _ = self._app(tenant_id)
        try:
            result = app.acquire_token_by_refresh_token(refresh_token, scopes=[SCOPE])
        except (requests.RequestException, msal.exceptions.MsalServiceError,
                json.JSONDecodeError) as exc:
            raise TokenServiceUnavailable("temporarily_unavailable", type(exc).__name__) \
                from None
        return tokens_from(result, used_refresh_token=refresh_token, now=self._clock())

    def _app(self, tenant_id: str) -> tuple[msal.ConfidentialClientApplication,
                                              LoopbackAsHttps | None]:
        if not _TENANT.fullmatch(tenant_id):
            raise TokenRefused("invalid_tenant", "not a tenant id")
        with self._lock:
            if tenant_id not in self._apps:
                self._apps[tenant_id] = self._build(tenant_id)
            return self._apps[tenant_id]

    def _build(self, tenant_id: str) -> tuple[msal.ConfidentialClientApplication,
                                                LoopbackAsHttps | None]:
        wire = None
        authority, http_client = self._authority, cast(Any, self._session)
        if authority.startswith("http://"):  # check_base_url allowed it: loopback, local mode
            wire = LoopbackAsHttps(authority, self._session)
            authority, http_client = wire.https_origin, wire
        default = urlsplit(authority).hostname == urlsplit(DEFAULT_AUTHORITY).hostname
        try:
            app = msal.ConfidentialClientApplication(
                self._config.client_id, client_credential=self._config.client_secret,
                authority=f"{authority}/{tenant_id}", http_client=http_client,
                instance_discovery=None if default else False,
                token_cache=_NoTokenCache())
        except ValueError:  # OpenID discovery answered 4xx: no such tenant
            raise TokenRefused("invalid_tenant", "the authority does not know it") from None
        except (requests.RequestException, msal.exceptions.MsalServiceError) as exc:
            raise TokenServiceUnavailable("temporarily_unavailable", type(exc).__name__) \
                from None
        return app, wire


class _NoTokenCache(msal.TokenCache):  # type: ignore[misc]
    """Refresh tokens live sealed in storage, not in a worker's memory: MSAL keeps nothing."""

    def add(self, event: Any, now: Any = None) -> None:
        return None


def expires_soon(tokens: Tokens, now: datetime, margin: timedelta = timedelta(minutes=5),
                 ) -> bool:
    """Whether an access token should be refreshed before use."""
    return tokens.expires_at - margin <= now
