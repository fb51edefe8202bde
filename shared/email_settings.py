"""How e-mail alerts leave (contract section 5, E-mail; section 7): EMAIL_MODE and the
settings each mode needs. Part of the one settings object (settings.py builds it)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_SWITCH = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}


class EmailSettingsError(ValueError):
    """Raised with the setting's name; settings.py re-raises it as a SettingsError."""

class EmailMode(StrEnum):
    SMTP = "smtp"  # any SMTP relay (locally MailDev on 127.0.0.1:1025)
    ACS = "acs"  # Azure Communication Services Email, with the app's managed identity
    OFF = "off"  # e-mail deliveries are recorded undeliverable

@dataclass(frozen=True)
class EmailSettings:
    """How e-mail alerts leave (contract section 5, E-mail; section 7)."""

    mode: EmailMode = EmailMode.OFF
    sender: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None
    acs_endpoint: str | None = None
    dashboard_url: str | None = None  # links in e-mails: <DASHBOARD_URL>?referral=<id>


def parse_email(opt: Callable[[str], str | None]) -> EmailSettings:
    try:
        mode = EmailMode((opt("EMAIL_MODE") or "off").lower())
    except ValueError:
        raise EmailSettingsError("EMAIL_MODE must be one of smtp, acs, off") from None
    sender, host, endpoint = opt("EMAIL_SENDER"), opt("SMTP_HOST"), opt("ACS_EMAIL_ENDPOINT")
    if mode is not EmailMode.OFF and not (sender and _ADDRESS.fullmatch(sender)):
        raise EmailSettingsError(f"EMAIL_SENDER (an e-mail address) is required with EMAIL_MODE="
                            f"{mode.value}, got {sender!r}")
    if mode is EmailMode.SMTP and not host:
        raise EmailSettingsError("SMTP_HOST is required with EMAIL_MODE=smtp")
    if mode is EmailMode.ACS and not (endpoint or "").startswith("https://"):
        raise EmailSettingsError(f"ACS_EMAIL_ENDPOINT (https://...) is required with "
                                 f"EMAIL_MODE=acs, "
                            f"got {endpoint!r}")
    port, starttls = opt("SMTP_PORT") or "25", (opt("SMTP_STARTTLS") or "off").lower()
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise EmailSettingsError(f"SMTP_PORT must be a port number, got {port!r}")
    if starttls not in _SWITCH:
        raise EmailSettingsError(f"SMTP_STARTTLS must be on or off, got {starttls!r}")
    dashboard = opt("DASHBOARD_URL")
    if dashboard and not re.fullmatch(r"https?://[^\s?#]+", dashboard):
        raise EmailSettingsError(f"DASHBOARD_URL must be an http(s) URL without query, got "
                            f"{dashboard!r}")
    return EmailSettings(mode, sender, host, int(port), _SWITCH[starttls], opt("SMTP_USERNAME"),
                         opt("SMTP_PASSWORD"), endpoint, dashboard)
