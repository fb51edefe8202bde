"""The referral life cycle as one table: (stage, action) -> resulting state.

Everything that changes a referral's state goes through ``transition``; a pair absent
from the table is not allowed.
"""

from __future__ import annotations

from typing import NamedTuple

from .enums import Action, Stage, Status, Substatus
from .errors import InvalidTransition


class State(NamedTuple):
    status: Status
    substatus: Substatus


RECEIVED = State(Status.NEW, Substatus.RECEIVED)
ACCEPTED = State(Status.ACTIVE, Substatus.ACCEPTED)

# None means "allowed, state unchanged" (edits, team, favorites).
TRANSITIONS: dict[tuple[Stage, Action], State | None] = {
    (Stage.RECEIVED, Action.ACCEPT): ACCEPTED,
    (Stage.RECEIVED, Action.DECLINE): State(Status.CLOSED, Substatus.DECLINED),
    (Stage.RECEIVED, Action.EXPIRE): State(Status.CLOSED, Substatus.EXPIRED),
    (Stage.RECEIVED, Action.FAVORITE): None,
    (Stage.ACCEPTED, Action.EDIT): None,
    (Stage.ACCEPTED, Action.ADD_TEAM_MEMBER): None,
    (Stage.ACCEPTED, Action.REMOVE_TEAM_MEMBER): None,
    (Stage.ACCEPTED, Action.ASSIGN): None,
    (Stage.ACCEPTED, Action.WIN): State(Status.CLOSED, Substatus.WON),
    (Stage.ACCEPTED, Action.LOSE): State(Status.CLOSED, Substatus.LOST),
    (Stage.ACCEPTED, Action.FAVORITE): None,
    (Stage.ARCHIVED, Action.FAVORITE): None,
}


def stage_of(status: Status) -> Stage:
    return {Status.NEW: Stage.RECEIVED, Status.ACTIVE: Stage.ACCEPTED}.get(status, Stage.ARCHIVED)


def transition(current: State, action: Action) -> State:
    """The state after ``action``, or InvalidTransition if the table does not allow it."""
    stage = stage_of(current.status)
    if (stage, action) not in TRANSITIONS:
        raise InvalidTransition(f"Cannot {action.value} a referral that is {stage.value}.")
    return TRANSITIONS[(stage, action)] or current
