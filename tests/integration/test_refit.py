"""A profile change re-scores received referrals only, through the fan-out workers, and the
fit order follows the new scores."""

from __future__ import annotations

import json
from dataclasses import replace

from shared.domain.commands import AcceptRequest, IntakeRequest
from shared.domain.enums import ListOrder, Stage
from shared.domain.models import ProfileInput
from shared.services import profiles
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
