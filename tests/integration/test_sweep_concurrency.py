"""The fan-out sweeps against real Table Storage: overlapping timer runs, parallel workers,
user actions racing them, and workers that die part-way."""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.domain.commands import AcceptRequest, IntakeRequest
from shared.domain.enums import EventType, Substatus
from shared.domain.errors import InvalidTransition, ReferralExpired
from shared.domain.models import ProfileInput
from shared.services import expiry, profiles, reminders, sweeps
from shared.services import referrals as svc
from shared.services.sweep_worker import BatchIncomplete
from shared.storage.layout.deliveries import entity_to_delivery
from shared.storage.ports.sweeps import SweepBatch
from shared.storage.tables.sweeps import TableDueIndex
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import Clock
from tests.support.sweeping import expire_now, isolated, work_all

ACCEPT = AcceptRequest.model_validate_json(json.dumps(accept_body(closing="2099-01-01")))


@pytest.fixture
def setup(table_context, partner):
    clock = Clock()
    ctx, batches = isolated(replace(table_context, clock=clock), partner)
    profiles.put_profile(ctx, partner, ProfileInput.model_validate_json(json.dumps(profile_body())))
    return ctx, batches, clock


def intake(ctx, partner: str, n: int) -> list[str]:
    cmd = IntakeRequest.model_validate_json(json.dumps(intake_body(partner)))
    return [svc.intake(ctx, cmd).referral.id for _ in range(n)]


def run_in_parallel(ctx, batches: list[SweepBatch], workers: int) -> None:
    """Workers take batches off a shared queue, as host instances do; a batch that raises
    BatchIncomplete is retried, as the host retries its message."""
    todo: queue.Queue[SweepBatch] = queue.Queue()
    for batch in batches:
        todo.put(batch)

    def worker() -> None:
        while True:
            try:
                batch = todo.get_nowait()
            except queue.Empty:
                return
            try:
                sweeps.work(ctx, batch)
            except BatchIncomplete:
                todo.put(batch)

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_overlapping_runs_and_parallel_workers_racing_accepts(setup, partner):
    ctx, batches, clock = setup
    ids = intake(ctx, partner, 24)
    clock.advance(days=14, seconds=1)
    expiry.start(ctx)
    expiry.start(ctx)  # the host fired the timer twice: every entry is enqueued twice
    outcomes: dict[str, str] = {}

    def user(rid: str) -> None:  # a request that read the referral just before the window closed
        own = replace(ctx, clock=lambda: clock.now.replace(microsecond=0) - timedelta(seconds=2))
        try:
            svc.perform(own, partner, rid, ACCEPT)
            outcomes[rid] = "accepted"
        except (ReferralExpired, InvalidTransition) as exc:
            outcomes[rid] = type(exc).__name__

    users = [threading.Thread(target=user, args=(rid,)) for rid in ids[::2]]
    for t in users:
        t.start()
    run_in_parallel(ctx, batches.take(), workers=4)
    for t in users:
        t.join()
    expire_now(ctx, batches)  # a later run finds nothing new to do

    states = {rid: svc.get(ctx, partner, rid).referral.substatus for rid in ids}
    assert set(states.values()) <= {Substatus.ACCEPTED, Substatus.EXPIRED}
    assert all((states[rid] is Substatus.ACCEPTED) == (outcomes.get(rid) == "accepted")
               for rid in ids)
    expired = sorted(rid for rid, s in states.items() if s is Substatus.EXPIRED)
    assert sorted(e.referral_id for e in _events(ctx, partner, EventType.EXPIRED)) == expired
    assert len(expired) >= len(ids) // 2
    assert not list(ctx.sweeps.expiry.due(clock.now))


def test_worker_dying_before_commit_then_after_commit(setup, partner, monkeypatch):
    ctx, batches, clock = setup
    ids = intake(ctx, partner, 6)
    clock.advance(days=1)
    ids += intake(ctx, partner, 6)  # two index partitions (due days)
    clock.advance(days=14, seconds=1)
    monkeypatch.setattr(ctx.referrals, "update_many", _crash)
    with pytest.raises(RuntimeError):
        expire_now(ctx, batches)  # died before committing anything
    monkeypatch.undo()
    assert {svc.get(ctx, partner, rid).referral.substatus for rid in ids} == {Substatus.RECEIVED}
    monkeypatch.setattr(TableDueIndex, "drop", _crash)
    with pytest.raises(RuntimeError):
        expire_now(ctx, batches)  # committed, then died before deleting the index rows
    monkeypatch.undo()
    assert {svc.get(ctx, partner, rid).referral.substatus for rid in ids} == {Substatus.EXPIRED}
    assert len(list(ctx.sweeps.expiry.due(clock.now))) == 12
    result = expire_now(ctx, batches)  # the next run finds them done and cleans up
    assert (result.changed, result.stale) == (0, 12)
    assert sorted(e.referral_id for e in _events(ctx, partner, EventType.EXPIRED)) == sorted(ids)
    assert not list(ctx.sweeps.expiry.due(clock.now))


def test_a_message_delivered_again_after_its_rows_are_gone(setup, partner):
    ctx, batches, clock = setup
    ids = intake(ctx, partner, 5)
    clock.advance(days=14, seconds=1)
    expiry.start(ctx)
    [batch] = batches.take()
    assert work_all(ctx, [batch]).changed == 5
    again = work_all(ctx, [batch])  # its index rows were deleted: dropping them is no error
    assert (again.changed, again.stale) == (0, 5)
    assert len(_events(ctx, partner, EventType.EXPIRED)) == len(ids)


def test_reminders_exactly_once_with_overlapping_runs_and_accepts(setup, partner):
    ctx, batches, clock = setup
    ids = intake(ctx, partner, 20)
    clock.advance(days=12, hours=1)
    reminders.start(ctx)
    reminders.start(ctx)
    accepted = ids[::5]
    users = [threading.Thread(target=svc.perform, args=(ctx, partner, rid, ACCEPT))
             for rid in accepted]
    for t in users:
        t.start()
    run_in_parallel(ctx, batches.take(), workers=4)
    for t in users:
        t.join()
    reminders.start(ctx)
    run_in_parallel(ctx, batches.take(), workers=2)
    reminded = [e.referral_id for e in _events(ctx, partner, EventType.REMINDER)]
    assert len(reminded) == len(set(reminded))  # never twice
    assert set(ids) - set(accepted) <= set(reminded)  # every one still received got it
    for rid in ids:
        stored = svc.get(ctx, partner, rid).referral
        assert (stored.reminded_date_time is not None) == (rid in reminded)
    assert not list(ctx.sweeps.reminders.due(clock.now + timedelta(days=30)))


def _events(ctx, partner: str, kind: EventType):
    table = ctx.referrals._t  # the same Referrals table: outbox rows share the partition
    rows = table.query_entities("PartitionKey eq @pk and RowKey ge 'o' and RowKey lt 'p'",
                                parameters={"pk": partner})
    # One per event: each event has a delivery row per recipient.
    return list({d.event.id: d.event for d in map(entity_to_delivery, rows)
                 if d.event.type is kind}.values())


def _crash(*args, **kwargs):
    raise RuntimeError("worker died")
