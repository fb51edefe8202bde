"""One settings object, read from the environment once and validated.

Nothing else in the app reads ``os.environ``. Building it does no I/O. (The OpenTelemetry SDK,
when a telemetry switch turns it on, reads its own standard ``OTEL_*`` variables by design:
see shared/telemetry/settings.py.)
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from shared.connector_settings import (
    ConnectorSettingsError,
    PartnerCenterSettings,
    parse_partner_center,
    parse_public_base_url,
    parse_retention,
)
from shared.domain.webhook_url import normalize_webhook_url
from shared.email_settings import (  # EmailMode is part of this module's interface
    EmailMode as EmailMode,
)
from shared.email_settings import EmailSettings, EmailSettingsError, parse_email
from shared.secret_settings import DEVELOPMENT_CONTINUATION_KEY, parse_secrets
from shared.telemetry.settings import TelemetrySettings, TelemetrySettingsError, parse_telemetry

# Azurite's well-known development account; `UseDevelopmentStorage=true` means this.
_DEV_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
DEVELOPMENT_STORAGE = (
    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
    f"AccountKey={_DEV_KEY};"
    "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
    "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"
    "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"
)

# Used with fullmatch (a bare "$" would also match before a final newline); [0-9], not \d,
# which takes any Unicode digit.
_DURATION = re.compile(
    r"P(?!$)(?:(?P<days>[0-9]+)D)?(?:T(?=[0-9])(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?"
    r"(?:(?P<seconds>[0-9]+(?:\.[0-9]+)?)S)?)?"
)



# Every default, written once: the dataclass fields and ``from_env`` both use these.
DEFAULT_RESPONSE_WINDOW = "P14D"
DEFAULT_CONTACT_ALERT_WINDOW = "PT72H"
DEFAULT_RESPONSE_REMINDER_BEFORE = "PT48H"
DEFAULT_NOTIFICATION_RETRY_DELAY = "PT1M"  # the back-off's base (notifications/backoff.py)
DEFAULT_ENTRA_JWKS_URL = "https://login.microsoftonline.com/common/discovery/v2.0/keys"
# Work or school accounts of any tenant: partners sign in from their own tenants.
DEFAULT_ENTRA_AUTHORITY = "https://login.microsoftonline.com/organizations"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names it."""




class AuthMode(StrEnum):
    EASYAUTH = "easyauth"
    ENTRA = "entra"
    LOCAL = "local"


def parse_duration(name: str, value: str) -> timedelta:
    """ISO-8601 durations as used by the contract (days, hours, minutes, seconds)."""
    m = _DURATION.fullmatch(value.strip())
    if not m:
        raise SettingsError(
            f"{name} must be an ISO-8601 duration such as P14D or PT72H, got {value!r}"
        )
    parts = {k: float(v) for k, v in m.groupdict().items() if v}
    duration = timedelta(**parts)
    if duration <= timedelta(0):
        raise SettingsError(f"{name} must be a positive duration, got {value!r}")
    return duration


@dataclass(frozen=True)
class StorageSettings:
    """Either a connection string (Azurite, keys) or identity-based service URIs."""

    connection_string: str | None = None
    table_service_uri: str | None = None
    queue_service_uri: str | None = None
    client_id: str | None = None


