"""The sweep against real Table Storage, overlapping with itself and with user actions."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta

from shared.domain.commands import AcceptRequest, IntakeRequest
from shared.domain.enums import EventType, Substatus
from shared.domain.errors import InvalidTransition, ReferralExpired
from shared.domain.models import ProfileInput
from shared.services import profiles
from shared.services import referrals as svc
from shared.services.expiry import sweep
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import Clock


def test_double_fired_sweep_racing_accepts(table_context, partner):
    clock = Clock()
    ctx = replace(table_context, clock=clock)
    profiles.put_profile(ctx, partner, ProfileInput.model_validate_json(json.dumps(profile_body())))
    ids = [svc.intake(ctx, IntakeRequest.model_validate_json(json.dumps(intake_body(partner))))
           .referral.id for _ in range(24)]
    accept = AcceptRequest.model_validate_json(json.dumps(accept_body(closing="2099-01-01")))
    # Just before the window closes users try to accept half of them, while the host fires
    # the timer twice; the window closes in the middle of it all.
    clock.advance(days=14, seconds=-1)
    outcomes: dict[str, str] = {}

    def user(rid: str) -> None:
        try:
            svc.perform(ctx, partner, rid, accept)
            outcomes[rid] = "accepted"
        except (ReferralExpired, InvalidTransition) as exc:
            outcomes[rid] = type(exc).__name__

    def timer() -> None:
        clock.advance(seconds=2)
        sweep(ctx)

    threads = [threading.Thread(target=user, args=(rid,)) for rid in ids[::2]]
    threads += [threading.Thread(target=timer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sweep(ctx)  # a later run finds nothing new to do

    for rid in ids:
        state = svc.get(ctx, partner, rid).referral.substatus
        assert state in (Substatus.ACCEPTED, Substatus.EXPIRED)
        if outcomes.get(rid) == "accepted":
            assert state is Substatus.ACCEPTED
        else:
            assert state is Substatus.EXPIRED
    expired_events = [
        r.event for r in _outbox(ctx, partner) if r.event.type is EventType.EXPIRED
    ]
    expired = [rid for rid in ids if svc.get(ctx, partner, rid).referral.substatus
               is Substatus.EXPIRED]
    assert sorted(e.referral_id for e in expired_events) == sorted(expired)
    assert len(expired) >= len(ids) // 2
    assert not [e for e in ctx.referrals.due_for_expiry(clock.now + timedelta(days=1))
                if e.partner_id == partner]


def _outbox(ctx, partner):
    table = ctx.referrals._t  # the same Referrals table: outbox rows share the partition
    from shared.storage.mapping import entity_to_outbox

    rows = table.query_entities("PartitionKey eq @pk and RowKey ge 'o' and RowKey lt 'p'",
                                parameters={"pk": partner})
    return [entity_to_outbox(e) for e in rows]
