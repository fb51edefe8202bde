"""Marketplace use cases: the partner's lead URL (create or rotate, revoke, show) and the
arrival of a lead.

A lead is verified before anything is read: the key in its URL must be the partner's
current key. Then it is parsed, and either recorded as the marketplace's test lead (nothing
created) or taken in as a referral through the ordinary intake, so it gets everything a
referral gets (fit, window, alert e-mail, webhook, search, export, insights). The
marketplace sends a lead again when its POST failed; the same body to the same key within
24 hours is the same lead (the intake's repeatability claims), so a retry creates nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.errors import NotConfigured, NotFound, ProfileRequired
from shared.domain.history import Actor
from shared.domain.sources import Origin, Source
from shared.services import intake_retries
from shared.services.context import Context

from .keys import key_hash, lead_url, new_key, same_hash
from .lead import parse
from .ports import Endpoint, KeyOwner
from .referral import to_intake

log = logging.getLogger(__name__)

MARKETPLACE = Actor(id="marketplace", name="Microsoft commercial marketplace")
# How stale the endpoint's "last lead" may be: a lead within this of the last recorded one
# is not recorded again.
MARK_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Received:
    """What became of a lead: a test lead, or the referral it is (``created`` False when it
    is a retry of one already taken in)."""

    referral_id: str | None
    created: bool = False

    @property
    def test(self) -> bool:
        return self.referral_id is None


def create_endpoint(ctx: Context, partner_id: str) -> str:
    """A new lead URL for the partner, replacing any previous one at once. Returned once:
    only the key's hash is stored, and the key is never logged."""
    base = ctx.settings.public_base_url
    if base is None:
        raise NotConfigured("A marketplace lead URL cannot be made: PUBLIC_BASE_URL is not set.")
    if ctx.profiles.get(partner_id) is None:
        raise ProfileRequired("Create the business profile before the marketplace lead URL.")
    key = new_key()
    ctx.marketplace.replace(Endpoint(partner_id, key_hash(key), ctx.clock()))
    log.info("marketplace lead URL created or rotated for partner %s", partner_id)
    return lead_url(base, key)


def revoke_endpoint(ctx: Context, partner_id: str) -> None:
    ctx.marketplace.remove(partner_id)
    log.info("marketplace lead URL revoked for partner %s", partner_id)


def endpoint(ctx: Context, partner_id: str) -> Endpoint | None:
    return ctx.marketplace.get(partner_id)


def verify(ctx: Context, key: str) -> KeyOwner:
    """Whose current key this is, or NotFound. Any key, known or not, costs one point read
    and one constant-time compare, however close it is to a real one."""
    presented = key_hash(key)
    found = ctx.marketplace.owner(presented)
    if not same_hash(found.key_hash if found else None, presented) or found is None:
        raise NotFound("Not found.")
    return found


def receive(ctx: Context, found: KeyOwner, raw: bytes) -> Received:
    """Take in one lead sent to ``found``'s URL (verify() first); LeadRefused when the body
    cannot be a lead."""
    lead = parse(raw)
    now = ctx.clock()
    if lead.is_test:
        _mark(ctx, found, now, test=True)
        return Received(None)
    intake = to_intake(lead, found.partner_id)
    origin = Origin(source=Source.MARKETPLACE, marketplace=intake.origin,
                    do_not_contact=intake.do_not_contact)
    # Keyed by the key and the body as sent: the marketplace's retry is byte-identical.
    repeat = intake_retries.Repeat(f"marketplace:{found.key_hash}",
                                   hashlib.sha256(raw).hexdigest())
    stored, created = intake_retries.claimed_intake(ctx, intake.request, repeat, MARKETPLACE,
                                                    origin)
    _mark(ctx, found, now, test=False)
    return Received(stored.referral.id, created)


def _mark(ctx: Context, found: KeyOwner, now: datetime, *, test: bool) -> None:
    """Record the arrival, at most once a minute: a campaign's burst of leads would
    otherwise rewrite one row per lead for a time shown to the minute."""
    last = found.last_test_lead if test else found.last_lead
    # A recorded time ahead of this instance's clock (another instance's skew) does not
    # stop recording: only a time within the last minute does.
    if last is None or not now - MARK_EVERY < last <= now:
        ctx.marketplace.mark(found, now, test=test)
