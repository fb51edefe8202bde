"""Partner Center's webhook registration API (``{PARTNER_CENTER_WEBHOOK_API_URL}/registration``;
Microsoft's doc "Partner Center webhooks": GET the registration, POST to create it, PUT to
change it; one URL per account and event). A registration that points elsewhere belongs to
another connector (a partner's CRM integration) and is never overwritten silently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from .api import errors
from .api.urls import check_base_url
from .state.connection import WebhookState

EVENTS = ("referral-created", "referral-updated")
TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Registered:
    state: WebhookState
    host: str | None


def register(api_base: str, token: Callable[[], str], url: str, *, take_over: bool = False,
             session: requests.Session | None = None,
             allow_loopback_http: bool = False) -> Registered:
    """Point the account's referral events at ``url``: POST when there is no registration,
    PUT when it already points here (or ``take_over``); otherwise leave it alone and say whose
    host holds it."""
    base = check_base_url(api_base, allow_loopback_http=allow_loopback_http)
    http = session or requests.Session()
    endpoint = f"{base}/registration"
    headers = {"Authorization": f"Bearer {token()}", "Accept": "application/json"}
    current = http.get(endpoint, headers=headers, timeout=TIMEOUT_SECONDS,
                       allow_redirects=False)
    body = {"WebhookUrl": url, "WebhookEvents": list(EVENTS)}
    if current.status_code == 404:
        method = "POST"
    elif current.ok:
        held = str((current.json() or {}).get("WebhookUrl") or "")
        if held and held != url and not take_over:
            return Registered(WebhookState.HELD_BY_ANOTHER, urlsplit(held).hostname)
        method = "PUT"
    else:
        raise errors.RetryableApiError(f"webhook registration answered {current.status_code}",
                                       current.status_code)
    answer = http.request(method, endpoint, json=body, headers=headers,
                          timeout=TIMEOUT_SECONDS, allow_redirects=False)
    if not answer.ok:
        raise errors.RetryableApiError(f"webhook registration {method} answered "
                                       f"{answer.status_code}", answer.status_code)
    return Registered(WebhookState.REGISTERED, urlsplit(url).hostname)
