"""Correctness under load on Table Storage: the fan-out expiry, accepts and declines racing
on one partner; afterwards every index row and every summary equals a full recount."""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import replace

from shared.domain.commands import AcceptRequest, DeclineRequest, IntakeRequest
from shared.domain.enums import Substatus
from shared.domain.errors import InvalidTransition, ReferralExpired
from shared.domain.models import ProfileInput
from shared.services import insights, profiles
from shared.services import referrals as svc
from tests.integration.test_index_contract import (
    assert_figures_match,
    expected_index,
    recount,
    stored_index,
)
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import Clock
from tests.support.sweeping import expire_now, isolated

ACCEPT = AcceptRequest.model_validate_json(json.dumps(accept_body(closing="2099-01-01")))
DECLINE = DeclineRequest.model_validate_json('{"reason": "NotAFit"}')


def test_racing_expiry_accepts_and_declines_leave_indexes_and_sums_exact(table_context,
                                                                         partner):
    clock = Clock()
    ctx, batches = isolated(replace(table_context, clock=clock), partner)
    profiles.put_profile(ctx, partner, ProfileInput.model_validate_json(
        json.dumps(profile_body())))
    cmd = IntakeRequest.model_validate_json(json.dumps(intake_body(partner)))
    ids = [svc.intake(ctx, cmd).referral.id for _ in range(30)]
    clock.advance(days=14, seconds=-1)  # the window closes while the users act

    def user(rid: str, command) -> None:
        # Losing to the sweep is a refusal that writes nothing, which the recount checks.
        with contextlib.suppress(ReferralExpired, InvalidTransition):
            svc.perform(ctx, partner, rid, command)

    def sweeper() -> None:
        clock.advance(seconds=1)
        expire_now(ctx, batches)

    threads = [threading.Thread(target=user, args=(rid, ACCEPT if i % 3 == 0 else DECLINE))
               for i, rid in enumerate(ids) if i % 3 != 2]
    threads += [threading.Thread(target=sweeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expire_now(ctx, batches)  # whatever the race left due

    referrals = list(ctx.referrals.all_for_partner(partner))
    assert {r.substatus for r in referrals} <= {Substatus.ACCEPTED, Substatus.DECLINED,
                                                Substatus.EXPIRED}
    assert all(r.substatus is Substatus.EXPIRED for r in referrals
               if ids.index(r.id) % 3 == 2)  # nobody answered these
    assert stored_index(ctx, partner) == expected_index(referrals)
    assert_figures_match(insights.insights(ctx, partner), recount(referrals))
    insights.fold_pending(ctx, partner)
    assert_figures_match(insights.insights(ctx, partner), recount(referrals))
