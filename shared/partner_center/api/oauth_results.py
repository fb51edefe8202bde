"""Reading what MSAL returns from the token endpoint (a dict with ``access_token`` or an
``error``) into ``Tokens`` or a named error. The OAuth error codes are those of the Microsoft
identity platform's token endpoint ("Microsoft identity platform and OAuth 2.0 authorization
code flow: error codes for token endpoint errors")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .errors import ReconnectRequired, TokenRefused, TokenServiceUnavailable


@dataclass(frozen=True)
class Tokens:
    """What the token endpoint gave. ``refresh_token`` is the one to keep: on a refresh it
    is the rotated token when ``rotated`` (store it, replacing the old one), else the one
    that was used. ``tenant_id``/``user_id``/``user_name`` come from the ID token when
    there is one (the redemption), unverified: MSAL got them over TLS from the authority."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    rotated: bool = False
    tenant_id: str | None = None
    user_id: str | None = None
    user_name: str | None = None


# Refusals of a refresh token that only a new sign-in cures.
RECONNECT_CODES = frozenset({"invalid_grant", "interaction_required", "consent_required"})
# Answers that say "not now" rather than "no".
RETRY_CODES = frozenset({"temporarily_unavailable", "server_error"})
_DEFAULT_LIFETIME = timedelta(minutes=60)


def tokens_from(result: dict[str, Any], *, used_refresh_token: str | None,
                now: datetime) -> Tokens:
    """``Tokens`` from MSAL's result, or the named error. ``used_refresh_token`` is the
    token a refresh sent (None for a code redemption): a refusal of it means reconnect."""
    error = result.get("error")
    if error or "access_token" not in result:
        raise _error(str(error or "invalid_response"), used_refresh_token is not None)
    new_refresh = result.get("refresh_token")
    rotated = bool(new_refresh) and new_refresh != used_refresh_token
    claims = result.get("id_token_claims") or {}
    return Tokens(
        access_token=str(result["access_token"]),
        refresh_token=str(new_refresh) if new_refresh else used_refresh_token,
        expires_at=now + _lifetime(result.get("expires_in")),
        rotated=rotated and used_refresh_token is not None,
        tenant_id=_text(claims.get("tid")), user_id=_text(claims.get("oid")),
        user_name=_text(claims.get("name") or claims.get("preferred_username")),
    )


def _error(code: str, refreshing: bool) -> Exception:
    if code in RETRY_CODES:
        return TokenServiceUnavailable(code)
    if refreshing and code in RECONNECT_CODES:
        return ReconnectRequired(code)
    return TokenRefused(code)


def _lifetime(expires_in: object) -> timedelta:
    try:
        seconds = int(str(expires_in))
    except ValueError:
        return _DEFAULT_LIFETIME
    return timedelta(seconds=max(seconds, 0))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
