"""The response reminder: while a referral is still received and ``before`` (the setting
RESPONSE_REMINDER_BEFORE) or less is left of its window, its partner is reminded, once.

Pure, like ``operations``: ``now`` and ``before`` are passed in. "Once" is kept by storage,
not here: the reminder's time is written in the same conditional write as its outbox event,
so a second worker that read the same version loses the write and, on fresh data, sees it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from .enums import EventType, Stage
from .events import make_event
from .lifecycle import stage_of
from .models import Referral
from .operations import Result


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
