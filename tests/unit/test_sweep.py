import json

import pytest

from shared.domain.commands import AcceptRequest, IntakeRequest
from shared.domain.enums import Substatus
from shared.domain.events import RecipientKind
from shared.domain.models import ProfileInput
from shared.services import profiles
from shared.services import referrals as svc
from shared.services.expiry import sweep
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import MemoryApp


@pytest.fixture
def app() -> MemoryApp:
    a = MemoryApp()
    profiles.put_profile(a.ctx, "p1", ProfileInput.model_validate_json(json.dumps(profile_body())))
    return a


def new(app, sender="msft"):
    return svc.intake(app.ctx, IntakeRequest.model_validate_json(
        json.dumps(intake_body("p1", sender=sender)))).referral.id


def test_sweep_expires_due_and_cleans_stale(app):
    due, answered = new(app), new(app, sender="other-partner")
    svc.perform(app.ctx, "p1", answered, AcceptRequest.model_validate_json(json.dumps(accept_body())))
    app.clock.advance(days=1)
    later = new(app)
    app.clock.advance(days=13, seconds=1)
    result = sweep(app.ctx)
    assert (result.expired, result.stale) == (1, 1)
    assert svc.get(app.ctx, "p1", due).referral.substatus is Substatus.EXPIRED
    assert svc.get(app.ctx, "p1", answered).referral.substatus is Substatus.ACCEPTED
    assert svc.get(app.ctx, "p1", later).referral.substatus is Substatus.RECEIVED
    expired_events = [r.event for r in app.store.outbox.values() if r.event.type == "referral.expired"]
    assert [e.recipient.kind for e in expired_events] == [RecipientKind.MICROSOFT]
    again = sweep(app.ctx)
    assert (again.expired, again.stale) == (0, 0)
    assert len([r for r in app.store.outbox.values() if r.event.type == "referral.expired"]) == 1


def test_sweep_redispatches_old_pending_events(app):
    new(app)
    app.store.sent.clear()  # as if the process died before the enqueue
    assert sweep(app.ctx).redispatched == 0  # too recent: may still be in flight
    app.clock.advance(minutes=11)
    assert sweep(app.ctx).redispatched == 1
    assert len(app.store.sent) == 1


def test_redispatch_alone_requeues_only_old_pending(app):
    from shared.services.expiry import redispatch

    new(app)
    app.store.sent.clear()
    app.clock.advance(minutes=11)
    assert redispatch(app.ctx) == 1
    assert len(app.store.sent) == 1
