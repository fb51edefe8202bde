"""The Partner Center Referrals API (``/v1.0/engagements/referrals``) over ``requests``.

Shapes from Microsoft's Partner Center docs: "Get the list of leads and opportunities"
(OData ``$filter``/``$orderby``/``$top``, a ``value`` array and ``@odata.nextLink``), "Get a
lead or opportunity by ID" (the referral with its ``eTag``), "Update a lead or opportunity"
(PATCH with an RFC 6902 JSON Patch of ``replace``/``add``, ``If-Match`` for concurrency,
``Prefer: return=representation``) and "Partner REST headers" (``MS-RequestId``,
``MS-CorrelationId``).

Faults are named (``errors.py``): 412 is ``StaleETag``; 429, 5xx and network failures are
``RetryableApiError`` with the ``Retry-After`` Partner Center sent. Retrying is the queue's
job (``shared/notifications/backoff.py``); only one 429 with a short ``Retry-After`` is waited
out here, since giving the message back to the queue would cost more than the wait.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests

from shared.notifications.backoff import parse_retry_after

from . import errors
from .ids import canonical_id
from .ratelimit import RateLimiter, Unlimited
from .urls import check_base_url, follow_link

PAGE_SIZE = 100
TIMEOUT_SECONDS = 30.0
# The longest Retry-After waited out inside a call; longer ones go back to the queue.
MAX_INLINE_WAIT = timedelta(seconds=5)
JSON_PATCH = "application/json-patch+json"
_QUERY_SAFE = "$'(),:"  # what stays raw in the OData query; spaces become %20, never "+"


def changed_query(since: datetime) -> str:
    """The one OData query of section 9, for the import and every sync."""
    instant = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    params = (("$filter", f"direction eq 'Incoming' and updatedDateTime gt {instant}"),
              ("$orderby", "updatedDateTime asc"), ("$top", str(PAGE_SIZE)))
    return "&".join(f"{key}={quote(value, safe=_QUERY_SAFE)}" for key, value in params)


class ReferralsClient:
    """One partner's Referrals API. ``token`` returns a valid access token (refreshing as
    needed); every request first takes a slot from ``limiter`` for ``partner_id``."""

    def __init__(self, api_base: str, token: Callable[[], str], *, partner_id: str,
                 session: requests.Session | None = None, limiter: RateLimiter | None = None,
                 allow_loopback_http: bool = False, timeout: float = TIMEOUT_SECONDS,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._base = check_base_url(api_base, allow_loopback_http=allow_loopback_http)
        self._token, self._partner_id = token, partner_id
        self._session = session or requests.Session()
        self._limiter: RateLimiter = limiter or Unlimited()
        self._timeout, self._sleep, self._clock = timeout, sleep, clock

    def list_changed(self, since: datetime) -> Iterator[list[dict[str, Any]]]:
        """Pages of incoming referrals updated after ``since``, oldest first, following
        ``@odata.nextLink`` to the end (only on the configured API origin)."""
        url: str | None = f"{self._base}/referrals?{changed_query(since)}"
        correlation, seen = str(uuid.uuid4()), set()
        while url is not None:
            if url in seen:
                raise errors.RequestRejected("nextLink repeats a page already read")
            seen.add(url)
            page = self._json(self._send("GET", url, correlation))
            items = page.get("value")
            if not isinstance(items, list):
                raise errors.RetryableApiError("a list page without a value array")
            yield [item for item in items if isinstance(item, dict)]
            link = page.get("@odata.nextLink")
            url = follow_link(link, self._base) if isinstance(link, str) and link else None

    def get(self, referral_id: str) -> tuple[dict[str, Any], str]:
        """The referral and its eTag (the body's ``eTag``, else the ``ETag`` header)."""
        response = self._send("GET", self._referral_url(referral_id))
        referral = self._json(response)
        etag = referral.get("eTag") or response.headers.get("ETag")
        if not isinstance(etag, str) or not etag:
            raise errors.RetryableApiError("a referral without an eTag")
        return referral, etag

    def patch(self, referral_id: str, ops: Sequence[Mapping[str, Any]],
              etag: str) -> dict[str, Any]:
        """Apply ``ops`` if Partner Center still has ``etag``; the updated referral (an
        empty dict if Partner Center answered without a body). 412: ``StaleETag``."""
        headers = {"Content-Type": JSON_PATCH, "If-Match": etag,
                   "Prefer": "return=representation"}
        response = self._send("PATCH", self._referral_url(referral_id),
                              data=json.dumps(list(ops)).encode(), headers=headers)
        return self._json(response) if response.content else {}

    def _referral_url(self, referral_id: str) -> str:
        canonical = canonical_id(referral_id)
        if canonical is None:
            raise ValueError("a Partner Center referral id is a GUID")
        return f"{self._base}/referrals/{canonical}"

    def _send(self, method: str, url: str, correlation: str | None = None,
              data: bytes | None = None, headers: Mapping[str, str] | None = None,
              ) -> requests.Response:
        for attempt in (1, 2):
            self._limiter.acquire(self._partner_id)
            response = self._request(method, url, correlation, data, headers)
            wait = _short_wait(response, self._clock())
            if attempt == 1 and wait is not None:
                self._sleep(wait.total_seconds())
                continue
            break
        return _checked(response, self._clock())

    def _request(self, method: str, url: str, correlation: str | None, data: bytes | None,
                 extra: Mapping[str, str] | None) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._token()}", "Accept": "application/json",
                   "MS-RequestId": str(uuid.uuid4()),
                   "MS-CorrelationId": correlation or str(uuid.uuid4()), **(extra or {})}
        try:
            return self._session.request(method, url, data=data, headers=headers,
                                         timeout=self._timeout, allow_redirects=False)
        except requests.RequestException as exc:
            # The message names the failure kind only: never the headers (the token).
            raise errors.RetryableApiError(
                f"{method} /referrals failed: {type(exc).__name__}") from None

    @staticmethod
    def _json(response: requests.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise errors.RetryableApiError("an answer that is not JSON",
                                           response.status_code) from None
        if not isinstance(body, dict):
            raise errors.RetryableApiError("an answer that is not a JSON object",
                                           response.status_code)
        return body


def _short_wait(response: requests.Response, now: datetime) -> timedelta | None:
    """How long to wait before the one in-call retry of a 429, or None for no retry."""
    if response.status_code != 429:
        return None
    wait = parse_retry_after(response.headers.get("Retry-After"), now)
    return wait if wait is not None and wait <= MAX_INLINE_WAIT else None


def _checked(response: requests.Response, now: datetime) -> requests.Response:
    status = response.status_code
    if 200 <= status < 300:
        return response
    what = f"Partner Center answered {status}{_code(response)}"
    if status == 412:
        raise errors.StaleETag(what, status)
    if status == 429 or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        raise errors.RetryableApiError(what, status, retry_after)
    if status in (401, 403):
        raise errors.AccessDenied(what, status)
    if status == 404:
        raise errors.ReferralNotFound(what, status)
    raise errors.RequestRejected(what, status)


def _code(response: requests.Response) -> str:
    """Partner Center's error code, when its error body has one (never the whole body)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    code = body.get("code") if isinstance(body, dict) else None
    return f" ({str(code)[:80]})" if code else ""
