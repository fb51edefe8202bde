"""Deliver one outbox event as a signed webhook (the queue function's work).

At-least-once: the same event id (Idempotency-Key) on every attempt. A 2xx settles it;
5xx, 408, 429 and network errors raise RetryableDelivery so the Functions host retries
and, after maxDequeueCount, moves the message to the poison queue; any other 4xx is
permanent. The outbox row records every outcome.
"""

from __future__ import annotations

import json
import logging
import time
from enum import StrEnum

import requests

from shared.domain.events import Event, RecipientKind
from shared.services.context import Context
from shared.storage.ports import DeliveryState

from .signing import sign

log = logging.getLogger(__name__)

# Must equal host.json extensions.queues.maxDequeueCount (a test checks): on the last
# attempt we record the failure ourselves, since the host moves the message silently.
MAX_DEQUEUE_COUNT = 5
TIMEOUT = (3.05, 10)  # connect, read: keep well inside the function's own timeout
USER_AGENT = "referrals-notifier/1.0 (+Azure Functions)"
RETRYABLE = frozenset({408, 429})


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    SKIPPED = "skipped"  # unknown or already settled: a duplicate message


class RetryableDelivery(Exception):
    """Raised so the host retries the queue message."""


def deliver(ctx: Context, session: requests.Session, partner_id: str, event_id: str,
            dequeue_count: int = 1) -> Outcome:
    record = ctx.outbox.get(partner_id, event_id)
    if record is None or record.state is not DeliveryState.PENDING:
        return Outcome.SKIPPED
    now = ctx.clock()
    url = _url_for(ctx, record.event)
    if url is None or not ctx.settings.signing_secret:
        why = "no webhook URL configured for the recipient" if url is None \
            else "NOTIFICATION_SIGNING_SECRET is not set"
        ctx.outbox.settle(record.event, DeliveryState.UNDELIVERABLE, dequeue_count, why,
                          now)
        log.warning("event %s undeliverable: %s", event_id, why)
        return Outcome.UNDELIVERABLE
    body = json.dumps(record.event.payload, separators=(",", ":")).encode()
    stamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Idempotency-Key": record.event.id,
        "X-Referrals-Timestamp": str(stamp),
        "X-Referrals-Signature": sign(ctx.settings.signing_secret, stamp, body),
    }
    try:
        resp = session.post(url, data=body, headers=headers, timeout=TIMEOUT,
                            allow_redirects=False)
    except requests.RequestException as exc:
        return _retry(ctx, record.event, dequeue_count, f"{type(exc).__name__}: {exc}")
    if 200 <= resp.status_code < 300:
        ctx.outbox.settle(record.event, DeliveryState.DELIVERED, dequeue_count, None,
                          ctx.clock())
        return Outcome.DELIVERED
    if resp.status_code >= 500 or resp.status_code in RETRYABLE:
        return _retry(ctx, record.event, dequeue_count, f"HTTP {resp.status_code}")
    ctx.outbox.settle(record.event, DeliveryState.FAILED, dequeue_count,
                      f"HTTP {resp.status_code} (permanent)", ctx.clock())
    return Outcome.FAILED


def _retry(ctx: Context, event: Event, dequeue_count: int, error: str) -> Outcome:
    last = dequeue_count >= MAX_DEQUEUE_COUNT
    state = DeliveryState.FAILED if last else DeliveryState.PENDING
    note = f"{error}; retries exhausted, moved to poison queue" if last else error
    ctx.outbox.settle(event, state, dequeue_count, note, ctx.clock())
    raise RetryableDelivery(note)


def _url_for(ctx: Context, event: Event) -> str | None:
    recipient = event.recipient
    if recipient.kind is RecipientKind.MICROSOFT:
        return ctx.settings.microsoft_notification_url
    if recipient.kind is RecipientKind.CUSTOMER:
        return ctx.settings.customer_notification_url
    profile = ctx.profiles.get(recipient.partner_id or "")
    return profile.webhook_url if profile else None
