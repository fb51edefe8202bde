"""Writing a local change back to Partner Center: the ``partnerCenter`` delivery of the
change's event, worked by the notifications queue function with the same log, retries and
poison queue as every delivery (contract sections 5 and 9).

It reconciles rather than replays: read the referral there (GET, with its eTag), compute the
patch that makes it match the referral here now (api/reconcile.py), PATCH with ``If-Match``. So a
duplicate or late message finds nothing to send, and a lost one is made good by the next.
412: read and reconcile again, up to 3 rounds, then retry later. Partner Center closed it
differently: its state is taken here (apply.py marks the conflict). While the connection waits
for a reconnect, the delivery stays pending and looks again later.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from shared.domain.sources import SyncState
from shared.notifications.delivery import Outcome, retry_later
from shared.storage.ports import Change, ConcurrencyConflict, Delivery, DeliveryState

from . import tokens
from .api.client import ReferralsClient
from .api.errors import (
    AccessDenied,
    ApiError,
    ReconnectRequired,
    RetryableApiError,
    StaleETag,
    TokenServiceUnavailable,
)
from .api.mapping import Held
from .api.reconcile import reconcile
from .apply import apply_remote
from .runtime import PartnerCenterRuntime
from .state.connection import ConnectionState
from .sync import client_for

log = logging.getLogger(__name__)
ROUNDS = 3
WAIT_FOR_RECONNECT = timedelta(minutes=15)


def write_back(rt: PartnerCenterRuntime, found: Delivery, attempt: int) -> Outcome:
    ctx, partner_id = rt.ctx, found.partner_id
    stored = ctx.referrals.get(partner_id, found.event.referral_id or "")
    link = stored.referral.partner_center if stored else None
    if stored is None or link is None:
        ctx.outbox.settle(found, DeliveryState.FAILED, "not a Partner Center referral",
                          ctx.clock())
        return Outcome.FAILED
    connection = rt.store.get(partner_id)
    if connection is None:
        ctx.outbox.settle(found, DeliveryState.UNDELIVERABLE,
                          "Partner Center is disconnected", ctx.clock())
        return Outcome.UNDELIVERABLE
    if connection.connection.state is not ConnectionState.CONNECTED:
        return _wait_for_reconnect(rt, found, attempt)
    try:
        return _reconcile(rt, found, attempt, link.id)
    except (ReconnectRequired, tokens.NotConnected):
        return _wait_for_reconnect(rt, found, attempt)
    except (RetryableApiError, TokenServiceUnavailable) as exc:
        return retry_later(ctx, found, attempt, f"Partner Center: {exc}", "partnerCenter",
                           exc.retry_after)
    except AccessDenied as exc:
        if exc.status == 401:  # the access token was refused: the next attempt refreshes it
            tokens.forget(partner_id)
            return retry_later(ctx, found, attempt, f"Partner Center: {exc}", "partnerCenter")
        return _give_up(rt, found, exc)
    except ApiError as exc:  # 400/403/404: sending it again will not help
        return _give_up(rt, found, exc)


def _give_up(rt: PartnerCenterRuntime, found: Delivery, exc: ApiError) -> Outcome:
    log.warning("Partner Center refused partner %s's write-back: %s", found.partner_id, exc)
    _mark(rt, found.partner_id, found.event.referral_id or "", None, SyncState.FAILED, str(exc))
    rt.ctx.outbox.settle(found, DeliveryState.FAILED, f"Partner Center: {exc}", rt.ctx.clock(),
                         "partnerCenter")
    return Outcome.FAILED


def _reconcile(rt: PartnerCenterRuntime, found: Delivery, attempt: int, pc_id: str
               ) -> Outcome:
    ctx, partner_id, referral_id = rt.ctx, found.partner_id, found.event.referral_id or ""
    client = client_for(rt, partner_id)
    pc, etag = client.get(pc_id)
    for _ in range(ROUNDS * 2):  # a New -> Active -> Closed path takes two rounds
        stored = ctx.referrals.get(partner_id, referral_id)
        if stored is None:
            break
        step = reconcile(pc, Held.from_referral(stored.referral))
        if step.conflict is not None:
            apply_remote(rt, partner_id, pc)  # Partner Center's state wins, visibly
            ctx.outbox.settle(found, DeliveryState.FAILED, "conflict: Partner Center had "
                              "already closed it; its state was taken here", ctx.clock(),
                              "partnerCenter")
            return Outcome.FAILED
        if not step.ops:
            _mark(rt, partner_id, referral_id, etag, SyncState.SYNCED, None)
            ctx.outbox.settle(found, DeliveryState.DELIVERED, None, ctx.clock(),
                              "partnerCenter")
            return Outcome.DELIVERED
        try:
            answer = client.patch(pc_id, step.ops, etag)
        except StaleETag:
            pc, etag = client.get(pc_id)  # changed there meanwhile: read, reconcile again
            continue
        pc, etag = _as_it_stands(client, pc_id, answer)
    return retry_later(ctx, found, attempt, "Partner Center kept changing (412)",
                       "partnerCenter")


def _as_it_stands(client: ReferralsClient, pc_id: str, answer: dict[str, Any]
                  ) -> tuple[dict[str, Any], str]:
    """The referral after a PATCH: Partner Center answers with it (the client asks for
    ``return=representation``), so the next round reconciles against that instead of reading
    it again, and a write-back costs one GET and one PATCH; read it only when the answer
    has no body."""
    etag = answer.get("eTag")
    if isinstance(etag, str) and etag:
        return answer, etag
    return client.get(pc_id)


def _mark(rt: PartnerCenterRuntime, partner_id: str, referral_id: str, etag: str | None,
          state: SyncState, message: str | None) -> None:
    """Record how Partner Center stands; skipped if the referral changed meanwhile (its own
    write-back will record it)."""
    stored = rt.ctx.referrals.get(partner_id, referral_id)
    link = stored.referral.partner_center if stored else None
    if stored is None or link is None:
        return
    updated = stored.referral.model_copy(update={"partner_center": link.model_copy(update={
        "e_tag": etag or link.e_tag, "sync_state": state, "message": message,
        "last_synced_date_time": rt.ctx.clock()})})
    try:
        rt.ctx.referrals.update(Change(stored, updated))
    except ConcurrencyConflict:
        log.info("referral %s changed during its write-back; left to the next one", referral_id)


def _wait_for_reconnect(rt: PartnerCenterRuntime, found: Delivery, attempt: int) -> Outcome:
    """Pending, not failed: the same attempt looks again later, after the admin reconnects."""
    rt.ctx.outbox.settle(found, DeliveryState.PENDING, "waiting: Partner Center needs the "
                         "admin to connect again", rt.ctx.clock(), "partnerCenter")
    # Looked at again every ten back-off bases (10 minutes by default, at most 15), without
    # using up an attempt: the wait is the admin's, not a failure.
    wait = min(WAIT_FOR_RECONNECT, rt.ctx.settings.notification_retry_delay * 10)
    rt.ctx.queue.send(found.partner_id, found.id, attempt, wait)
    return Outcome.RETRYING
