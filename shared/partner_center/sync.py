"""Bringing a partner's leads in (contract section 9): one OData query for the first import
and every later sync, from the watermark (the newest ``updatedDateTime`` seen, minus 5 minutes
for clock skew: overlaps are harmless, the eTag check makes them free), and one read for an
event. Both run in the queue function ``partner_center_work``, never in a request.

A sync of N changed referrals costs ceil(N/100) list requests and no per-referral read from
Partner Center; here each referral costs a point read and, when new or changed, the one
transaction an intake costs. The connection row records the sync's counts and error.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from shared.telemetry import metrics

from . import tokens
from .api.client import ReferralsClient
from .api.errors import AccessDenied, PartnerCenterError, ReconnectRequired
from .api.timefmt import parse_instant
from .apply import Applied, apply_remote
from .runtime import PartnerCenterRuntime
from .state.connection import Connection, ConnectionState, LastSync, SyncCounts

log = logging.getLogger(__name__)
T = TypeVar("T")
OVERLAP = timedelta(minutes=5)


def client_for(rt: PartnerCenterRuntime, partner_id: str) -> ReferralsClient:
    return ReferralsClient(rt.config.api_url, lambda: tokens.access_token(rt, partner_id),
                           partner_id=partner_id, session=rt.session, limiter=rt.limiter,
                           allow_loopback_http=rt.config.allow_loopback_http,
                           clock=rt.ctx.clock)


def run_sync(rt: PartnerCenterRuntime, partner_id: str) -> LastSync | None:
    """One sync of a connected partner; None when there is nothing connected to sync."""
    stored = rt.store.get(partner_id)
    if stored is None or stored.connection.state is not ConnectionState.CONNECTED:
        return None
    started = rt.ctx.clock()
    since = stored.connection.watermark or started - rt.config.import_window
    counts: Counter[Applied] = Counter()
    newest, error = since, None

    def pull() -> None:
        nonlocal newest
        counts.clear()
        for page in client_for(rt, partner_id).list_changed(since):
            for pc in page:
                counts[apply_remote(rt, partner_id, pc)] += 1
                newest = max(newest, _updated(pc) or newest)
            # Progress is kept page by page (one connection write per 100 leads): a long
            # first import that the host stops (timeout, restart) resumes here, not at page 1.
            if newest > since:
                _advance(rt, partner_id, newest - OVERLAP)

    try:
        with_fresh_token(rt, partner_id, pull)
    except ReconnectRequired:
        error = "reconnectRequired"
    except (PartnerCenterError, tokens.NotConnected, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        log.warning("Partner Center sync of %s stopped: %s", partner_id, error)
    result = LastSync(started, rt.ctx.clock(), SyncCounts(
        imported=counts[Applied.IMPORTED], updated=counts[Applied.UPDATED],
        unchanged=counts[Applied.UNCHANGED], skipped=counts[Applied.SKIPPED],
        failed=counts[Applied.FAILED]), error)
    metrics.record_sync("failed" if error else "succeeded")
    # Pages come oldest first, so everything up to ``newest`` was taken in, even when a later
    # page failed: the next sync starts there (less the overlap), never further back.
    _record(rt, partner_id, result, newest - OVERLAP if newest > since else None)
    return result


def run_event(rt: PartnerCenterRuntime, partner_id: str, referral_id: str) -> Applied:
    """An event's referral, read by its id from the configured API (never from the event)."""
    pc, _ = with_fresh_token(rt, partner_id, lambda: client_for(rt, partner_id).get(referral_id))
    return apply_remote(rt, partner_id, pc)


def with_fresh_token(rt: PartnerCenterRuntime, partner_id: str, work: Callable[[], T]) -> T:
    """``work``, once more with a newly redeemed access token if Partner Center answered 401
    to the cached one (revoked or expired early): so a withdrawn sign-in shows as
    ``reconnectRequired`` (the refresh is refused) instead of a sync failing on and on."""
    try:
        return work()
    except AccessDenied as exc:
        if exc.status != 401:
            raise
        tokens.forget(partner_id)
        return work()


def _advance(rt: PartnerCenterRuntime, partner_id: str, watermark: datetime) -> None:
    rt.store.update(partner_id, lambda conn: conn.with_(
        watermark=max(watermark, conn.watermark or watermark)))


def _record(rt: PartnerCenterRuntime, partner_id: str, result: LastSync,
            watermark: datetime | None) -> None:
    def recorded(conn: Connection) -> Connection:
        conn = conn.with_(last_sync=result)
        if watermark is not None:
            conn = conn.with_(watermark=max(watermark, conn.watermark or watermark))
        return conn

    rt.store.update(partner_id, recorded)


def _updated(pc: dict[str, object]) -> datetime | None:
    value = pc.get("updatedDateTime")
    return parse_instant(value) if isinstance(value, str) else None
