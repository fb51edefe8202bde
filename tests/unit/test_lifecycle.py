import pytest

from shared.domain.enums import Action, Stage, Status, Substatus
from shared.domain.errors import InvalidTransition
from shared.domain.lifecycle import ACCEPTED, RECEIVED, State, stage_of, transition

ARCHIVED = State(Status.CLOSED, Substatus.DECLINED)
STATES = {Stage.RECEIVED: RECEIVED, Stage.ACCEPTED: ACCEPTED, Stage.ARCHIVED: ARCHIVED}

# The contract's table, written out independently of the implementation's.
EXPECTED = {
    (Stage.RECEIVED, Action.ACCEPT): (Status.ACTIVE, Substatus.ACCEPTED),
    (Stage.RECEIVED, Action.DECLINE): (Status.CLOSED, Substatus.DECLINED),
    (Stage.RECEIVED, Action.EXPIRE): (Status.CLOSED, Substatus.EXPIRED),
    (Stage.RECEIVED, Action.FAVORITE): (Status.NEW, Substatus.RECEIVED),
    (Stage.ACCEPTED, Action.EDIT): (Status.ACTIVE, Substatus.ACCEPTED),
    (Stage.ACCEPTED, Action.ADD_TEAM_MEMBER): (Status.ACTIVE, Substatus.ACCEPTED),
    (Stage.ACCEPTED, Action.REMOVE_TEAM_MEMBER): (Status.ACTIVE, Substatus.ACCEPTED),
    (Stage.ACCEPTED, Action.ASSIGN): (Status.ACTIVE, Substatus.ACCEPTED),
    (Stage.ACCEPTED, Action.WIN): (Status.CLOSED, Substatus.WON),
    (Stage.ACCEPTED, Action.LOSE): (Status.CLOSED, Substatus.LOST),
    (Stage.ACCEPTED, Action.FAVORITE): (Status.ACTIVE, Substatus.ACCEPTED),
    (Stage.ARCHIVED, Action.FAVORITE): (Status.CLOSED, Substatus.DECLINED),
}


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("action", list(Action))
def test_every_stage_action_pair(stage: Stage, action: Action) -> None:
    expected = EXPECTED.get((stage, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            transition(STATES[stage], action)
    else:
        assert tuple(transition(STATES[stage], action)) == expected


@pytest.mark.parametrize("status,stage", [
    (Status.NEW, Stage.RECEIVED), (Status.ACTIVE, Stage.ACCEPTED), (Status.CLOSED, Stage.ARCHIVED),
])
def test_stage_of_status(status: Status, stage: Stage) -> None:
    assert stage_of(status) is stage


@pytest.mark.parametrize("sub", [Substatus.WON, Substatus.LOST, Substatus.EXPIRED])
def test_archived_is_terminal_whatever_the_substatus(sub: Substatus) -> None:
    for action in Action:
        if action is Action.FAVORITE:
            continue
        with pytest.raises(InvalidTransition):
            transition(State(Status.CLOSED, sub), action)
