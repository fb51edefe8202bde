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

from shared.domain import fit, history, partner_center, summary
from shared.domain import operations as ops
from shared.domain.access import SYSTEM_VIEWER, Viewer
from shared.domain.commands import IntakeRequest
from shared.domain.errors import NotFound, PreconditionFailed, ProfileRequired
from shared.domain.events import contact_addresses, with_contacts
from shared.domain.history import SYSTEM, Actor
from shared.domain.models import Fit, Profile, Referral
from shared.domain.sources import API_ORIGIN, Origin
from shared.storage.ports import Change, ConcurrencyConflict, ListQuery, Stored
from shared.storage.ports.ids import is_referral_id, new_referral_id
from shared.storage.ports.summaries import totals

from . import paging
from .context import Context

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


def intake(ctx: Context, cmd: IntakeRequest, actor: Actor = SYSTEM,
           referral_id: str | None = None, origin: Origin = API_ORIGIN) -> Stored:
    """Store a new referral; ``referral_id`` is given for a repeatable request (a second add
    of the same id is a ConcurrencyConflict); ``origin`` says where it came from when that is
    not the intake API (a marketplace lead)."""
    partner_id = cmd.partner_id.lower()  # tenant ids are case-insensitive GUIDs
    profile = ctx.profiles.get(partner_id)
    if profile is None:
        raise ProfileRequired("The partner must have a business profile to receive referrals.")
    now = ctx.clock()
    cmd = cmd.model_copy(update={"partner_id": partner_id})
    referral, events = ops.receive(cmd, referral_id or new_referral_id(now), now,
                                   ctx.settings.response_window, origin)
    events = with_contacts(events, contact_addresses(profile))  # the e-mail alert
    referral = referral.model_copy(update={"fit": score_fit(ctx, profile, referral)})
    record = history.entry(None, referral, history.HistoryAction.RECEIVED, actor, now)
    stored = ctx.referrals.add(referral, events, record)
    ctx.dispatch(events)
    return stored


def score_fit(ctx: Context, profile: Profile, referral: Referral) -> Fit:
    """The referral's fit from the partner's profile and its history so far (the summary
    rows: one read)."""
    total = totals(ctx.referrals.summary_rows(referral.partner_id), None, None)
    return fit.score(referral, profile, summary.similar(total, referral))


def get(ctx: Context, partner_id: str, referral_id: str, viewer: Viewer = SYSTEM_VIEWER
        ) -> Stored:
    # Another organisation's referral lives in another partition: it reads as missing.
    stored = ctx.referrals.get(partner_id, referral_id) if is_referral_id(referral_id) else None
    if stored is None or not viewer.may_see(stored.referral):
        raise NotFound("Referral not found.")
    return stored


def scoped(query: ListQuery, viewer: Viewer) -> ListQuery:
    """The query as ``viewer`` may run it: a Referrals user lists only its own and its
    team's referrals (its person rows), whatever else it asks."""
    if not viewer.restricted:
        return query
    if query.by_person:
        return replace(query, viewer=viewer)
    members = (viewer.email,) if viewer.email else ()
    return replace(query, owners=(viewer.actor.id,), members=members, viewer=viewer)


def list_page(ctx: Context, partner_id: str, query: ListQuery, top: int, token: str | None,
              viewer: Viewer = SYSTEM_VIEWER) -> Page:
    """One page of the listing; a search equal to a referral id finds just that one."""
    query = scoped(query, viewer)
    tokens = paging.scope(ctx, partner_id, hashlib.sha256(repr(query).encode()).hexdigest())
    cursor = tokens.decode(token) if token else None
    found = by_id_search(ctx, partner_id, query)
    if found is not None:
        return Page(found, None)
    page = ctx.referrals.page(partner_id, query, cursor, top)
    next_token = tokens.encode(page.cursor) if page.cursor else None
    return Page(page.items, next_token)


def by_id_search(ctx: Context, partner_id: str, query: ListQuery) -> list[Stored] | None:
    """A search for a referral id finds that referral (if the other filters let it), else
    None: not an id search."""
    term = (query.search_raw or "").strip()
    if not is_referral_id(term):
        return None
    stored = ctx.referrals.get(partner_id, term)
    rest = replace(query, search=(), search_raw=None)
    return [stored] if stored and rest.matches(stored.referral) else []


def perform(
    ctx: Context, partner_id: str, referral_id: str, command: BaseModel,
    precondition: Precondition | None = None, viewer: Viewer = SYSTEM_VIEWER,
) -> Stored:
    """Apply ``command`` to the referral: read, decide, write conditionally; retry lost races.

    With a precondition the caller asked for exact versions, so any concurrent change is a
    PreconditionFailed. Without one, a lost race is retried on fresh data, where the domain
    decides again (so accept-vs-decline ends with one success and one InvalidTransition).
    """
    operation = ops.OPERATIONS[type(command)]
    action = history.action_of(command)
    for _ in range(MAX_ATTEMPTS):
        stored = get(ctx, partner_id, referral_id, viewer)
        if precondition and not precondition.holds(stored.etag):
            raise PreconditionFailed("The referral has changed since it was read.")
        now = ctx.clock()
        updated, events = operation(stored.referral, command, now)
        updated, events = partner_center.with_write_back(stored.referral, updated, events, now)
        if updated == stored.referral and not events:
            return stored  # nothing to write (e.g. favorite already set)
        try:
            record = history.entry(stored.referral, updated, action, viewer.actor, now)
            saved = ctx.referrals.update(Change(stored, updated, events, record))
        except ConcurrencyConflict:
            if precondition:
                raise PreconditionFailed(
                    "The referral changed while this request was applied."
                ) from None
            continue
        ctx.dispatch(events)
        return saved
    raise PreconditionFailed("The referral is changing too quickly; read it again and retry.")


def history_page(ctx: Context, partner_id: str, referral_id: str, viewer: Viewer, top: int,
                 token: str | None) -> tuple[list[history.HistoryEntry], str | None]:
    """A referral's history, oldest first; the referral must exist and be visible."""
    get(ctx, partner_id, referral_id, viewer)
    tokens = paging.scope(ctx, partner_id, f"history|{referral_id}")
    cursor = tokens.decode(token) if token else None
    entries, next_cursor = ctx.referrals.history_page(partner_id, referral_id, cursor, top)
    return entries, tokens.encode(next_cursor) if next_cursor else None
