"""Referral use cases: intake, reads, and every action, dispatched through one table.

``perform`` is the one way to change an existing referral: it loads it, runs the operation
that ``domain.operations.OPERATIONS`` names for the command, saves conditionally on the ETag
read, and dispatches the events. A new action is a command and an operation, never a new
service function.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

from pydantic import BaseModel

from shared.domain import operations as ops
from shared.domain.commands import IntakeRequest
from shared.domain.errors import NotFound, PreconditionFailed, ProfileRequired
from shared.storage.keys import is_referral_id, new_referral_id
from shared.storage.listing import referral_matches
from shared.storage.ports import Change, ConcurrencyConflict, ListQuery, Stored

from .context import Context
from .paging import decode_token, encode_token

log = logging.getLogger(__name__)

# A lost ETag race is retried on fresh data; only a real conflict survives this many tries.
MAX_ATTEMPTS = 5


class View:
    MARKETPLACE = "marketplace"
    QUALIFIED = "qualified"
    FAVORITES = "favorites"
    ALL = (MARKETPLACE, QUALIFIED, FAVORITES)


@dataclass(frozen=True)
class Precondition:
    """The versions the caller will accept (from If-Match): any of ``etags``, or any at all."""

    etags: frozenset[str] = frozenset()
    any_version: bool = False

    def holds(self, etag: str) -> bool:
        return self.any_version or etag in self.etags


@dataclass(frozen=True)
class Page:
    items: list[Stored]
    continuation_token: str | None


def intake(ctx: Context, cmd: IntakeRequest) -> Stored:
    partner_id = cmd.partner_id.lower()  # tenant ids are case-insensitive GUIDs
    if ctx.profiles.get(partner_id) is None:
        raise ProfileRequired("The partner must have a business profile to receive referrals.")
    now = ctx.clock()
    cmd = cmd.model_copy(update={"partner_id": partner_id})
    referral, events = ops.receive(cmd, new_referral_id(now), now, ctx.settings.response_window)
    stored = ctx.referrals.add(referral, events)
    ctx.dispatch(events)
    return stored


def get(ctx: Context, partner_id: str, referral_id: str) -> Stored:
    # Another organisation's referral lives in another partition: it reads as missing.
    stored = ctx.referrals.get(partner_id, referral_id) if is_referral_id(referral_id) else None
    if stored is None:
        raise NotFound("Referral not found.")
    return stored


def list_page(ctx: Context, partner_id: str, query: ListQuery, top: int, token: str | None
              ) -> Page:
    """One page of the listing; a search equal to a referral id finds just that one."""
    fingerprint = hashlib.sha256(repr(query).encode()).hexdigest()[:16]
    cursor = decode_token(token, fingerprint) if token else None
    found = by_id_search(ctx, partner_id, query)
    if found is not None:
        return Page(found, None)
    page = ctx.referrals.page(partner_id, query, cursor, top)
    next_token = encode_token(page.cursor, fingerprint) if page.cursor else None
    return Page(page.items, next_token)


def by_id_search(ctx: Context, partner_id: str, query: ListQuery) -> list[Stored] | None:
    """A search for a referral id finds that referral (if the other filters let it), else
    None: not an id search."""
    term = (query.search_raw or "").strip()
    if not is_referral_id(term):
        return None
    stored = ctx.referrals.get(partner_id, term)
    rest = replace(query, search=(), search_raw=None)
    return [stored] if stored and referral_matches(rest, stored.referral) else []


def perform(
    ctx: Context, partner_id: str, referral_id: str, command: BaseModel,
    precondition: Precondition | None = None,
) -> Stored:
    """Apply ``command`` to the referral: read, decide, write conditionally; retry lost races.

    With a precondition the caller asked for exact versions, so any concurrent change is a
    PreconditionFailed. Without one, a lost race is retried on fresh data, where the domain
    decides again (so accept-vs-decline ends with one success and one InvalidTransition).
    """
    operation = ops.OPERATIONS[type(command)]
    for _ in range(MAX_ATTEMPTS):
        stored = get(ctx, partner_id, referral_id)
        if precondition and not precondition.holds(stored.etag):
            raise PreconditionFailed("The referral has changed since it was read.")
        updated, events = operation(stored.referral, command, ctx.clock())
        if updated == stored.referral and not events:
            return stored  # nothing to write (e.g. favorite already set)
        try:
            saved = ctx.referrals.update(Change(stored, updated, events))
        except ConcurrencyConflict:
            if precondition:
                raise PreconditionFailed(
                    "The referral changed while this request was applied."
                ) from None
            continue
        ctx.dispatch(events)
        return saved
    raise PreconditionFailed("The referral is changing too quickly; read it again and retry.")
