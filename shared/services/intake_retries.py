"""Intake retries, as the Azure REST API guidelines' repeatable requests describe them.

A request with ``Repeatability-Request-ID`` is claimed (storage/tables/claims.py) before the
referral is added: a retry from the same caller within ``TRACKED`` answers the referral the
first one created (and creates nothing); the same id with another body is refused; a claim
older than ``TRACKED`` no longer counts, so the id starts a new request. Concurrent retries
converge on one claim, hence one referral id, and only one add of that id can succeed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain.commands import IntakeRequest
from shared.domain.errors import DomainError
from shared.domain.history import SYSTEM, Actor
from shared.domain.sources import API_ORIGIN, Origin
from shared.storage.ports import ConcurrencyConflict, Stored
from shared.storage.ports.claims import Claim
from shared.storage.ports.ids import new_referral_id

from . import referrals
from .context import Context

TRACKED = timedelta(hours=24)
REQUEST_ID = "Repeatability-Request-ID"
FIRST_SENT = "Repeatability-First-Sent"


@dataclass(frozen=True)
class Repeat:
    """A repeatable request: who sent it (tenant and principal), its id, when first sent."""

    caller: str
    request_id: str
    first_sent: datetime | None = None


class Rejected(Exception):
    """The repeatability headers cannot be honoured; ``stale``: First-Sent is too old (412),
    else the id was used for another body (400)."""

    def __init__(self, message: str, header: str, *, stale: bool = False) -> None:
        super().__init__(message)
        self.message, self.header, self.stale = message, header, stale


def body_hash(cmd: IntakeRequest) -> str:
    """The request as parsed, so a retry that spaces or orders its JSON differently is the
    same request."""
    return hashlib.sha256(cmd.model_dump_json(by_alias=True).encode()).hexdigest()


def caller_key(caller: str) -> str:
    return hashlib.sha256(caller.encode()).hexdigest()[:40]


def intake_once(ctx: Context, cmd: IntakeRequest, repeat: Repeat, actor: Actor = SYSTEM
                ) -> Stored:
    """The referral this request created, creating it only the first time."""
    return claimed_intake(ctx, cmd, repeat, actor)[0]


def claimed_intake(ctx: Context, cmd: IntakeRequest, repeat: Repeat, actor: Actor = SYSTEM,
                   origin: Origin = API_ORIGIN) -> tuple[Stored, bool]:
    """The referral this request created, and whether this call created it (False: a
    retry, answered with the first request's referral)."""
    now = ctx.clock()
    if repeat.first_sent is not None and now - repeat.first_sent > TRACKED:
        raise Rejected(f"{FIRST_SENT} is more than 24 hours ago: this request may already "
                       "have been carried out and can no longer be repeated safely.",
                       FIRST_SENT, stale=True)
    fresh = Claim(caller_key(repeat.caller), repeat.request_id, body_hash(cmd),
                  cmd.partner_id.lower(), new_referral_id(now), now)
    claim = _claim(ctx, fresh, now)
    if claim.body_hash != fresh.body_hash:
        raise Rejected(f"This {REQUEST_ID} was used within the last 24 hours for a "
                       "different request body; use a new id for a new request.", REQUEST_ID)
    # A claim we just made names a fresh id: no referral can have it yet, so no read.
    ours = claim.referral_id == fresh.referral_id
    done = None if ours else ctx.referrals.get(claim.partner_id, claim.referral_id)
    if done is not None:
        return done, False  # a retry: the first request's referral
    try:
        return referrals.intake(ctx, cmd, actor, claim.referral_id, origin), True
    except ConcurrencyConflict:
        done = ctx.referrals.get(claim.partner_id, claim.referral_id)
        if done is None:
            raise
        return done, False  # a concurrent retry added it first
    except DomainError:
        # Refused (no profile yet): free the id so that a retry after the fix is carried out.
        ctx.claims.release(claim)
        raise


def _claim(ctx: Context, fresh: Claim, now: datetime) -> Claim:
    """The claim in force for this request id: ``fresh`` unless a live one exists."""
    while True:
        claim = ctx.claims.claim(fresh)
        if now - claim.claimed <= TRACKED:
            return claim
        # Older than the tracking window: the id is free again, a new request.
        replaced = ctx.claims.replace(claim, fresh)
        if replaced is not None:
            return replaced
