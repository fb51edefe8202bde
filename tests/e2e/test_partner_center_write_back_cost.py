"""What a write-back costs the partner in Partner Center requests (contract section 9, Scale
and cost: one GET and one PATCH, plus any 412 rounds), counted by the local simulation while
devhost delivers answers given here. Partner Center's request budget is per partner and
shared with every sync, so a second read per answer halves what a partner can answer a
second."""

from __future__ import annotations

from functools import partial

import pytest

from tests.support.client import Api
from tests.support.devhost_proc import DevHost
from tests.support.factories import accept_body, new_tenant
from tests.support.partner_center_flow import connect, imported, wait_for
from tools.partner_center_sim import SimulatorHandle

pytestmark = pytest.mark.e2e


def synced(api: Api, referral_id: str) -> bool:
    return bool(api.get(f"/referrals/{referral_id}").json()
                ["partnerCenter"]["syncState"] == "synced")


def test_an_answer_given_here_costs_one_get_and_one_patch_there(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant = new_tenant()
    leads = [partner_center.create_referral(tenant, emit=False) for _ in range(2)]
    api = connect(devhost, tenant)
    found = wait_for(lambda: len(i := imported(api)) == 2 and i, "the leads imported")
    before = dict(partner_center.counters()["tenants"][tenant])

    accepted, declined = (found[lead["id"]] for lead in leads)
    assert api.post(f"/referrals/{accepted['id']}/accept", accept_body()).status_code == 200
    assert api.post(f"/referrals/{declined['id']}/decline",
                    {"reason": "NotAFit"}).status_code == 200
    for referral in (accepted, declined):
        wait_for(partial(synced, api, referral["id"]), "the write-back delivered")

    there = [partner_center.referral(tenant, lead["id"]) or {} for lead in leads]
    assert there[0]["status"] == "Active" and there[1]["substatus"] == "Declined"
    after = partner_center.counters()["tenants"][tenant]
    assert after.get("get", 0) - before.get("get", 0) == 2  # one read per answer
    # The decline may take two rounds (New -> Active -> Closed), each a PATCH on the
    # answer of the one before, never a read between.
    assert 2 <= after.get("patch", 0) - before.get("patch", 0) <= 3
    assert after.get("list", 0) == before.get("list", 0)
