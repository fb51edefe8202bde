"""EMAIL_MODE=acs: Azure Communication Services Email, with the app's managed identity.

``begin_send`` answers 202 with an operation; we poll it until it is ``Succeeded`` (sent) or
``Failed``/``Canceled`` (permanent). Errors map as webhooks do: 408, 429 (with Retry-After,
noted on the delivery), 5xx, network errors and an operation still running after
POLL_TIMEOUT are retried by the queue; 401, 403 and other 4xx are permanent. The SDK's own
retries are off so that every attempt is one the delivery row records.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import AzureError, HttpResponseError

from . import backoff
from .email_message import Mail
from .mail import MailError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

POLL_TIMEOUT = 60.0  # seconds; an ACS send usually completes in a few
RETRYABLE = frozenset({408, 429})


class AcsMailer:
    def __init__(self, endpoint: str, credential: TokenCredential, *,
                 polling_interval: float = 2.0, poll_timeout: float = POLL_TIMEOUT) -> None:
        from azure.communication.email import EmailClient  # only in acs mode

        self._client = EmailClient(endpoint, credential, retry_total=0)
        self._interval = polling_interval
        self._timeout = poll_timeout

    def send(self, mail: Mail) -> None:
        try:
            poller = self._client.begin_send(message(mail), polling_interval=self._interval)
            result = dict(poller.result(timeout=self._timeout) or {})
        except HttpResponseError as exc:
            raise _http_error(exc) from None
        except AzureError as exc:  # connection, timeout: nothing was decided
            raise MailError(f"ACS {type(exc).__name__}: {exc.message}", retry=True) from None
        status = str(result.get("status", ""))
        if status == "Succeeded":
            return
        if status in ("Failed", "Canceled"):
            error = result.get("error") or {}
            raise MailError(f"ACS send {status.lower()}: {error.get('code', '')} "
                            f"{error.get('message', '')}".strip() + " (permanent)", retry=False)
        raise MailError(f"ACS send still {status or 'unknown'} after {self._timeout:g} s",
                        retry=True)


def message(mail: Mail) -> dict[str, Any]:
    return {
        "senderAddress": mail.sender,
        "recipients": {"to": [{"address": mail.to}]},
        "content": {"subject": mail.subject, "plainText": mail.text, "html": mail.html},
        "headers": {"Message-ID": mail.message_id, "Auto-Submitted": "auto-generated"},
        "userEngagementTrackingDisabled": True,  # no tracking pixels or rewritten links
    }


def _http_error(exc: HttpResponseError) -> MailError:
    status = exc.status_code or 0
    code = getattr(exc.error, "code", None) or exc.reason or ""
    if status in RETRYABLE or status >= 500:
        headers = getattr(exc.response, "headers", None) or {}
        wait = headers.get("Retry-After")
        after = f" (Retry-After {wait} s)" if wait else ""
        asked = backoff.parse_retry_after(wait, datetime.now(UTC)) \
            if status in backoff.RETRY_AFTER_STATUSES else None
        return MailError(f"ACS HTTP {status} {code}{after}".strip(), retry=True,
                         retry_after=asked)
    if 200 <= status < 300:  # the poll answered, the operation failed
        return MailError(f"ACS send failed: {exc.message} (permanent)", retry=False)
    return MailError(f"ACS HTTP {status} {code} (permanent)", retry=False)
