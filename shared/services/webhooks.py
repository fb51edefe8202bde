"""Partners' webhook secrets, the test event, and the delivery log (contract section 5)."""

from __future__ import annotations

import base64
import logging
import secrets

from shared.domain.errors import InvalidTransition, NotConfigured, NotFound
from shared.domain.events import webhook_test_event
from shared.storage.ports import ConcurrencyConflict, Delivery, DeliveryPage, DeliveryState
from shared.storage.ports.ids import is_delivery_id

from . import paging
from .context import Context
from .profiles import get_profile
from .secret_box import seal, unseal

log = logging.getLogger(__name__)

SECRET_BYTES = 32  # the contract asks for at least 24
REDELIVERABLE = frozenset({DeliveryState.FAILED, DeliveryState.UNDELIVERABLE})


def create_secret(ctx: Context, partner_id: str) -> str:
    """A new whsec_ secret for the partner's webhooks; replaces (rotates) any previous one.
    Returned once, to be shown once: only its sealed form is stored, and it is never logged."""
    key = ctx.settings.webhook_secrets_key
    if key is None:
        raise NotConfigured("Webhook secrets cannot be created: WEBHOOK_SECRETS_KEY is not set.")
    get_profile(ctx, partner_id)  # 404 without a profile: there is no webhook to sign for
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
    ctx.secrets.put(partner_id, seal(key, partner_id, secret))
    log.info("webhook secret rotated for partner %s", partner_id)
    return secret


def partner_secret(ctx: Context, partner_id: str) -> str | None:
    """The partner's secret for signing, or None if it has none (or it cannot be opened)."""
    sealed = ctx.secrets.get(partner_id)
    key = ctx.settings.webhook_secrets_key
    if sealed is None or key is None:
        return None
    return unseal(key, partner_id, sealed)


def send_test(ctx: Context, partner_id: str) -> tuple[str, bool]:
    """Queue a webhook.test event to the partner's own endpoint: the event id, and whether
    the profile has a webhookUrl to send it to (without one it is recorded, once, as not
    sent)."""
    profile = get_profile(ctx, partner_id)
    event = webhook_test_event(partner_id, ctx.clock())
    ctx.outbox.add(event)
    ctx.dispatch([event])
    return event.id, bool(profile.webhook_url)


def deliveries(ctx: Context, partner_id: str, state: DeliveryState | None, top: int,
               token: str | None, referral_id: str | None = None
               ) -> tuple[list[Delivery], str | None]:
    """The delivery log, newest first; with ``referral_id``, only that referral's (a token
    is bound to the state and the referral it was made for)."""
    query = f"notifications:{state.value if state else '*'}"
    tokens = paging.scope(ctx, partner_id, f"{query}:{referral_id}" if referral_id else query)
    cursor = tokens.decode(token) if token else None
    page: DeliveryPage = ctx.outbox.page(partner_id, state, cursor, top, referral_id)
    return page.items, tokens.encode(page.cursor) if page.cursor else None


def redeliver(ctx: Context, partner_id: str, delivery_id: str) -> Delivery:
    """Queue a failed or undeliverable delivery again, with the same event id."""
    found = ctx.outbox.get(partner_id, delivery_id) if is_delivery_id(delivery_id) else None
    if found is None:
        raise NotFound("Notification not found.")
    if found.state not in REDELIVERABLE:
        raise InvalidTransition(f"Only a failed or undeliverable notification can be "
                                f"redelivered; this one is {found.state.value}.")
    try:
        requeued = ctx.outbox.requeue(found, ctx.clock())
    except ConcurrencyConflict:
        raise InvalidTransition("The notification changed meanwhile; read it again.") from None
    ctx.queue_delivery(partner_id, requeued.id)
    return requeued