@dataclass(frozen=True)
class Settings:
    storage: StorageSettings
    response_window: timedelta = field(
        default_factory=lambda: parse_duration("", DEFAULT_RESPONSE_WINDOW))
    contact_alert_window: timedelta = field(
        default_factory=lambda: parse_duration("", DEFAULT_CONTACT_ALERT_WINDOW))
    # How long before its window closes a still-received referral gets its one reminder.
    response_reminder_before: timedelta = field(
        default_factory=lambda: parse_duration("", DEFAULT_RESPONSE_REMINDER_BEFORE))
    microsoft_notification_url: str | None = None
    customer_notification_url: str | None = None
    notification_retry_delay: timedelta = field(
        default_factory=lambda: parse_duration("", DEFAULT_NOTIFICATION_RETRY_DELAY))
    # whsec_ secret signing the webhooks to Microsoft and the customer endpoint.
    signing_secret: str | None = None
    # 32 bytes (AES-256-GCM) that seal partners' webhook secrets at rest; None: none can be made.
    webhook_secrets_key: bytes | None = None
    # HMAC key of continuation tokens: CONTINUATION_TOKEN_KEY or derived (secret_settings.py).
    continuation_token_key: bytes = DEVELOPMENT_CONTINUATION_KEY
    auth_mode: AuthMode = AuthMode.EASYAUTH
    entra_audience: str | None = None
    entra_jwks_url: str = DEFAULT_ENTRA_JWKS_URL
    entra_allowed_tenants: frozenset[str] = field(default_factory=frozenset)
    # The dashboard's own sign-in (MSAL.js) in entra mode: its app registration's client id,
    # the authority it signs in with, and the scopes it asks for (default: <audience>/.default).
    entra_client_id: str | None = None
    entra_authority: str = DEFAULT_ENTRA_AUTHORITY
    entra_scopes: tuple[str, ...] = ()
    email: EmailSettings = field(default_factory=EmailSettings)
    # (r3) The app's public origin (callback, event and marketplace URLs), Partner Center, and
    # how long archived referrals keep personal data (None: kept).
    public_base_url: str | None = None
    partner_center: PartnerCenterSettings = field(default_factory=PartnerCenterSettings)
    personal_data_retention: timedelta | None = field(
        default_factory=lambda: parse_retention(None, parse_duration))
    # (r3) Which telemetry exporters run (none: nothing is imported or exported).
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)
    # The CA file outbound HTTPS trusts (REQUESTS_CA_BUNDLE, else SSL_CERT_FILE; a private CA
    # in tests); None: the default store. Webhook delivery reads it here: it turns requests'
    # own environment reading off, so that no proxy variable can divert a checked address.
    ca_bundle: str | None = None
    # Platform facts the auth modes depend on (set by App Service / Functions in Azure).
    running_in_azure: bool = False
    easyauth_enabled: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def opt(name: str) -> str | None:
            return env.get(name, "").strip() or None

        mode = _auth_mode(opt("AUTH_MODE"))
        ms_url, customer_url = opt("MICROSOFT_NOTIFICATION_URL"), opt("CUSTOMER_NOTIFICATION_URL")
        ms_url = _notification_url("MICROSOFT_NOTIFICATION_URL", ms_url, mode)
        customer_url = _notification_url("CUSTOMER_NOTIFICATION_URL", customer_url, mode)
        secret = _whsec(opt("NOTIFICATION_SIGNING_SECRET"))
        if (ms_url or customer_url) and not secret:
            raise SettingsError(
                "NOTIFICATION_SIGNING_SECRET is required when a notification URL is set"
            )
        return cls(
            storage=_storage_from_env(env),
            response_window=parse_duration("REFERRAL_RESPONSE_WINDOW", opt(
                "REFERRAL_RESPONSE_WINDOW") or DEFAULT_RESPONSE_WINDOW),
            contact_alert_window=parse_duration("CONTACT_ALERT_WINDOW", opt(
                "CONTACT_ALERT_WINDOW") or DEFAULT_CONTACT_ALERT_WINDOW),
            response_reminder_before=parse_duration("RESPONSE_REMINDER_BEFORE", opt(
                "RESPONSE_REMINDER_BEFORE") or DEFAULT_RESPONSE_REMINDER_BEFORE),
            microsoft_notification_url=ms_url,
            notification_retry_delay=parse_duration("NOTIFICATION_RETRY_DELAY", opt(
                "NOTIFICATION_RETRY_DELAY") or DEFAULT_NOTIFICATION_RETRY_DELAY),
            customer_notification_url=customer_url,
            signing_secret=secret,
            webhook_secrets_key=_secrets_key(opt("WEBHOOK_SECRETS_KEY")),
            continuation_token_key=parse_secrets(opt, SettingsError),
            auth_mode=mode,
            entra_audience=opt("ENTRA_AUDIENCE"),
            entra_jwks_url=opt("ENTRA_JWKS_URL") or DEFAULT_ENTRA_JWKS_URL,
            entra_allowed_tenants=frozenset(t.lower() for t in _words(opt(
                "ENTRA_ALLOWED_TENANTS"))),
            entra_client_id=opt("ENTRA_CLIENT_ID"),
            entra_authority=opt("ENTRA_AUTHORITY") or DEFAULT_ENTRA_AUTHORITY,
            entra_scopes=tuple(_words(opt("ENTRA_SCOPES"))),
            email=_email(opt),
            **_connectors(opt, mode),
            telemetry=_telemetry(opt),
            ca_bundle=opt("REQUESTS_CA_BUNDLE") or opt("SSL_CERT_FILE"),
            running_in_azure=bool(opt("WEBSITE_INSTANCE_ID")),
            easyauth_enabled=(opt("WEBSITE_AUTH_ENABLED") or "").lower() == "true",
        )


