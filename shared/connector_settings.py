"""The settings of the revision 3 connectors (contract section 7, r3): the app's public origin,
the Partner Center connection, and personal-data retention. Part of the one settings object
(settings.py builds them from the same environment); kept apart so that file stays readable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

DEFAULT_PARTNER_CENTER_AUTHORITY = "https://login.microsoftonline.com"
DEFAULT_PARTNER_CENTER_API_URL = "https://api.partner.microsoft.com/v1.0/engagements"
DEFAULT_PARTNER_CENTER_WEBHOOK_API_URL = "https://api.partnercenter.microsoft.com/webhooks/v1"
DEFAULT_PARTNER_CENTER_IMPORT_WINDOW = "P90D"
DEFAULT_PARTNER_CENTER_CERT_URL_PREFIXES = "https://3psostorageacct.blob.core.windows.net/cert/"
DEFAULT_PARTNER_CENTER_MAX_RPS = 5
DEFAULT_PERSONAL_DATA_RETENTION = "P2Y"
_LOOPBACK = re.compile(r"http://(127\.[0-9.]+|\[::1\]|localhost)(:[0-9]+)?(/.*)?")

Opt = Callable[[str], str | None]
Duration = Callable[[str, str], timedelta]


@dataclass(frozen=True)
class PartnerCenterSettings:
    """How the app reaches Partner Center. ``configured`` only with a client id and secret."""

    client_id: str | None = None
    client_secret: str | None = None
    authority: str = DEFAULT_PARTNER_CENTER_AUTHORITY
    api_url: str = DEFAULT_PARTNER_CENTER_API_URL
    webhook_api_url: str = DEFAULT_PARTNER_CENTER_WEBHOOK_API_URL
    import_window: timedelta = timedelta(days=90)
    cert_url_prefixes: tuple[str, ...] = (DEFAULT_PARTNER_CENTER_CERT_URL_PREFIXES,)
    trusted_roots: str | None = None  # a PEM file: the only roots trusted for event certs
    max_rps: float = DEFAULT_PARTNER_CENTER_MAX_RPS
    # Plain http to loopback (the local simulation) is allowed only with AUTH_MODE=local.
    allow_loopback_http: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


class ConnectorSettingsError(ValueError):
    """Raised with the setting's name; settings.py re-raises it as a SettingsError."""


def parse_public_base_url(value: str | None, local: bool) -> str | None:
    if value is None:
        return None
    return _origin("PUBLIC_BASE_URL", value, local).rstrip("/")


def parse_partner_center(opt: Opt, duration: Duration, local: bool) -> PartnerCenterSettings:
    prefixes = tuple(_origin("PARTNER_CENTER_CERT_URL_PREFIXES", p, local) for p in re.split(
        r"[,\s]+", opt("PARTNER_CENTER_CERT_URL_PREFIXES")
        or DEFAULT_PARTNER_CENTER_CERT_URL_PREFIXES) if p)
    return PartnerCenterSettings(
        client_id=opt("PARTNER_CENTER_CLIENT_ID"),
        client_secret=opt("PARTNER_CENTER_CLIENT_SECRET"),
        authority=_origin("PARTNER_CENTER_AUTHORITY", opt(
            "PARTNER_CENTER_AUTHORITY") or DEFAULT_PARTNER_CENTER_AUTHORITY, local).rstrip("/"),
        api_url=_origin("PARTNER_CENTER_API_URL", opt(
            "PARTNER_CENTER_API_URL") or DEFAULT_PARTNER_CENTER_API_URL, local).rstrip("/"),
        webhook_api_url=_origin("PARTNER_CENTER_WEBHOOK_API_URL", opt(
            "PARTNER_CENTER_WEBHOOK_API_URL") or DEFAULT_PARTNER_CENTER_WEBHOOK_API_URL,
            local).rstrip("/"),
        import_window=duration("PARTNER_CENTER_IMPORT_WINDOW", opt(
            "PARTNER_CENTER_IMPORT_WINDOW") or DEFAULT_PARTNER_CENTER_IMPORT_WINDOW),
        cert_url_prefixes=prefixes,
        trusted_roots=opt("PARTNER_CENTER_TRUSTED_ROOTS"),
        max_rps=_rate(opt("PARTNER_CENTER_MAX_RPS")),
        allow_loopback_http=local,
    )


def parse_retention(value: str | None, duration: Duration) -> timedelta | None:
    """``none`` keeps personal data; otherwise an ISO-8601 duration (years allowed: P2Y)."""
    raw = (value or DEFAULT_PERSONAL_DATA_RETENTION).strip()
    if raw.lower() == "none":
        return None
    years = re.fullmatch(r"P([0-9]+)Y", raw)
    if years:  # a year is 365 days here: retention is a policy bound, not a calendar date
        return timedelta(days=365 * int(years.group(1)))
    return duration("PERSONAL_DATA_RETENTION", raw)


def _rate(value: str | None) -> float:
    if value is None:
        return DEFAULT_PARTNER_CENTER_MAX_RPS
    try:
        rate = float(value)
    except ValueError:
        rate = 0.0
    if not 0 < rate <= 1000:
        raise ConnectorSettingsError(
            f"PARTNER_CENTER_MAX_RPS must be a number of requests a second, got {value!r}")
    return rate


def _origin(name: str, url: str, local: bool) -> str:
    """The URL if it is https, or plain http to loopback with AUTH_MODE=local (the local
    simulation)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname and not parts.username:
        return url
    if local and _LOOPBACK.fullmatch(url):
        return url
    raise ConnectorSettingsError(
        f"{name} must be an https URL (plain http only to loopback with AUTH_MODE=local), "
        f"got {url!r}")
