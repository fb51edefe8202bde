"""Who is calling: the Easy Auth principal header (or, later, an Entra ID bearer token).

The partner organisation is the caller's tenant id; roles are Entra ID app roles.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from shared.auth.entra import JwksCache, bearer_token, validate
from shared.auth.errors import AccessDenied, Unauthenticated
from shared.domain.models import TENANT_PATTERN
from shared.settings import AuthMode, Settings

PRINCIPAL_HEADER = "x-ms-client-principal"
_TENANT_CLAIMS = ("http://schemas.microsoft.com/identity/claims/tenantid", "tid")
_OID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")
_MAX_HEADER = 16 * 1024
_TENANT = re.compile(TENANT_PATTERN)


class Role(StrEnum):
    REFERRALS_ADMIN = "Referrals.Admin"
    PARTNER_ADMIN = "Partner.Admin"
    INTAKE = "Referrals.Intake"
    USER = "Referrals.User"


ADMIN_ROLES = frozenset({Role.REFERRALS_ADMIN, Role.PARTNER_ADMIN})
INTAKE_ROLES = frozenset({Role.INTAKE})
# Routes a Referrals user may call too, on the referrals it owns or is on the team of.
WORKER_ROLES = ADMIN_ROLES | {Role.USER}
# The caller's address for team matching (first found wins): the sign-in name its own tenant
# issues (Entra: preferred_username, UPN), which a user cannot set. The ``email`` claim is
# mutable (Microsoft's "nOAuth" warning), so it counts only when Entra marks its domain
# verified (``xms_edov``). Team matching is never by object id alone: members are addresses.
_ADDRESS_CLAIMS = ("preferred_username", "upn",
                   "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn")
_EMAIL_CLAIMS = ("email", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress")
_VERIFIED_CLAIM = "xms_edov"
# Printable ASCII only: a look-alike (KELVIN SIGN for K) would lower() to another address.
_ASCII_ADDRESS = re.compile(r"[!-~]{1,64}@[!-~]{1,255}")


@dataclass(frozen=True)
class Caller:
    tenant_id: str
    user_id: str  # the object id: required, a principal without one is 401
    name: str | None
    roles: frozenset[str]
    email: str | None = None

    @property
    def restricted(self) -> bool:
        """A Referrals user without an admin role: sees only its own and its team's."""
        return not self.roles & {r.value for r in ADMIN_ROLES}

    def require(self, allowed: frozenset[Role]) -> Caller:
        if not self.roles & {r.value for r in allowed}:
            raise AccessDenied("The caller's roles do not allow this operation.")
        return self


def authenticate(headers: Mapping[str, str], settings: Settings,
                 jwks: Callable[[], JwksCache] | None = None) -> Caller:
    """The caller, or Unauthenticated. Fails closed whenever the mode is not safe to trust."""
    if settings.auth_mode is AuthMode.LOCAL and settings.running_in_azure:
        raise Unauthenticated("AUTH_MODE=local is refused when running in Azure.")
    if settings.auth_mode is AuthMode.EASYAUTH and not settings.easyauth_enabled:
        # Without the platform in front, anyone could forge the principal header.
        raise Unauthenticated("App Service Authentication is not enabled for this app.")
    if settings.auth_mode is AuthMode.ENTRA:
        if jwks is None:
            raise Unauthenticated("Bearer token validation is not configured.")
        claims = validate(bearer_token(_header(headers, "authorization")), settings, jwks())
        return caller_from_claims(_jwt_claims(claims))
    return parse_principal(_header(headers, PRINCIPAL_HEADER))


def parse_principal(raw: str | None) -> Caller:
    if not raw:
        raise Unauthenticated("Authentication is required.")
    data = _decode_principal(raw)
    return caller_from_claims(data["claims"], _claim_type(data.get("role_typ"), "roles"),
                              _claim_type(data.get("name_typ"), "name"))


def _decode_principal(raw: str) -> dict[str, Any]:
    """The header's JSON object. Whatever stops us reading it is the sender's problem (401),
    never ours: too long, not base64, not UTF-8, not JSON, or nested deep enough to exhaust
    the JSON parser's recursion (RecursionError is not a ValueError)."""
    unreadable = Unauthenticated("The client principal is unreadable.")
    if len(raw) > _MAX_HEADER:
        raise unreadable
    try:
        data = json.loads(base64.b64decode(raw + "=" * (-len(raw) % 4), validate=False))
    except (ValueError, RecursionError):  # binascii.Error, UnicodeDecodeError, JSON errors
        raise unreadable from None
    if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
        raise unreadable
    return data


def _claim_type(value: Any, default: str) -> str:
    # A non-string here (a list, a number) would be used as a dict key: read as absent.
    return value if isinstance(value, str) and value else default


def caller_from_claims(claims: list[Any], role_type: str = "roles",
                       name_type: str = "name") -> Caller:
    values: dict[str, list[str]] = {}
    for claim in claims:
        if isinstance(claim, dict) and isinstance(claim.get("typ"), str) \
                and isinstance(claim.get("val"), str):
            values.setdefault(claim["typ"], []).append(claim["val"])
    tenant = next((values[t][0] for t in _TENANT_CLAIMS if t in values), None)
    if not tenant or not _valid_tenant(tenant):
        raise Unauthenticated("The client principal has no valid tenant id claim.")
    oid = next((values[t][0].strip() for t in _OID_CLAIMS if t in values), "")
    if not oid:  # acting as "unknown" would share one identity among all such callers
        raise Unauthenticated("The client principal has no object id claim.")
    roles = values.get(role_type, []) + (values.get("roles", []) if role_type != "roles" else [])
    return Caller(
        tenant_id=tenant.lower(),
        user_id=oid,
        name=next(iter(values.get(name_type, [])), None),
        roles=frozenset(roles),
        email=_address(values),
    )


def _address(values: dict[str, list[str]]) -> str | None:
    """The caller's address for team matching, lower-cased, or None: none in a trusted claim,
    or one that is not plain printable ASCII (never normalised into another address)."""
    verified = values.get(_VERIFIED_CLAIM, [""])[0].strip().lower() in ("true", "1")
    claims = _ADDRESS_CLAIMS + (_EMAIL_CLAIMS if verified else ())
    found = next((values[t][0].strip() for t in claims if t in values
                  and "@" in values[t][0]), None)
    if found is None or not _ASCII_ADDRESS.fullmatch(found):
        return None
    return found.lower()


def _jwt_claims(claims: dict[str, Any]) -> list[dict[str, str]]:
    """A JWT's claims in the principal header's shape, so both modes share one extraction."""
    flat = [{"typ": typ, "val": str(claims[typ])}
            for typ in ("tid", "oid", "name", *_ADDRESS_CLAIMS, *_EMAIL_CLAIMS, _VERIFIED_CLAIM)
            if typ in claims]
    roles = claims.get("roles")
    if isinstance(roles, list):
        flat += [{"typ": "roles", "val": r} for r in roles if isinstance(r, str)]
    return flat


def _valid_tenant(tenant: str) -> bool:
    # fullmatch: with re.match, "$" also matches before a final newline ("contoso\n").
    return _TENANT.fullmatch(tenant) is not None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None
