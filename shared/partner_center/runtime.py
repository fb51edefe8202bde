"""What the Partner Center use cases need: the app's context (referrals, profiles, outbox,
settings, clock), the connection store, an HTTP session, the work queue, the shared rate
limit and the token client. Built once per worker by bootstrap.py."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from shared.connector_settings import PartnerCenterSettings
from shared.services.context import Context

from .api.oauth import OAuthConfig, PartnerCenterAuth
from .api.ratelimit import RateLimiter
from .state.store import ConnectionStore
from .state.work_queue import WorkQueue


@dataclass
class PartnerCenterRuntime:
    ctx: Context
    store: ConnectionStore
    work: WorkQueue
    limiter: RateLimiter
    session: requests.Session
    auth: PartnerCenterAuth | None  # None: PARTNER_CENTER_CLIENT_ID/SECRET not set

    @property
    def config(self) -> PartnerCenterSettings:
        return self.ctx.settings.partner_center


def build_auth(ctx: Context, session: requests.Session) -> PartnerCenterAuth | None:
    cfg, base = ctx.settings.partner_center, ctx.settings.public_base_url
    if not (cfg.client_id and cfg.client_secret and base):
        return None
    return PartnerCenterAuth(OAuthConfig(cfg.authority, cfg.client_id, cfg.client_secret, base,
                                         cfg.allow_loopback_http), session=session)
