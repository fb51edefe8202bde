"""Every failure the Partner Center adapters name, so callers catch by meaning, not by text.

Token errors come from the identity platform (``oauth``), API errors from the Referrals API
(``client``), event errors from the webhook route's checks (``verification``, ``events``).
Messages never carry a token, a signature or personal data: they are safe to log.
"""

from __future__ import annotations

from datetime import timedelta


class PartnerCenterError(Exception):
    """Base of everything below."""


# --- identity platform (oauth.py) ---------------------------------------------------------

class TokenError(PartnerCenterError):
    """The token endpoint did not give tokens. ``code`` is the OAuth error code
    (``invalid_grant``, ``invalid_client``, ...) or one of ours; safe to show in
    ``partnerCenter=failed&reason=<code>``."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class TokenRefused(TokenError):
    """The token endpoint refused the request for good (a bad or used code, a wrong client
    secret, a missing consent). Retrying the same request will not help."""


class ReconnectRequired(TokenRefused):
    """The stored refresh token no longer works (``invalid_grant``, ``interaction_required``):
    the connection becomes ``reconnectRequired`` until an admin connects again."""


class TokenServiceUnavailable(TokenError):
    """Network failure, 429 or 5xx from the token endpoint: try again later, no sooner than
    ``retry_after`` when the endpoint said so."""

    def __init__(self, code: str, message: str = "",
                 retry_after: timedelta | None = None) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after


# --- Referrals API (client.py) -------------------------------------------------------------

class ApiError(PartnerCenterError):
    """A Referrals API request failed; ``status`` is the HTTP status (None: no answer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class StaleETag(ApiError):
    """412: the referral changed in Partner Center since it was read. Read it again and
    reconcile again."""


class RetryableApiError(ApiError):
    """429, 5xx or no answer at all: the queue retries with back-off, waiting at least
    ``retry_after`` when Partner Center said so (``Retry-After``)."""

    def __init__(self, message: str, status: int | None = None,
                 retry_after: timedelta | None = None) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class AccessDenied(ApiError):
    """401/403: the access token was refused or the signed-in user lacks a Referrals role."""


class ReferralNotFound(ApiError):
    """404 on a single referral."""


class RequestRejected(ApiError):
    """Any other 4xx (a JSON Patch Partner Center does not take, ...): permanent."""


class UnsafeUrl(ApiError):
    """A URL the app must not call: not https (plain http only to loopback in local mode),
    or an ``@odata.nextLink`` pointing away from the configured API origin."""


# --- events (verification.py, events.py) ---------------------------------------------------

class EventRejected(PartnerCenterError):
    """The event's signature or certificate did not verify: answer 401, read and store
    nothing. ``reason`` is a short code (see ``verification.Reason``) for the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EventMalformed(PartnerCenterError):
    """A verified event whose body is not what Partner Center sends (not JSON, no GUID at
    the end of ``ResourceUri``): answer 400."""


class UnsupportedEvent(EventMalformed):
    """A verified, well-formed event of another kind (``test-created`` when a registration
    is tested, or any other event name). Suggested answer: 200 and nothing else, since
    Partner Center retries anything else up to 10 times."""

    def __init__(self, event_name: str) -> None:
        super().__init__(f"unsupported event {event_name!r}")
        self.event_name = event_name


# --- mapping (mapping.py) ------------------------------------------------------------------

class UnmappableReferral(PartnerCenterError):
    """A Partner Center lead this app cannot represent (no customer name, an unknown
    status); the sync counts it as ``failed`` and goes on."""
