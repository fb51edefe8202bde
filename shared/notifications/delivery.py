"""Deliver one delivery row: a signed CloudEvents webhook, or an e-mail to one address (the
queue function's work).

At-least-once: the same event id (``webhook-id``, the CloudEvents ``id``) on every attempt.
A 2xx settles it; 5xx, 408, 429 and network errors are retried: the delivery is queued again,
hidden for a back-off with jitter (or the receiver's ``Retry-After`` on 429/503; see
backoff.py), and this invocation ends normally. Attempt ``MAX_DEQUEUE_COUNT`` that fails
settles it ``failed`` and parks the message on ``<queue>-poison``, as the host would. Any
other 4xx, and an address the app must not call, is permanent. E-mail likewise: SMTP 250 (or
ACS "Succeeded") settles it, SMTP 4xx and network errors are retried, SMTP 5xx is permanent;
its ``Message-ID`` is the same on every attempt; a message that cannot be built (a header that
would span lines) is permanent. The row records every attempt.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from enum import StrEnum
from urllib.parse import urlsplit

import requests

from shared.domain.events import Destination
from shared.services.context import Context
from shared.settings import AuthMode
from shared.storage.ports import Delivery, DeliveryState
from shared.telemetry.metrics import record_delivery
from shared.telemetry.spans import annotate, delivery_span

from . import backoff, signing, transport
from .cloudevent import CONTENT_TYPE, Renderer, envelope, event_data
from .email_message import compose
from .mail import Mailer, MailError
from .targets import Target, target_for

log = logging.getLogger(__name__)

# Attempts per delivery (per redeliver). Equal to host.json extensions.queues.maxDequeueCount
# (a test checks), so a message whose invocations crash outright ends in poison as well.
MAX_DEQUEUE_COUNT = 5
USER_AGENT = "referrals-notifier/2.0 (+Azure Functions)"
RETRYABLE = frozenset({408, 429})
Poster = Callable[..., requests.Response]


class Outcome(StrEnum):
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    SKIPPED = "skipped"  # unknown or already settled: a duplicate message
    RETRYING = "retrying"  # queued again, hidden for the back-off


# Delivers a Partner Center write-back (shared/partner_center/writeback.py), handed in by the
# queue function so this module does not depend on the connector.
WriteBack = Callable[[Delivery, int], Outcome]


def deliver(ctx: Context, render: Renderer, partner_id: str, delivery_id: str,
            attempt: int = 1, post: Poster = transport.post,
            mailer: Mailer | None = None, write_back: WriteBack | None = None) -> Outcome:
    """``attempt``: which attempt this is (1-based); ``mailer``: the EMAIL_MODE transport,
    None when e-mail is off."""
    found = ctx.outbox.get(partner_id, delivery_id)
    if found is None or found.state is not DeliveryState.PENDING:
        return Outcome.SKIPPED
    destination = found.recipient.destination.value
    # One span per attempt (ids, the destination, a webhook's host: never an address).
    with delivery_span(destination, partner_id, found.event.referral_id,
                       found.event.type.value, attempt) as span:
        outcome = _deliver(ctx, render, found, attempt, post, mailer, write_back)
        span.set_attribute("delivery.result", outcome.value)
    record_delivery(destination, outcome.value)
    return outcome


def _deliver(ctx: Context, render: Renderer, found: Delivery, attempt: int, post: Poster,
             mailer: Mailer | None, write_back: WriteBack | None) -> Outcome:
    if found.recipient.destination is Destination.EMAIL:
        return _email(ctx, found, attempt, mailer)
    if found.recipient.destination is Destination.PARTNER_CENTER:
        if write_back is None:
            ctx.outbox.settle(found, DeliveryState.UNDELIVERABLE,
                              "Partner Center is not configured", ctx.clock())
            return Outcome.UNDELIVERABLE
        return write_back(found, attempt)
    target = target_for(ctx, found.recipient)
    if isinstance(target, str):
        ctx.outbox.settle(found, DeliveryState.UNDELIVERABLE, target, ctx.clock())
        log.warning("delivery %s undeliverable: %s", found.id, target)
        return Outcome.UNDELIVERABLE
    body = _body(ctx, found, render)
    if body is None:
        ctx.outbox.settle(found, DeliveryState.FAILED, "the referral no longer exists",
                          ctx.clock())
        return Outcome.FAILED
    return _attempt(ctx, found, target, body, attempt, post)


def _body(ctx: Context, found: Delivery, render: Renderer) -> bytes | None:
    event = found.event
    stored = ctx.referrals.get(event.partner_id, event.referral_id) if event.referral_id \
        else None
    if event.referral_id and stored is None:
        return None
    partner = ctx.profiles.get(event.partner_id)
    return envelope(event, event_data(event, found.recipient, stored, partner, render))


def _attempt(ctx: Context, found: Delivery, target: Target, body: bytes, attempt: int,
             post: Poster) -> Outcome:
    label = urlsplit(target.url).hostname  # the host only: paths may carry tokens
    annotate({"server.address": label})
    headers = {"Content-Type": CONTENT_TYPE, "User-Agent": USER_AGENT,
               **signing.headers(target.secret, found.event.id, int(time.time()), body)}
    try:
        # Locally only plain http may reach loopback (as the URL rule): a name that
        # resolves to 127.0.0.1 is no way around the https rule.
        resp = post(target.url, body, headers,
                    allow_loopback=ctx.settings.auth_mode is AuthMode.LOCAL
                    and target.url.startswith("http:"), ca_bundle=ctx.settings.ca_bundle)
    except transport.AddressRefused as exc:
        ctx.outbox.settle(found, DeliveryState.FAILED, str(exc), ctx.clock(), label)
        return Outcome.FAILED
    except (requests.RequestException, OSError) as exc:
        return retry_later(ctx, found, attempt, f"{type(exc).__name__}: {exc}", label)
    status = resp.status_code
    if 200 <= status < 300:
        ctx.outbox.settle(found, DeliveryState.DELIVERED, None, ctx.clock(), label)
        return Outcome.DELIVERED
    if status >= 500 or status in RETRYABLE:
        wait = backoff.parse_retry_after(resp.headers.get("Retry-After"), ctx.clock()) \
            if status in backoff.RETRY_AFTER_STATUSES else None
        return retry_later(ctx, found, attempt, f"HTTP {status}", label, wait)
    ctx.outbox.settle(found, DeliveryState.FAILED, f"HTTP {status} (permanent)", ctx.clock(),
                      label)
    return Outcome.FAILED


def _email(ctx: Context, found: Delivery, attempt: int, mailer: Mailer | None
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
            return retry_later(ctx, found, attempt, str(exc), address, exc.retry_after)
        ctx.outbox.settle(found, DeliveryState.FAILED, str(exc), ctx.clock(), address)
        return Outcome.FAILED
    except ValueError as exc:  # a message that cannot be built: no attempt will do better
        ctx.outbox.settle(found, DeliveryState.FAILED, f"the message cannot be built: {exc}",
                          ctx.clock(), address)
        return Outcome.FAILED
    ctx.outbox.settle(found, DeliveryState.DELIVERED, None, ctx.clock(), address)
    return Outcome.DELIVERED


def retry_later(ctx: Context, found: Delivery, attempt: int, error: str, label: str | None,
           retry_after: timedelta | None = None) -> Outcome:
    """Record the failed attempt, then queue the next one after the back-off, or, after the
    last, park the message on the poison queue. Recorded first: if queueing fails, the error
    reaches the host, which retries this message itself."""
    if attempt >= MAX_DEQUEUE_COUNT:
        ctx.outbox.settle(found, DeliveryState.FAILED,
                          f"{error}; retries exhausted, moved to poison queue", ctx.clock(),
                          label)
        ctx.queue.poison(found.partner_id, found.id, attempt)
        return Outcome.FAILED
    wait = backoff.next_delay(attempt, ctx.settings.notification_retry_delay, retry_after)
    note = f"{error}; attempt {attempt + 1} in {wait.total_seconds():.0f} s"
    ctx.outbox.settle(found, DeliveryState.PENDING, note, ctx.clock(), label)
    ctx.queue.send(found.partner_id, found.id, attempt + 1, wait)
    return Outcome.RETRYING
