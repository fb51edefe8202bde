"""Deliver one delivery row: a signed CloudEvents webhook, or an e-mail to one address (the
queue function's work).

At-least-once: the same event id (``webhook-id``, the CloudEvents ``id``) on every attempt.
A 2xx settles it; 5xx, 408, 429 and network errors raise RetryableDelivery so the Functions
host retries and, after maxDequeueCount, moves the message to the poison queue; any other
4xx, and an address the app must not call, is permanent. E-mail likewise: SMTP 250 (or ACS
"Succeeded") settles it, SMTP 4xx and network errors are retried, SMTP 5xx is permanent; its
``Message-ID`` is the same on every attempt. The row records every attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from enum import StrEnum
from urllib.parse import urlsplit

import requests

from shared.domain.events import Destination
from shared.services.context import Context
from shared.settings import AuthMode
from shared.storage.ports import Delivery, DeliveryState

from . import signing, transport
from .cloudevent import CONTENT_TYPE, Renderer, envelope, event_data
from .email_message import compose
from .mail import Mailer, MailError
from .targets import Target, target_for

log = logging.getLogger(__name__)

# Must equal host.json extensions.queues.maxDequeueCount (a test checks): on the last
# attempt we record the failure ourselves, since the host moves the message silently.
MAX_DEQUEUE_COUNT = 5
USER_AGENT = "referrals-notifier/2.0 (+Azure Functions)"
RETRYABLE = frozenset({408, 429})
Poster = Callable[..., requests.Response]


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    SKIPPED = "skipped"  # unknown or already settled: a duplicate message


class RetryableDelivery(Exception):
    """Raised so the host retries the queue message."""


def deliver(ctx: Context, render: Renderer, partner_id: str, delivery_id: str,
            dequeue_count: int = 1, post: Poster = transport.post,
            mailer: Mailer | None = None) -> Outcome:
    """``mailer``: the EMAIL_MODE transport; None when e-mail is off."""
    found = ctx.outbox.get(partner_id, delivery_id)
    if found is None or found.state is not DeliveryState.PENDING:
        return Outcome.SKIPPED
    if found.recipient.destination is Destination.EMAIL:
        return _email(ctx, found, dequeue_count, mailer)
    target = target_for(ctx, found.recipient)
    if isinstance(target, str):
        ctx.outbox.settle(found, DeliveryState.UNDELIVERABLE, target, ctx.clock())
        log.warning("delivery %s undeliverable: %s", delivery_id, target)
        return Outcome.UNDELIVERABLE
    body = _body(ctx, found, render)
    if body is None:
        ctx.outbox.settle(found, DeliveryState.FAILED, "the referral no longer exists",
                          ctx.clock())
        return Outcome.FAILED
    return _attempt(ctx, found, target, body, dequeue_count, post)


def _body(ctx: Context, found: Delivery, render: Renderer) -> bytes | None:
    event = found.event
    stored = ctx.referrals.get(event.partner_id, event.referral_id) if event.referral_id \
        else None
    if event.referral_id and stored is None:
        return None
    partner = ctx.profiles.get(event.partner_id)
    return envelope(event, event_data(event, found.recipient, stored, partner, render))


def _attempt(ctx: Context, found: Delivery, target: Target, body: bytes, dequeue_count: int,
             post: Poster) -> Outcome:
    label = urlsplit(target.url).hostname  # the host only: paths may carry tokens
    headers = {"Content-Type": CONTENT_TYPE, "User-Agent": USER_AGENT,
               **signing.headers(target.secret, found.event.id, int(time.time()), body)}
    try:
        resp = post(target.url, body, headers,
                    allow_loopback=ctx.settings.auth_mode is AuthMode.LOCAL)
    except transport.AddressRefused as exc:
        ctx.outbox.settle(found, DeliveryState.FAILED, str(exc), ctx.clock(), label)
        return Outcome.FAILED
    except (requests.RequestException, OSError) as exc:
        return _retry(ctx, found, dequeue_count, f"{type(exc).__name__}: {exc}", label)
    status = resp.status_code
    if 200 <= status < 300:
        ctx.outbox.settle(found, DeliveryState.DELIVERED, None, ctx.clock(), label)
        return Outcome.DELIVERED
    if status >= 500 or status in RETRYABLE:
        return _retry(ctx, found, dequeue_count, f"HTTP {status}", label)
    ctx.outbox.settle(found, DeliveryState.FAILED, f"HTTP {status} (permanent)", ctx.clock(),
                      label)
    return Outcome.FAILED


def _email(ctx: Context, found: Delivery, dequeue_count: int, mailer: Mailer | None
           ) -> Outcome:
    address, event = found.recipient.address or "", found.event
    sender = ctx.settings.email.sender
    if mailer is None or not sender:
        ctx.outbox.settle(found, DeliveryState.UNDELIVERABLE,
                          "EMAIL_MODE is off: e-mail alerts are not sent", ctx.clock(), address)
        return Outcome.UNDELIVERABLE
    stored = ctx.referrals.get(event.partner_id, event.referral_id or "")
    if stored is None:
        ctx.outbox.settle(found, DeliveryState.FAILED, "the referral no longer exists",
                          ctx.clock(), address)
        return Outcome.FAILED
    try:
        mailer.send(compose(event, address, stored.referral, sender,
                            ctx.settings.email.dashboard_url))
    except MailError as exc:
        if exc.retry:
            return _retry(ctx, found, dequeue_count, str(exc), address)
        ctx.outbox.settle(found, DeliveryState.FAILED, str(exc), ctx.clock(), address)
        return Outcome.FAILED
    ctx.outbox.settle(found, DeliveryState.DELIVERED, None, ctx.clock(), address)
    return Outcome.DELIVERED


def _retry(ctx: Context, found: Delivery, dequeue_count: int, error: str,
           label: str | None) -> Outcome:
    last = dequeue_count >= MAX_DEQUEUE_COUNT
    state = DeliveryState.FAILED if last else DeliveryState.PENDING
    note = f"{error}; retries exhausted, moved to poison queue" if last else error
    ctx.outbox.settle(found, state, note, ctx.clock(), label)
    raise RetryableDelivery(note)