def _email(opt: Callable[[str], str | None]) -> EmailSettings:
    try:
        return parse_email(opt)
    except EmailSettingsError as exc:
        raise SettingsError(str(exc)) from None


def _telemetry(opt: Callable[[str], str | None]) -> TelemetrySettings:
    try:
        return parse_telemetry(opt("APPLICATIONINSIGHTS_CONNECTION_STRING"),
                               opt("OTEL_EXPORTER_OTLP_ENDPOINT"))
    except TelemetrySettingsError as exc:
        raise SettingsError(str(exc)) from None


def _connectors(opt: Callable[[str], str | None], mode: AuthMode) -> dict[str, Any]:
    local = mode is AuthMode.LOCAL
    try:
        return {"public_base_url": parse_public_base_url(opt("PUBLIC_BASE_URL"), local),
                "partner_center": parse_partner_center(opt, parse_duration, local),
                "personal_data_retention": parse_retention(opt("PERSONAL_DATA_RETENTION"),
                                                           parse_duration)}
    except ConnectorSettingsError as exc:
        raise SettingsError(str(exc)) from None



def _auth_mode(raw: str | None) -> AuthMode:
    value = (raw or AuthMode.EASYAUTH.value).lower()
    try:
        return AuthMode(value)
    except ValueError:
        raise SettingsError(
            f"AUTH_MODE must be one of easyauth, entra, local; got {value!r}"
        ) from None


def _whsec(value: str | None) -> str | None:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of at least 24 bytes."""
    if value is None:
        return None
    key = _base64(value.removeprefix("whsec_")) if value.startswith("whsec_") else None
    if key is None or len(key) < 24:
        raise SettingsError("NOTIFICATION_SIGNING_SECRET must be whsec_ followed by the base64 "
                            "of at least 24 random bytes")
    return value


def _secrets_key(value: str | None) -> bytes | None:
    if value is None:
        return None
    key = _base64(value)
    if key is None or len(key) != 32:
        raise SettingsError("WEBHOOK_SECRETS_KEY must be the base64 of 32 random bytes")
    return key


def _base64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _notification_url(name: str, value: str | None, mode: AuthMode) -> str | None:
    """The same rules as a partner's webhookUrl: the app POSTs here from inside Azure."""
    if value is None:
        return None
    try:
        return normalize_webhook_url(value, allow_loopback_http=mode is AuthMode.LOCAL)
    except ValueError as exc:
        raise SettingsError(f"{name} {exc}, got {value!r}") from None


def _words(value: str | None) -> list[str]:
    """A list setting: items separated by commas or spaces."""
    return [w for w in re.split(r"[,\s]+", value or "") if w]


def _storage_from_env(env: Mapping[str, str]) -> StorageSettings:
    raw = env.get("AzureWebJobsStorage", "").strip()
    if raw:
        if raw.replace(" ", "").lower() == "usedevelopmentstorage=true":
            raw = DEVELOPMENT_STORAGE
        return StorageSettings(connection_string=raw)
    # Identity-based connection, as the Functions host reads it (AzureWebJobsStorage__*).
    prefix = "AzureWebJobsStorage__"
    account = env.get(prefix + "accountName", "").strip()
    table_uri = env.get(prefix + "tableServiceUri", "").strip() or (
        f"https://{account}.table.core.windows.net" if account else ""
    )
    queue_uri = env.get(prefix + "queueServiceUri", "").strip() or (
        f"https://{account}.queue.core.windows.net" if account else ""
    )
    if not (table_uri and queue_uri):
        raise SettingsError(
            "AzureWebJobsStorage is required: a connection string, UseDevelopmentStorage=true, "
            "or identity-based AzureWebJobsStorage__tableServiceUri and __queueServiceUri "
            "(or __accountName)"
        )
    return StorageSettings(
        table_service_uri=table_uri,
        queue_service_uri=queue_uri,
        client_id=env.get(prefix + "clientId", "").strip() or None,
    )
