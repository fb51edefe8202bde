"""Taking one Partner Center referral in, as a sync page or an event read it (contract
section 9): a new lead is imported like an intake (one transaction: referral, index rows,
history, outbox); a known one takes what Partner Center says, by the actor "Partner Center",
with its history entry and the partner's own notifications, and is never written back.

Partner Center is the record for a connected referral's stage: its state is applied even
where this life cycle would not move that way. A referral with a local change still waiting
to be written back (``pending``) is left to that write-back, which reconciles on fresh data,
unless Partner Center has closed it meanwhile: then Partner Center's state wins, visibly
(``conflict``, and the history entry holds the local values that lost and Partner Center's).
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.domain import history
from shared.domain.enums import EventType, Status, Substatus
from shared.domain.events import Event, contact_addresses, make_event, with_contacts
from shared.domain.history import HistoryAction
from shared.domain.models import Referral
from shared.domain.partner_center import PARTNER_CENTER_ACTOR, held_view, own_people_only
from shared.domain.sources import SyncState
from shared.services.referrals import score_fit
from shared.storage.ports import Change, ConcurrencyConflict, Stored

from . import inbound
from .runtime import PartnerCenterRuntime

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


class Applied(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    FAILED = "failed"


_CLOSING = {Substatus.DECLINED: (EventType.DECLINED, HistoryAction.DECLINED),
            Substatus.EXPIRED: (EventType.EXPIRED, HistoryAction.EXPIRED),
            Substatus.WON: (EventType.WON, HistoryAction.WON),
            Substatus.LOST: (EventType.LOST, HistoryAction.LOST)}


def apply_remote(rt: PartnerCenterRuntime, partner_id: str, pc: dict[str, Any]) -> Applied:
    now = rt.ctx.clock()
    try:
        remote = inbound.to_referral(pc, partner_id, now)
    except inbound.NotALead:
        return Applied.SKIPPED
    except inbound.Unmappable as exc:
        log.warning("Partner Center referral not taken in: %s", exc)
        return Applied.FAILED
    for _ in range(MAX_ATTEMPTS):
        stored = rt.ctx.referrals.get(partner_id, remote.id)
        try:
            if stored is None:
                return _import(rt, remote, now)
            return _update(rt, stored, remote, now)
        except ConflictRetry:
            continue
    return Applied.FAILED


class ConflictRetry(Exception):
    """Another writer came first; read again."""


def _import(rt: PartnerCenterRuntime, remote: Referral, now: datetime) -> Applied:
    ctx = rt.ctx
    profile = ctx.profiles.get(remote.partner_id)
    if profile is None:
        log.warning("partner %s has no profile: Partner Center leads wait", remote.partner_id)
        return Applied.FAILED
    remote = remote.model_copy(update={"fit": score_fit(ctx, profile, remote)})
    events: list[Event] = []
    if remote.status is Status.NEW:  # a lead still to answer: the usual alerts
        events = own_people_only(with_contacts([make_event(EventType.RECEIVED, remote, now)],
                                               contact_addresses(profile)))
    record = history.entry(None, remote, HistoryAction.RECEIVED, PARTNER_CENTER_ACTOR, now)
    try:
        ctx.referrals.add(remote, events, record)
    except ConcurrencyConflict:
        raise ConflictRetry from None
    ctx.dispatch(events)
    return Applied.IMPORTED


def _update(rt: PartnerCenterRuntime, stored: Stored, remote: Referral, now: datetime
            ) -> Applied:
    local = stored.referral
    link, remote_link = local.partner_center, remote.partner_center
    if link is None or remote_link is None or link.e_tag == remote_link.e_tag:
        return Applied.UNCHANGED
    closed = remote.status is Status.CLOSED
    if link.sync_state is SyncState.PENDING and not closed:
        return Applied.UNCHANGED  # the pending write-back reconciles with this version
    merged = _merged(local, remote, now)
    lost = link.sync_state is SyncState.PENDING and held_view(merged) != held_view(local)
    merged = merged.model_copy(update={"partner_center": remote_link.model_copy(update={
        "sync_state": SyncState.CONFLICT if lost else SyncState.SYNCED,
        "message": _conflict_message(local, remote) if lost else None})})
    event_type, action = _what_happened(local, merged)
    moved = held_view(merged) != held_view(local) or merged.customer_profile != \
        local.customer_profile
    events = own_people_only([make_event(event_type, merged, now)]) if moved else []
    record = history.entry(local, merged, action, PARTNER_CENTER_ACTOR, now) if moved else None
    try:
        rt.ctx.referrals.update(Change(stored, merged, events, record))
    except ConcurrencyConflict:
        raise ConflictRetry from None
    rt.ctx.dispatch(events)
    return Applied.UPDATED if moved else Applied.UNCHANGED


def _merged(local: Referral, remote: Referral, now: datetime) -> Referral:
    """The local referral with everything Partner Center holds taken from Partner Center;
    what stays local: the owner, the fit, the reminder, the source."""
    details = local.details.model_copy(update={
        k: getattr(remote.details, k) for k in ("notes", "deal_value", "currency",
                                                 "closing_date")})
    closing = remote.status is Status.CLOSED and local.status is not Status.CLOSED
    return local.model_copy(update={
        "name": remote.name or local.name, "status": remote.status,
        "substatus": remote.substatus, "status_reason": remote.status_reason,
        "customer_profile": remote.customer_profile, "details": details,
        "external_reference_id": remote.external_reference_id, "team": remote.team,
        "favorite": remote.favorite, "expiration_date_time": remote.expiration_date_time,
        "accepted_date_time": local.accepted_date_time or remote.accepted_date_time,
        "closed_date_time": now if closing else local.closed_date_time,
        "updated_date_time": now})


def _what_happened(before: Referral, after: Referral) -> tuple[EventType, HistoryAction]:
    if after.status is Status.CLOSED and before.status is not Status.CLOSED:
        return _CLOSING.get(after.substatus, (EventType.UPDATED, HistoryAction.EDITED))
    if after.status is Status.ACTIVE and before.status is Status.NEW:
        return EventType.ACCEPTED, HistoryAction.ACCEPTED
    return EventType.UPDATED, HistoryAction.EDITED


def _conflict_message(local: Referral, remote: Referral) -> str:
    return (f"Partner Center had already closed it as {remote.substatus.value}; the local "
            f"change ({local.status.value}/{local.substatus.value}) was not applied there.")
