"""A referral's history: one entry per change, saying who did what and which fields moved.

Entries are built here from the referral before and after a change (pure), and stored by the
repository in the change's own transaction: no change without its entry, no entry without
its change. Field names are the API's (camelCase), values as the API shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from .commands import (
    AcceptRequest,
    AddTeamMember,
    AssignRequest,
    DeclineRequest,
    EditRequest,
    LoseRequest,
    RemoveTeamMember,
    SetFavorite,
    WinRequest,
)
from .models import Referral


class HistoryAction(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EDITED = "edited"
    ASSIGNED = "assigned"
    TEAM_MEMBER_ADDED = "teamMemberAdded"
    TEAM_MEMBER_REMOVED = "teamMemberRemoved"
    FAVORITED = "favorited"
    UNFAVORITED = "unfavorited"
    WON = "won"
    LOST = "lost"
    EXPIRED = "expired"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str  # the caller's object id, or "system"
    name: str | None = None


SYSTEM = Actor(id="system", name="System")


class HistoryEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    actor: Actor
    action: HistoryAction
    changes: dict[str, dict[str, Any]]  # field -> {"old": ..., "new": ...}


ACTIONS: dict[type[BaseModel], Callable[[Any], HistoryAction]] = {
    AcceptRequest: lambda _: HistoryAction.ACCEPTED,
    DeclineRequest: lambda _: HistoryAction.DECLINED,
    EditRequest: lambda _: HistoryAction.EDITED,
    AssignRequest: lambda _: HistoryAction.ASSIGNED,
    AddTeamMember: lambda _: HistoryAction.TEAM_MEMBER_ADDED,
    RemoveTeamMember: lambda _: HistoryAction.TEAM_MEMBER_REMOVED,
    SetFavorite: lambda c: HistoryAction.FAVORITED if c.favorite else HistoryAction.UNFAVORITED,
    WinRequest: lambda _: HistoryAction.WON,
    LoseRequest: lambda _: HistoryAction.LOST,
}


def action_of(command: BaseModel) -> HistoryAction:
    return ACTIONS[type(command)](command)


def _fields(r: Referral) -> dict[str, Any]:
    """The fields a history entry tracks, in their wire form."""
    d = r.details
    return {
        "status": r.status.value, "substatus": r.substatus.value,
        "statusReason": r.status_reason, "closingNotes": r.closing_notes, "name": r.name,
        "dealValue": float(d.deal_value) if d.deal_value is not None else None,
        "currency": d.currency,
        "closingDate": d.closing_date.isoformat() if d.closing_date else None,
        "notes": d.notes, "externalReferenceId": r.external_reference_id,
        "campaignId": r.campaign_id,
        "owner": r.owner.model_dump(mode="json", by_alias=True) if r.owner else None,
        "team": [m.model_dump(mode="json", by_alias=True) for m in r.team],
        "favorite": r.favorite,
    }


def entry(before: Referral | None, after: Referral, action: HistoryAction, actor: Actor,
          now: datetime) -> HistoryEntry:
    old = _fields(before) if before is not None else {}
    new = _fields(after)
    changes = {k: {"old": old.get(k), "new": v} for k, v in new.items()
               if old.get(k) != v and not (before is None and v in (None, [], False))}
    return HistoryEntry(at=now, actor=actor, action=action, changes=changes)
