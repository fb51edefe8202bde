"""A profile change re-scores received referrals only, through the fan-out workers, and the
fit order follows the new scores."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from shared.domain.commands import AcceptRequest, IntakeRequest
from shared.domain.enums import ListOrder, Stage
from shared.domain.models import ProfileInput
from shared.services import profiles, refit
from shared.services import referrals as svc
from shared.storage.ports import ListQuery
from tests.support.factories import accept_body, intake_body, profile_body
from tests.support.memory_app import Clock
from tests.support.sweeping import isolated, work_all


def _profile(keywords: list[str]) -> ProfileInput:
    return ProfileInput.model_validate_json(json.dumps({**profile_body(), "keywords": keywords}))


def _intake(ctx, partner: str, product: str) -> str:
    body = intake_body(partner)
    body["details"]["requirements"]["products"] = [product]
    return svc.intake(ctx, IntakeRequest.model_validate_json(json.dumps(body))).referral.id


def test_profile_change_rescores_received_only(table_context, partner):
    clock = Clock()
    ctx, batches = isolated(replace(table_context, clock=clock), partner)
    profiles.put_profile(ctx, partner, _profile(["azure"]))
    work_all(ctx, batches.take())
    azure, fabric, taken = (_intake(ctx, partner, p) for p in ("Azure", "Fabric", "Fabric"))
    svc.perform(ctx, partner, taken, AcceptRequest.model_validate_json(json.dumps(accept_body())))
    score = {rid: svc.get(ctx, partner, rid).referral.fit.score for rid in (azure, fabric, taken)}
    assert score[azure] == score[fabric] + 10  # the keyword match

    profiles.put_profile(ctx, partner, _profile(["fabric"]))
    result = work_all(ctx, batches.take())
    assert result.changed == 2  # the two received ones; the accepted one was not even listed
    after = {rid: svc.get(ctx, partner, rid).referral.fit for rid in (azure, fabric, taken)}
    assert after[fabric].score == score[azure] and after[azure].score == score[fabric]
    assert after[taken].score == score[taken]  # decided on the old score: kept
    assert "fabric" in after[fabric].reasons[0].message
    best = svc.list_page(ctx, partner, ListQuery(stage=Stage.RECEIVED,
                                                 order=ListOrder.FIT_DESC), 10, None)
    assert [s.referral.id for s in best.items] == [fabric, azure]

    profiles.put_profile(ctx, partner, _profile(["fabric"]))  # no change: no work
    assert batches.take() == []


class Crash(BaseException):
    """The process dying: no ``except Exception`` in the app catches it."""


class CrashingQueue:
    """The sweep queue of a process that dies on its first enqueue."""

    def __init__(self, inner) -> None:
        self.inner, self.crashes = inner, 1

    def send(self, batch, delay=None) -> None:
        if self.crashes:
            self.crashes -= 1
            raise Crash
        self.inner.send(batch, delay)


class OnlyPartner:
    """Refit marks seen through one test's partner (tests share one Azurite)."""

    def __init__(self, inner, partner: str) -> None:
        self.inner, self.partner = inner, partner

    def mark(self, partner_id, now):
        return self.inner.mark(partner_id, now)

    def clear(self, partner_id, token):
        self.inner.clear(partner_id, token)

    def stale(self, cutoff):
        return (m for m in self.inner.stale(cutoff) if m[0] == self.partner)


def test_rescoring_survives_a_crash_between_the_profile_write_and_the_enqueue(ctx, partner):
    clock = Clock()
    ctx, batches = isolated(replace(ctx, clock=clock), partner)
    ctx = replace(ctx, refits=OnlyPartner(ctx.refits, partner))
    profiles.put_profile(ctx, partner, _profile(["azure"]))
    work_all(ctx, batches.take())
    azure, fabric = (_intake(ctx, partner, p) for p in ("Azure", "Fabric"))
    before = {rid: svc.get(ctx, partner, rid).referral.fit.score for rid in (azure, fabric)}

    dying = replace(ctx, sweeps=replace(ctx.sweeps, queue=CrashingQueue(ctx.sweeps.queue)))
    with pytest.raises(Crash):
        profiles.put_profile(dying, partner, _profile(["fabric"]))
    assert profiles.get_profile(ctx, partner).keywords == ["fabric"]  # saved, not enqueued
    assert batches.take() == []

    clock.advance(minutes=5)  # a change still in flight is not enqueued twice
    assert refit.redispatch(ctx) == 0 and batches.take() == []
    clock.advance(minutes=6)
    assert refit.redispatch(ctx) == 1
    assert work_all(ctx, batches.take()).changed == 2
    after = {rid: svc.get(ctx, partner, rid).referral.fit.score for rid in (azure, fabric)}
    assert after == {azure: before[fabric], fabric: before[azure]}
    clock.advance(minutes=11)
    assert refit.redispatch(ctx) == 0  # done: the mark is gone


def test_a_failed_enqueue_keeps_the_profile_and_rescores_later(ctx, partner):
    clock = Clock()
    ctx, batches = isolated(replace(ctx, clock=clock), partner)
    ctx = replace(ctx, refits=OnlyPartner(ctx.refits, partner))
    profiles.put_profile(ctx, partner, _profile(["azure"]))
    fabric = _intake(ctx, partner, "Fabric")
    work_all(ctx, batches.take())
    score = svc.get(ctx, partner, fabric).referral.fit.score

    class Down:
        def send(self, batch, delay=None):
            raise OSError("queue unavailable")

    # The enqueue fails after the profile is saved: the answer is still the saved profile.
    down = replace(ctx, sweeps=replace(ctx.sweeps, queue=Down()))
    assert profiles.put_profile(down, partner, _profile(["fabric"])).keywords == ["fabric"]
    clock.advance(minutes=11)
    assert refit.redispatch(ctx) == 1
    work_all(ctx, batches.take())
    assert svc.get(ctx, partner, fabric).referral.fit.score == score + 10
