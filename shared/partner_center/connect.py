"""Connecting, reconnecting and disconnecting a partner's Partner Center account (contract
section 9, Connecting): the sign-in with PKCE, its callback, the webhook registration, the
connection's view, and disconnecting.

The ``state`` of a sign-in is single-use, expires after 10 minutes and is bound to the tenant
and the admin who asked: it is stored server-side with the PKCE verifier (sealed), and the
callback takes it once. Nothing is stored for a refused or replayed callback.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from shared.domain.errors import (
    DomainError,
    PartnerCenterNotConfigured,
    PartnerCenterNotConnected,
    PartnerCenterRefused,
    PartnerCenterUnavailable,
)
from shared.domain.history import Actor
from shared.services.secret_box import SealBroken, seal, unseal

from . import registration, tokens
from .api.errors import PartnerCenterError, TokenError, TokenServiceUnavailable
from .api.oauth import PartnerCenterAuth
from .runtime import PartnerCenterRuntime
from .state.connection import NEVER_CONNECTED, Connection, ConnectionState, WebhookState
from .state.store import ConnectionChanged, PendingSignIn, StoredConnection
from .state.work_queue import Work

log = logging.getLogger(__name__)
STATE_LIFETIME = timedelta(minutes=10)
_REASON = re.compile(r"[a-z_]{1,64}")


def start(rt: PartnerCenterRuntime, partner_id: str, admin: Actor) -> str:
    """The authorize URL to send the admin to."""
    auth, key = _auth_and_key(rt)
    state = secrets.token_urlsafe(32)
    try:
        request = auth.authorization_request(partner_id, state)
    except TokenServiceUnavailable as exc:  # the authority cannot be reached now: retry
        log.warning("sign-in for %s could not be prepared: %s", partner_id, exc.code)
        raise PartnerCenterUnavailable(
            "Microsoft's sign-in cannot be reached; try again later.") from None
    except TokenError as exc:  # the authority answered: it knows no such organisation
        raise PartnerCenterRefused(
            f"Microsoft's sign-in refused this organisation ({exc.code}).") from None
    rt.store.put_sign_in(request.state, PendingSignIn(
        partner_id, admin.id, admin.name, seal(key, partner_id, json.dumps(request.flow)),
        rt.ctx.clock() + STATE_LIFETIME))
    return request.url


def callback(rt: PartnerCenterRuntime, code: str | None, state: str | None,
             error: str | None) -> str | None:
    """Finish the sign-in: None when connected, else why not (an OAuth-style code, safe to
    show); nothing is stored for a refused, replayed or expired one."""
    pending = rt.store.take_sign_in(state) if state else None
    if pending is None:
        return "invalid_state"
    if pending.expires < rt.ctx.clock():
        return "expired_state"
    if error or not code:
        return error if error and _REASON.fullmatch(error) else "access_denied"
    try:
        auth, key = _auth_and_key(rt)
        flow = json.loads(unseal(key, pending.partner_id, pending.sealed_verifier))
        got = auth.redeem(pending.partner_id, flow, code, state or "")
    except TokenError as exc:
        return exc.code if _REASON.fullmatch(exc.code) else "token_refused"
    except (DomainError, SealBroken):
        return "not_configured"
    if got.tenant_id and got.tenant_id.lower() != pending.partner_id.lower():
        return "tenant_mismatch"  # signed in to another organisation's account
    if not got.refresh_token:
        return "no_refresh_token"
    _connected(rt, pending, seal(key, pending.partner_id, got.refresh_token))
    return None


def _connected(rt: PartnerCenterRuntime, pending: PendingSignIn, sealed: str) -> None:
    now, old = rt.ctx.clock(), rt.store.get(pending.partner_id)
    # A reconnect keeps the connection id (the registered event URL) and the watermark.
    conn = old.connection.with_(state=ConnectionState.CONNECTED) if old else Connection(
        pending.partner_id, uuid.uuid4().hex, ConnectionState.CONNECTED, pending.admin_id,
        pending.admin_name, now)
    conn = conn.with_(connected_by_id=pending.admin_id, connected_by_name=pending.admin_name,
                      connected=now)
    try:
        saved = rt.store.save(conn, sealed, old.etag if old else None)
    except ConnectionChanged:  # two callbacks at once: the other one connected it
        return
    tokens.forget(pending.partner_id)
    register_webhook(rt, saved.connection.partner_id, take_over=False)
    rt.work.send(Work(pending.partner_id))  # the initial import (or the catch-up)


def register_webhook(rt: PartnerCenterRuntime, partner_id: str, take_over: bool
                     ) -> StoredConnection | None:
    stored = rt.store.get(partner_id)
    if stored is None or rt.ctx.settings.public_base_url is None:
        return None
    url = f"{rt.ctx.settings.public_base_url}/api/partner-center/events/" \
          f"{stored.connection.connection_id}"
    try:
        got = registration.register(
            rt.config.webhook_api_url, lambda: tokens.access_token(rt, partner_id), url,
            take_over=take_over, session=rt.session,
            allow_loopback_http=rt.config.allow_loopback_http)
    except (PartnerCenterError, tokens.NotConnected, OSError) as exc:
        log.warning("webhook registration for %s failed: %s", partner_id, type(exc).__name__)
        got = registration.Registered(WebhookState.NOT_REGISTERED, None)
    return rt.store.update(partner_id, lambda conn: conn.with_(webhook_state=got.state,
                                                               webhook_host=got.host))


def view(rt: PartnerCenterRuntime, partner_id: str) -> dict[str, Any]:
    stored = rt.store.get(partner_id)
    return stored.connection.view() if stored else dict(NEVER_CONNECTED)


def disconnect(rt: PartnerCenterRuntime, partner_id: str) -> None:
    """Erase the tokens and stop all Partner Center work; referrals already here stay."""
    stored = rt.store.get(partner_id)
    if stored is not None:
        rt.store.delete(stored)
    tokens.forget(partner_id)


def request_sync(rt: PartnerCenterRuntime, partner_id: str) -> None:
    stored = rt.store.get(partner_id)
    if stored is None or stored.connection.state is not ConnectionState.CONNECTED:
        raise PartnerCenterNotConnected("Connect Partner Center first (POST /api/partner-center/"
                                "connect).")
    rt.work.send(Work(partner_id))


def _auth_and_key(rt: PartnerCenterRuntime) -> tuple[PartnerCenterAuth, bytes]:
    key = rt.ctx.settings.webhook_secrets_key
    if rt.auth is None or key is None:
        raise PartnerCenterNotConfigured(
            "Partner Center is not configured: set PARTNER_CENTER_CLIENT_ID, "
            "PARTNER_CENTER_CLIENT_SECRET, PUBLIC_BASE_URL and WEBHOOK_SECRETS_KEY.")
    return rt.auth, key


def dashboard_url(rt: PartnerCenterRuntime, reason: str | None) -> str | None:
    """Where the browser goes after the callback: the dashboard with
    ``partnerCenter=connected`` or ``partnerCenter=failed&reason=<code>``; None without
    DASHBOARD_URL (the callback then answers a small page saying so)."""
    base = rt.ctx.settings.email.dashboard_url
    if base is None:
        return None
    query = {"partnerCenter": "connected"} if reason is None else {
        "partnerCenter": "failed", "reason": reason}
    return f"{base}?{urlencode(query)}"
