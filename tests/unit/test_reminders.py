"""Response reminders: the domain rule, and the fan-out timer and workers over memory."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain import operations as ops
from shared.domain.commands import AcceptRequest, IntakeRequest
from shared.domain.enums import EventType
from shared.domain.events import Destination
from shared.domain.models import ProfileInput
from shared.domain.operations import ReminderState, remind, reminder_state
from shared.services import profiles, reminders
from shared.services import referrals as svc
from shared.settings import Settings
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import MemoryApp
from tests.support.sweeping import remind_now, work_all

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WINDOW, BEFORE = timedelta(days=14), timedelta(hours=48)
ACCEPT = AcceptRequest.model_validate_json(json.dumps(accept_body(closing="2099-01-01")))


def received():
    cmd = IntakeRequest.model_validate_json(json.dumps(intake_body("p1")))
    return ops.receive(cmd, "r1", T0, WINDOW)[0]


def test_reminder_is_due_only_in_the_last_hours_of_a_received_referral():
    r = received()
    closes = T0 + WINDOW
    assert reminder_state(r, closes - BEFORE - timedelta(seconds=1), BEFORE) is ReminderState.LATER
    assert reminder_state(r, closes - BEFORE, BEFORE) is ReminderState.DUE
    assert reminder_state(r, closes - timedelta(seconds=1), BEFORE) is ReminderState.DUE
    assert reminder_state(r, closes, BEFORE) is ReminderState.NEVER  # too late to respond
    accepted, _ = ops.accept(r, ACCEPT, T0)
    assert reminder_state(accepted, closes - BEFORE, BEFORE) is ReminderState.NEVER


def test_remind_marks_once_and_tells_the_partner():
    r, now = received(), T0 + WINDOW - timedelta(hours=47)
    reminded, [event] = remind(r, now, BEFORE)
    assert reminded.reminded_date_time == now and reminded.updated_date_time == T0
    [recipient] = event.recipients
    assert (event.type, recipient.destination, recipient.partner_id) == (
        EventType.REMINDER, Destination.PARTNER, "p1")
    assert reminder_state(reminded, now, BEFORE) is ReminderState.NEVER
    with pytest.raises(ValueError):
        remind(reminded, now, BEFORE)


def test_setting_default_and_override():
    base = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
    assert Settings.from_env(base).response_reminder_before == BEFORE
    assert Settings.from_env({**base, "RESPONSE_REMINDER_BEFORE": "PT6H"}
                             ).response_reminder_before == timedelta(hours=6)


@pytest.fixture
def app() -> MemoryApp:
    a = MemoryApp()
    profiles.put_profile(a.ctx, "p1", ProfileInput.model_validate_json(json.dumps(profile_body())))
    return a


def new(app):
    return svc.intake(app.ctx, IntakeRequest.model_validate_json(
        json.dumps(intake_body("p1")))).referral.id


def reminder_events(app):
    """One per reminder (its webhook delivery row; the e-mail rows share the event)."""
    return [r.event for r in app.store.outbox.values() if r.event.type is EventType.REMINDER
            and r.recipient.destination is Destination.PARTNER]


def test_one_reminder_per_received_referral_within_the_window(app):
    waiting, answered = new(app), new(app)
    svc.perform(app.ctx, "p1", answered, ACCEPT)
    app.clock.advance(hours=1)
    later = new(app)
    app.clock.advance(days=12, hours=-1, seconds=-1)  # 48 h + 1 s left for the first two
    assert reminders.start(app.ctx).entries == 0  # the timer reads nothing not yet due
    app.clock.advance(seconds=1)
    first = remind_now(app.ctx, app.batches)
    assert (first.changed, first.stale) == (1, 1)
    assert [e.referral_id for e in reminder_events(app)] == [waiting]
    assert svc.get(app.ctx, "p1", waiting).referral.reminded_date_time == app.clock.now
    app.clock.advance(hours=1)
    second = remind_now(app.ctx, app.batches)  # the next hourly run: only `later` is due
    assert second.changed == 1
    assert sorted(e.referral_id for e in reminder_events(app)) == sorted([waiting, later])
    app.clock.advance(hours=1)
    assert remind_now(app.ctx, app.batches).changed == 0
    assert len(reminder_events(app)) == 2 and not list(
        app.ctx.sweeps.reminders.due(app.clock.now + timedelta(days=30)))


def test_no_reminder_once_the_window_has_closed(app):
    new(app)
    app.clock.advance(days=14)  # the reminder timer did not run in time (an outage)
    result = remind_now(app.ctx, app.batches)
    assert (result.changed, result.stale) == (0, 1) and not reminder_events(app)


def test_duplicate_batches_send_one_reminder(app):
    ids = [new(app) for _ in range(5)]
    app.clock.advance(days=12, hours=1)
    reminders.start(app.ctx)
    reminders.start(app.ctx)
    batches = app.batches.take()
    result = work_all(app.ctx, batches + batches)
    assert result.changed == len(ids)
    assert sorted(e.referral_id for e in reminder_events(app)) == sorted(ids)
