"""Referral use cases: intake, reads, and every state-changing action."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from shared.domain import operations as ops
from shared.domain.commands import (
    AcceptRequest,
    DeclineRequest,
    EditRequest,
    IntakeRequest,
    LoseRequest,
    WinRequest,
)
from shared.domain.enums import Category, Stage
from shared.domain.errors import ConcurrencyConflict, NotFound, PreconditionFailed, ProfileRequired
from shared.domain.models import Referral, TeamMember
from shared.storage.keys import is_referral_id, new_referral_id
from shared.storage.ports import ListFilter, Stored

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


def list_page(
    ctx: Context, partner_id: str, view: str | None, stage: Stage | None, top: int,
    token: str | None,
) -> Page:
    query = f"{view or ''}|{stage.value if stage else ''}"
    after = decode_token(token, query) if token else None
    flt = ListFilter(
        category=Category(view) if view in (View.MARKETPLACE, View.QUALIFIED) else None,
        favorites_only=view == View.FAVORITES,
        stage=stage,
    )
    items, more = ctx.referrals.page(partner_id, flt, after, top)
    next_token = encode_token(items[-1].referral.id, query) if more and items else None
    return Page(items, next_token)


Change = Callable[[Referral], ops.Result]


def _mutate(
    ctx: Context, partner_id: str, referral_id: str, if_match: str | None, change: Change,
) -> Stored:
    """Read, apply the domain change, write conditionally on the ETag read; retry lost races.

    With If-Match the caller asked for one exact version, so any concurrent change is a 412.
    Without it, a lost race is retried on fresh data, where the domain decides again (so
    accept-vs-decline ends with one success and one invalidTransition, never both).
    """
    for _ in range(MAX_ATTEMPTS):
        stored = get(ctx, partner_id, referral_id)
        if if_match and if_match != "*" and if_match != stored.etag:
            raise PreconditionFailed("The referral has changed since it was read (stale If-Match).")
        updated, events = change(stored.referral)
        if updated == stored.referral and not events:
            return stored  # nothing to write (e.g. favorite already set)
        try:
            saved = ctx.referrals.update(updated, stored.etag, events)
        except ConcurrencyConflict:
            if if_match:
                raise PreconditionFailed(
                    "The referral changed while this request was applied."
                ) from None
            continue
        ctx.dispatch(events)
        return saved
    raise PreconditionFailed("The referral is changing too quickly; read it again and retry.")


def accept(ctx: Context, partner_id: str, rid: str, cmd: AcceptRequest, if_match: str | None
           ) -> Stored:
    return _mutate(ctx, partner_id, rid, if_match, lambda r: ops.accept(r, cmd, ctx.clock()))


def decline(ctx: Context, partner_id: str, rid: str, cmd: DeclineRequest, if_match: str | None
            ) -> Stored:
    return _mutate(ctx, partner_id, rid, if_match, lambda r: ops.decline(r, cmd, ctx.clock()))


def edit(ctx: Context, partner_id: str, rid: str, cmd: EditRequest, if_match: str) -> Stored:
    return _mutate(ctx, partner_id, rid, if_match, lambda r: ops.edit(r, cmd, ctx.clock()))


def add_team_member(ctx: Context, partner_id: str, rid: str, member: TeamMember,
                    if_match: str | None) -> Stored:
    return _mutate(ctx, partner_id, rid, if_match,
                   lambda r: ops.add_team_member(r, member, ctx.clock()))


def win(ctx: Context, partner_id: str, rid: str, cmd: WinRequest, if_match: str | None) -> Stored:
    return _mutate(ctx, partner_id, rid, if_match, lambda r: ops.win(r, cmd, ctx.clock()))


def lose(ctx: Context, partner_id: str, rid: str, cmd: LoseRequest, if_match: str | None
         ) -> Stored:
    return _mutate(ctx, partner_id, rid, if_match, lambda r: ops.lose(r, cmd, ctx.clock()))


def set_favorite(ctx: Context, partner_id: str, rid: str, favorite: bool, if_match: str | None
                 ) -> Stored:
    return _mutate(ctx, partner_id, rid, if_match,
                   lambda r: ops.set_favorite(r, favorite, ctx.clock()))
