"""Sending one e-mail: the small port both transports implement, and the SMTP transport.

``send`` returns when the message is accepted (SMTP 250, or ACS reports it sent) and raises
``MailError`` otherwise, saying whether trying again may help: SMTP 4xx and network errors
may (the queue retries the delivery), SMTP 5xx will not (the delivery is ``failed``), and
neither will a message that cannot be built (a header that would span lines).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from .email_message import Mail

TIMEOUT = 15.0  # seconds per SMTP command: well inside the function's own timeout


class MailError(Exception):
    """``retry_after``: how long the service asked us to wait (ACS 429/503 Retry-After)."""

    def __init__(self, message: str, *, retry: bool, retry_after: timedelta | None = None
                 ) -> None:
        super().__init__(message)
        self.retry, self.retry_after = retry, retry_after


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


def by_reply(code: int, text: bytes | str) -> MailError:
    """An SMTP reply: 4xx is transient, 5xx permanent (RFC 5321 section 4.2.1)."""
    said = text.decode(errors="replace") if isinstance(text, bytes) else text
    permanent = 500 <= code < 600
    return MailError(f"SMTP {code} {said}".strip() + (" (permanent)" if permanent else ""),
                     retry=not permanent)


@dataclass(frozen=True)
class SmtpMailer:
    """Any SMTP relay (locally MailDev); STARTTLS and login only when configured."""

    host: str
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None

    def send(self, mail: Mail) -> None:
        try:
            message = mail.mime()
            message.as_bytes()  # every header folded (and checked) before we connect
        except ValueError as exc:  # e.g. a header that would span lines: no retry helps
            raise MailError(f"the message cannot be built: {exc} (permanent)",
                            retry=False) from None
        try:
            with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message, from_addr=mail.sender, to_addrs=[mail.to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise by_reply(code, text) from None
        except smtplib.SMTPResponseException as exc:
            raise by_reply(exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPNotSupportedError as exc:  # STARTTLS or AUTH not offered
            raise MailError(f"SMTP: {exc} (permanent)", retry=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"SMTP {type(exc).__name__}: {exc}", retry=True) from None
