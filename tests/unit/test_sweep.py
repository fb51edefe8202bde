"""The fan-out expiry sweep over the in-memory store: timer, batches, workers, crashes."""

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.domain.commands import AcceptRequest, IntakeRequest
from shared.domain.enums import EventType, Substatus
from shared.domain.events import Destination
from shared.domain.models import ProfileInput
from shared.services import expiry, profiles
from shared.services import referrals as svc
from shared.services.fanout import MAX_ENTRIES
from shared.services.sweep_worker import BatchIncomplete
from shared.storage.ports import ConcurrencyConflict
from shared.storage.ports.sweeps import SweepKind
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import MemoryApp
from tests.support.sweeping import expire_now, work_all

ACCEPT = AcceptRequest.model_validate_json(json.dumps(accept_body(closing="2099-01-01")))


@pytest.fixture
def app() -> MemoryApp:
    return MemoryApp()


def new(app, partner="p1", sender="msft"):
    if app.store.get_profile(partner) is None:
        profiles.put_profile(app.ctx, partner,
                             ProfileInput.model_validate_json(json.dumps(profile_body())))
    return svc.intake(app.ctx, IntakeRequest.model_validate_json(
        json.dumps(intake_body(partner, sender=sender)))).referral.id


def state(app, rid, partner="p1"):
    return svc.get(app.ctx, partner, rid).referral.substatus


def expired_events(app):
    # One per event (each has a delivery per recipient).
    return list({d.event.id: d.event for d in app.store.outbox.values()
                 if d.event.type is EventType.EXPIRED}.values())


def test_sweep_expires_due_and_cleans_stale(app):
    due, answered = new(app), new(app, sender="other-partner")
    svc.perform(app.ctx, "p1", answered, ACCEPT)
    app.clock.advance(days=1)
    later = new(app)
    app.clock.advance(days=13, seconds=1)
    result = expire_now(app.ctx, app.batches)
    assert (result.changed, result.stale) == (1, 1)
    assert state(app, due) is Substatus.EXPIRED
    assert state(app, answered) is Substatus.ACCEPTED
    assert state(app, later) is Substatus.RECEIVED
    assert [d.destination for e in expired_events(app) for d in e.recipients] == [
        Destination.PARTNER, Destination.MICROSOFT]
    again = expire_now(app.ctx, app.batches)
    assert (again.changed, again.stale) == (0, 0)
    assert len(expired_events(app)) == 1


def test_batches_expire_everything_due_and_nothing_not_due(app):
    due = [(p, new(app, p)) for p in ("p1", "p2", "p3") for _ in range(45)]
    app.clock.advance(hours=12)
    later_today = [(p, new(app, p)) for p in ("p1", "p2")]  # due at 21:00, swept at 09:00
    app.clock.advance(days=14, hours=-12, seconds=1)
    started = expiry.start(app.ctx)
    # The same queue carries the folds of the intakes' summary deltas: not this test's.
    batches = [b for b in app.batches.take() if b.kind is SweepKind.EXPIRE]
    # Index rows carry the moment: what is due later today is not even enqueued.
    assert started.fanned.entries == len(due)
    assert all(0 < len(b.entries) <= MAX_ENTRIES for b in batches) and len(batches) > 1
    assert sorted(e for b in batches for e in b.entries) == sorted(
        app.ctx.sweeps.expiry.due(app.clock.now))
    result = work_all(app.ctx, batches)
    assert (result.changed, result.waiting) == (len(due), 0)
    assert all(state(app, rid, p) is Substatus.EXPIRED for p, rid in due)
    assert all(state(app, rid, p) is Substatus.RECEIVED for p, rid in later_today)
    assert sorted(e.referral_id for e in expired_events(app)) == sorted(r for _, r in due)
    assert not list(app.ctx.sweeps.expiry.due(app.clock.now))
    tonight = app.clock.now + timedelta(hours=12)
    left = {e.referral_id for e in app.ctx.sweeps.expiry.due(tonight)}
    assert left == {rid for _, rid in later_today}  # only what is not yet due stays


def test_sweep_redispatches_old_pending_events(app):
    new(app)
    app.store.sent.clear()  # as if the process died before the enqueue
    assert expiry.start(app.ctx).redispatched == 0  # too recent: may still be in flight
    app.clock.advance(minutes=11)
    assert expiry.start(app.ctx).redispatched == 2  # the webhook and the e-mail
    assert len(app.store.sent) == 2


def test_redispatch_alone_requeues_only_old_pending(app):
    new(app)
    app.store.sent.clear()
    app.clock.advance(minutes=11)
    assert expiry.redispatch(app.ctx) == 2  # the webhook and the e-mail
    assert len(app.store.sent) == 2


def test_worker_dying_after_commit_loses_nothing_and_expires_nothing_twice(app, monkeypatch):
    ids = [new(app) for _ in range(10)]
    app.clock.advance(days=14, seconds=1)
    index = app.ctx.sweeps.expiry
    monkeypatch.setattr(type(index), "drop", _crash)
    with pytest.raises(RuntimeError):
        expire_now(app.ctx, app.batches)  # committed, then died before deleting its rows
    monkeypatch.undo()
    assert all(state(app, rid) is Substatus.EXPIRED for rid in ids)
    assert len(list(index.due(app.clock.now))) == len(ids)
    again = expire_now(app.ctx, app.batches)  # the next run finds them done
    assert (again.changed, again.stale) == (0, len(ids))
    assert len(expired_events(app)) == len(ids)
    assert not list(index.due(app.clock.now))


