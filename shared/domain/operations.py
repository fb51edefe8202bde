"""What each action does to a referral. Pure: ``now`` is passed in, nothing is stored here.

Each function returns the new referral and the events it raises; the caller saves both
together (the outbox), so a state change and its notification cannot be separated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from .commands import (
    MAX_TEAM,
    AcceptRequest,
    AddTeamMember,
    AssignRequest,
    DeclineRequest,
    EditRequest,
    IntakeRequest,
    LoseRequest,
    RemoveTeamMember,
    SetFavorite,
    WinRequest,
    closing_date_problem,
)
from .enums import Action, ContactAlert, EventType, Stage
from .errors import FieldError, NotFound, ReferralExpired, RuleViolation
from .events import Event, make_event
from .lifecycle import RECEIVED, State, stage_of, transition
from .models import Details, Referral, TeamMember
from .sources import API_ORIGIN, Origin

Result = tuple[Referral, list[Event]]


def receive(cmd: IntakeRequest, referral_id: str, now: datetime, window: timedelta,
            origin: Origin = API_ORIGIN) -> Result:
    referral = Referral(
        id=referral_id,
        partner_id=cmd.partner_id,
        qualification=cmd.qualification,
        status=RECEIVED.status,
        substatus=RECEIVED.substatus,
        customer_profile=cmd.customer_profile,
        details=Details(
            notes=cmd.details.notes,
            customer_requested_contact=cmd.details.customer_requested_contact,
            requirements=cmd.details.requirements,
        ),
        invited_by=cmd.invited_by,
        created_date_time=now,
        updated_date_time=now,
        expiration_date_time=now + window,
        source=origin.source,
        partner_center=origin.partner_center,
        marketplace=origin.marketplace,
        do_not_contact=origin.do_not_contact,
    )
    return referral, [make_event(EventType.RECEIVED, referral, now)]


def is_past_window(referral: Referral, now: datetime) -> bool:
    return (
        stage_of(referral.status) is Stage.RECEIVED
        and referral.expiration_date_time is not None
        and now >= referral.expiration_date_time
    )


def _respond(referral: Referral, action: Action, now: datetime) -> State:
    # The window rule holds at every moment, whether or not the daily sweep has run.
    state = transition(_state(referral), action)
    if is_past_window(referral, now):
        raise ReferralExpired("The response window for this referral has passed.")
    return state


def accept(referral: Referral, cmd: AcceptRequest, now: datetime) -> Result:
    state = _respond(referral, Action.ACCEPT, now)
    _check_closing_date(cmd.closing_date, now)
    _check_team_size(len(cmd.team))
    details = referral.details.model_copy(
        update={
            "deal_value": cmd.deal_value,
            "currency": cmd.currency,
            "closing_date": cmd.closing_date,
            **({"notes": cmd.notes} if cmd.notes is not None else {}),
        }
    )
    updated = referral.model_copy(
        update={
            "status": state.status,
            "substatus": state.substatus,
            "name": cmd.name,
            "details": details,
            "external_reference_id": cmd.external_reference_id,
            "campaign_id": cmd.campaign_id,
            "team": _merge_team(referral.team, cmd.team),
            "expiration_date_time": None,
            "accepted_date_time": now,
            "updated_date_time": now,
        }
    )
    return updated, [make_event(EventType.ACCEPTED, updated, now)]


def decline(referral: Referral, cmd: DeclineRequest, now: datetime) -> Result:
    state = _respond(referral, Action.DECLINE, now)
    updated = _close(referral, state, now, cmd.reason.value, cmd.notes)
    return updated, [make_event(EventType.DECLINED, updated, now)]


def expire(referral: Referral, now: datetime) -> Result:
    """Archive as Expired; only a received referral past its window qualifies."""
    state = transition(_state(referral), Action.EXPIRE)
    if not is_past_window(referral, now):
        raise ValueError("referral is not past its response window")
    updated = _close(referral, state, now, None, None)
    return updated, [make_event(EventType.EXPIRED, updated, now)]


def edit(referral: Referral, cmd: EditRequest, now: datetime) -> Result:
    transition(_state(referral), Action.EDIT)
    fields = cmd.model_fields_set
    # An unchanged closing date may already be past (the deal slipped); a new one may not.
    if cmd.closing_date is not None and cmd.closing_date != referral.details.closing_date:
        _check_closing_date(cmd.closing_date, now)
    detail_fields = {"deal_value", "currency", "closing_date", "notes"} & fields
    top_fields = {"name", "external_reference_id", "campaign_id"} & fields
    details = referral.details.model_copy(update={f: getattr(cmd, f) for f in detail_fields})
    updated = referral.model_copy(
        update={
            **{f: getattr(cmd, f) for f in top_fields},
            "details": details,
            "updated_date_time": now,
        }
    )
    return updated, [make_event(EventType.UPDATED, updated, now)]


def add_team_member(referral: Referral, cmd: AddTeamMember, now: datetime) -> Result:
    transition(_state(referral), Action.ADD_TEAM_MEMBER)
    team = _merge_team(referral.team, [cmd.member])
    _check_team_size(len(team))
    updated = referral.model_copy(update={"team": team, "updated_date_time": now})
    return updated, [make_event(EventType.UPDATED, updated, now)]


def assign(referral: Referral, cmd: AssignRequest, now: datetime) -> Result:
    transition(_state(referral), Action.ASSIGN)
    if referral.owner == cmd.owner:
        return referral, []  # idempotent: nothing to write
    updated = referral.model_copy(update={"owner": cmd.owner, "updated_date_time": now})
    return updated, [make_event(EventType.UPDATED, updated, now)]


def remove_team_member(referral: Referral, cmd: RemoveTeamMember, now: datetime) -> Result:
    transition(_state(referral), Action.REMOVE_TEAM_MEMBER)
    wanted = cmd.email.strip().lower()
    team = [m for m in referral.team if m.email.lower() != wanted]
    if len(team) == len(referral.team):
        raise NotFound("This referral's team has no member with that e-mail address.")
    updated = referral.model_copy(update={"team": team, "updated_date_time": now})
    return updated, [make_event(EventType.UPDATED, updated, now)]


def win(referral: Referral, cmd: WinRequest, now: datetime) -> Result:
    state = transition(_state(referral), Action.WIN)
    updated = _close(referral, state, now, None, cmd.notes)
    return updated, [make_event(EventType.WON, updated, now)]


def lose(referral: Referral, cmd: LoseRequest, now: datetime) -> Result:
    state = transition(_state(referral), Action.LOSE)
    updated = _close(referral, state, now, cmd.reason.value, cmd.notes)
    return updated, [make_event(EventType.LOST, updated, now)]


def set_favorite(referral: Referral, cmd: SetFavorite, now: datetime) -> Result:
    transition(_state(referral), Action.FAVORITE)
    if referral.favorite == cmd.favorite:
        return referral, []  # idempotent: nothing to write
    return referral.model_copy(update={"favorite": cmd.favorite, "updated_date_time": now}), []


def contact_alert(referral: Referral, now: datetime, window: timedelta) -> ContactAlert | None:
    """The UI's flame: urgent for the first window after arrival, then a reminder."""
    if not referral.details.customer_requested_contact:
        return None
    if stage_of(referral.status) is Stage.ARCHIVED:
        return None
    if now < referral.created_date_time + window:
        return ContactAlert.URGENT
    return ContactAlert.REMINDER


