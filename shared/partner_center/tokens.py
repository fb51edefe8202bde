"""A connected partner's access token: the sealed refresh token is opened, redeemed, and a
rotated one stored in its place (ETag-conditional, so two workers refreshing at once keep the
newest). A refused refresh token (``invalid_grant``) makes the connection
``reconnectRequired``: work pauses, nothing is dropped."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from shared.services.secret_box import seal, unseal
from shared.telemetry import metrics

from .api.errors import ReconnectRequired
from .runtime import PartnerCenterRuntime
from .state.connection import ConnectionState
from .state.store import ConnectionChanged, StoredConnection

log = logging.getLogger(__name__)
_cache: dict[str, tuple[str, datetime]] = {}  # partner -> (access token, expires); per worker
_lock = threading.Lock()


class NotConnected(Exception):
    """No usable connection: never connected, disconnected, or waiting for a reconnect."""


def access_token(rt: PartnerCenterRuntime, partner_id: str) -> str:
    now = rt.ctx.clock()
    with _lock:
        cached = _cache.get(partner_id)
    if cached and cached[1] > now:
        return cached[0]
    stored = rt.store.get(partner_id)
    if stored is None or stored.connection.state is not ConnectionState.CONNECTED \
            or not stored.sealed_refresh_token or rt.auth is None:
        raise NotConnected(partner_id)
    key = _key(rt)
    refresh = unseal(key, partner_id, stored.sealed_refresh_token)
    try:
        tokens = rt.auth.refresh(partner_id, refresh)
    except ReconnectRequired:
        mark_reconnect_required(rt, stored)
        raise
    if tokens.rotated and tokens.refresh_token:
        _keep_rotated(rt, stored, seal(key, partner_id, tokens.refresh_token))
    with _lock:
        _cache[partner_id] = (tokens.access_token, tokens.expires_at)
    return tokens.access_token


def forget(partner_id: str) -> None:
    with _lock:
        _cache.pop(partner_id, None)


def mark_reconnect_required(rt: PartnerCenterRuntime, stored: StoredConnection) -> None:
    forget(stored.connection.partner_id)
    metrics.record_reconnect_required()
    # Re-read on a lost race (a sync's record, an event's note): the mark must not be dropped,
    # or the connection would read "connected" while every refresh is refused.
    rt.store.update(stored.connection.partner_id,
                    lambda conn: conn.with_(state=ConnectionState.RECONNECT_REQUIRED))
    log.warning("Partner Center refused the refresh token of partner %s: reconnect required",
                stored.connection.partner_id)


def _keep_rotated(rt: PartnerCenterRuntime, stored: StoredConnection, sealed: str) -> None:
    try:
        rt.store.save(stored.connection, sealed, stored.etag)
    except ConnectionChanged:  # someone else saved meanwhile: keep theirs, ours still works
        fresh = rt.store.get(stored.connection.partner_id)
        if fresh is not None:
            rt.store.save(fresh.connection, sealed, fresh.etag)


def _key(rt: PartnerCenterRuntime) -> bytes:
    key = rt.ctx.settings.webhook_secrets_key
    if key is None:
        raise NotConnected("WEBHOOK_SECRETS_KEY is not set: tokens cannot be opened")
    return key