def test_worker_dying_before_commit_loses_nothing(app, monkeypatch):
    ids = [new(app) for _ in range(6)]
    app.clock.advance(days=14, seconds=1)
    monkeypatch.setattr(type(app.store), "update_many", _crash)
    with pytest.raises(RuntimeError):
        expire_now(app.ctx, app.batches)
    monkeypatch.undo()
    assert all(state(app, rid) is Substatus.RECEIVED for rid in ids) and not expired_events(app)
    assert expire_now(app.ctx, app.batches).changed == len(ids)
    assert len(expired_events(app)) == len(ids)


def test_duplicate_and_overlapping_batches_are_harmless(app):
    ids = [new(app, p) for p in ("p1", "p2") for _ in range(8)]
    app.clock.advance(days=14, seconds=1)
    expiry.start(app.ctx)
    expiry.start(app.ctx)  # an overlapping run enqueues the same entries again
    batches = app.batches.take()
    first = work_all(app.ctx, batches)
    replay = work_all(app.ctx, batches)  # and every message delivered once more
    assert first.changed == len(ids) and first.stale == len(ids)
    assert (replay.changed, replay.stale) == (0, 2 * len(ids))
    assert sorted(e.referral_id for e in expired_events(app)) == sorted(ids)


def test_accept_racing_the_worker_keeps_the_accept(app, monkeypatch):
    ids = [new(app) for _ in range(4)]
    app.clock.advance(days=14, seconds=1)
    expiry.start(app.ctx)
    reads = app.ctx.sweeps.reads
    original = type(reads).get_many

    def read_then_user_accepts(self, partner_id, referral_ids):
        found = original(self, partner_id, referral_ids)
        if state(app, ids[1]) is Substatus.RECEIVED:
            _user_accepts_just_in_time(app, ids[1])  # between the worker's read and write
        return found

    monkeypatch.setattr(type(reads), "get_many", read_then_user_accepts)
    result = work_all(app.ctx, app.batches.take())
    assert (result.changed, result.stale) == (3, 1)
    assert state(app, ids[1]) is Substatus.ACCEPTED
    assert all(state(app, rid) is Substatus.EXPIRED for rid in ids if rid != ids[1])
    assert sorted(e.referral_id for e in expired_events(app)) == sorted(
        rid for rid in ids if rid != ids[1])


def test_referral_that_keeps_changing_is_retried_later_not_lost(app, monkeypatch):
    ids = [new(app) for _ in range(3)]
    app.clock.advance(days=14, seconds=1)
    monkeypatch.setattr(type(app.store), "update_many", _conflict)
    expiry.start(app.ctx)
    with pytest.raises(BatchIncomplete):
        work_all(app.ctx, app.batches.take())
    monkeypatch.undo()
    assert len(list(app.ctx.sweeps.expiry.due(app.clock.now))) == len(ids)  # rows kept
    assert expire_now(app.ctx, app.batches).changed == len(ids)


def test_a_partners_expiry_notices_leave_in_one_message(app, monkeypatch):
    ids = [new(app) for _ in range(10)]  # more than one update_many holds
    app.clock.advance(days=14, seconds=1)
    expiry.start(app.ctx)
    messages: list[list[str]] = []
    send_batch = type(app.store).send_batch

    def counted(self, partner_id, delivery_ids):
        messages.append(list(delivery_ids))
        send_batch(self, partner_id, delivery_ids)

    monkeypatch.setattr(type(app.store), "send_batch", counted)
    assert work_all(app.ctx, app.batches.take()).changed == len(ids)
    assert [len(m) for m in messages] == [2 * len(ids)]  # the partner and Microsoft, each


def test_index_row_without_referral_is_stale_unless_its_intake_may_be_in_flight():
    app = MemoryApp(settings=replace(MemoryApp().settings, response_window=timedelta(seconds=1)))
    rid = new(app)
    del app.store.referrals[("p1", rid)]  # as if the intake died after writing its index rows
    app.clock.advance(seconds=2)  # due already, but an intake may still be committing
    assert expire_now(app.ctx, app.batches).waiting == 1
    app.clock.advance(minutes=6)
    assert expire_now(app.ctx, app.batches).stale == 1
    assert not list(app.ctx.sweeps.expiry.due(app.clock.now))


def _user_accepts_just_in_time(app, rid):
    """The user's request decided and wrote while the window was still open."""
    now = app.clock.now
    app.clock.now = app.store.get("p1", rid).referral.expiration_date_time - timedelta(seconds=1)
    svc.perform(app.ctx, "p1", rid, ACCEPT)
    app.clock.now = now


def _crash(*args, **kwargs):
    raise RuntimeError("worker died")


def _conflict(*args, **kwargs):
    raise ConcurrencyConflict("changed")