def _state(referral: Referral) -> State:
    return State(referral.status, referral.substatus)


def _close(
    referral: Referral, state: State, now: datetime, reason: str | None, notes: str | None
) -> Referral:
    return referral.model_copy(
        update={
            "status": state.status,
            "substatus": state.substatus,
            "status_reason": reason,
            "closing_notes": notes,
            "expiration_date_time": None,
            "closed_date_time": now,
            "updated_date_time": now,
        }
    )


def _merge_team(team: list[TeamMember], new: list[TeamMember]) -> list[TeamMember]:
    """Adding someone already on the team (same email) updates them instead of duplicating."""
    merged = {m.email.lower(): m for m in team}
    for member in new:
        merged[member.email.lower()] = member
    return list(merged.values())


def _check_team_size(size: int) -> None:
    if size > MAX_TEAM:
        raise RuleViolation(
            f"A referral's team has at most {MAX_TEAM} members.",
            [FieldError("tooMany", f"at most {MAX_TEAM} members", "team")],
        )


def _check_closing_date(closing: date, now: datetime) -> None:
    problem = closing_date_problem(closing, now.date())
    if problem:
        raise RuleViolation("The closing date must not be in the past.",
                            [FieldError("invalidValue", problem, "closing_date")])


Operation = Callable[[Referral, Any, datetime], Result]

# The one table of actions on an existing referral: each command names its operation.
# Services dispatch through it (``services.referrals.perform``); a new action is one row here.
OPERATIONS: dict[type[BaseModel], Operation] = {
    AcceptRequest: accept,
    DeclineRequest: decline,
    EditRequest: edit,
    AddTeamMember: add_team_member,
    RemoveTeamMember: remove_team_member,
    AssignRequest: assign,
    WinRequest: win,
    LoseRequest: lose,
    SetFavorite: set_favorite,
}


# The response reminder: while a referral is still received and ``before`` (the setting
# RESPONSE_REMINDER_BEFORE) or less is left of its window, its partner is reminded, once.
# "Once" is kept by storage, not here: the reminder's time is written in the same
# conditional write as its outbox event, so a second worker that read the same version
# loses the write and, on fresh data, sees it.

class ReminderState(StrEnum):
    DUE = "due"  # remind now
    LATER = "later"  # more than ``before`` left: not yet
    NEVER = "never"  # answered, already reminded, or the window has closed


def reminder_state(referral: Referral, now: datetime, before: timedelta) -> ReminderState:
    expires = referral.expiration_date_time
    if (stage_of(referral.status) is not Stage.RECEIVED or expires is None
            or referral.reminded_date_time is not None or now >= expires):
        return ReminderState.NEVER
    return ReminderState.DUE if now >= expires - before else ReminderState.LATER


def remind(referral: Referral, now: datetime, before: timedelta) -> Result:
    """Mark the referral reminded and raise ``referral.reminder``; only when it is due."""
    if reminder_state(referral, now, before) is not ReminderState.DUE:
        raise ValueError("no reminder is due for this referral")
    # updatedDateTime stays: a reminder is not a change anyone made to the referral.
    updated = referral.model_copy(update={"reminded_date_time": now})
    return updated, [make_event(EventType.REMINDER, updated, now)]
