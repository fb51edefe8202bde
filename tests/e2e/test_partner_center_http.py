"""The Partner Center connection end to end, against the local simulation over HTTP (no
mocks): an admin connects (PKCE sign-in and callback), the leads come in, an answer given here
reaches Partner Center, and a change made in Partner Center arrives by a signed event as a
change by "Partner Center". The devhost and the simulation are the session's
(tests/support/partner_center.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.support.client import Api
from tests.support.devhost_proc import DevHost
from tests.support.factories import accept_body, new_tenant
from tests.support.partner_center_flow import connect, imported, wait_for
from tools.partner_center_sim import SimulatorHandle

pytestmark = pytest.mark.e2e


def leads_of(sim: SimulatorHandle, tenant: str, ids: list[str]) -> list[str]:
    def is_lead(r: dict[str, Any]) -> bool:
        inviter = ((r.get("inviteContext") or {}).get("invitedBy") or {}).get("organizationId")
        return (r["direction"] == "Incoming" and r["type"] == "Independent"
                and inviter in (None, "", "msft"))
    return [i for i in ids if is_lead(sim.referral(tenant, i) or {})]


def test_connect_import_answer_and_a_change_made_in_partner_center(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant = new_tenant()
    seeded = partner_center.seed(tenant, 12, seed=7)
    api = connect(devhost, tenant)
    connection = wait_for(lambda: (c := api.get("/partner-center/connection").json())
                          ["lastSync"] and c, "the first sync")
    assert connection["state"] == "connected" and connection["webhook"]["state"] == "registered"
    leads = leads_of(partner_center, tenant, seeded)
    found = wait_for(lambda: len(i := imported(api)) == len(leads) and i,
                     "every lead imported")
    assert set(found) == set(leads)  # co-sell and outgoing ones skipped
    assert connection["lastSync"]["imported"] == len(leads)
    assert connection["lastSync"]["skipped"] == len(seeded) - len(leads)

    received = [r for r in found.values() if r["stage"] == "received"]
    target = received[0]
    accepted = api.post(f"/referrals/{target['id']}/accept", accept_body())
    assert accepted.status_code == 200, accepted.text
    there = wait_for(lambda: (r := partner_center.referral(tenant, target["partnerCenter"]["id"]))
                     and r["status"] == "Active" and r, "the accept reaching Partner Center")
    assert there["substatus"] == "Accepted"
    synced = wait_for(lambda: (r := api.get(f"/referrals/{target['id']}").json())
                      ["partnerCenter"]["syncState"] == "synced" and r, "synced")
    assert synced["partnerCenter"]["eTag"] == there["eTag"]

    other = received[1]
    partner_center.change_referral(tenant, other["partnerCenter"]["id"],
                                   {"status": "Closed", "substatus": "Declined"})
    closed = wait_for(lambda: (r := api.get(f"/referrals/{other['id']}").json())
                      ["stage"] == "archived" and r, "the change made in Partner Center")
    assert closed["substatus"] == "Declined"
    history = api.get(f"/referrals/{other['id']}/history").json()["value"]
    assert history[-1]["actor"] == {"id": "partner-center", "name": "Partner Center"}


def test_a_repeated_sync_that_finds_nothing_changes_nothing(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant = new_tenant()
    partner_center.seed(tenant, 5, seed=11)
    api = connect(devhost, tenant)
    wait_for(lambda: api.get("/partner-center/connection").json()["lastSync"], "first sync")
    before = {r["id"]: r["eTag"] for r in imported(api).values()}
    assert api.post("/partner-center/sync").status_code == 202
    again = wait_for(lambda: (c := api.get("/partner-center/connection").json())["lastSync"]
                     ["imported"] == 0 and c, "the second sync")
    assert again["lastSync"]["updated"] == 0
    assert {r["id"]: r["eTag"] for r in imported(api).values()} == before


def test_events_that_do_not_verify_are_refused_and_change_nothing(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant = new_tenant()
    api = connect(devhost, tenant)
    wait_for(lambda: api.get("/partner-center/connection").json()["lastSync"], "first sync")
    lead = partner_center.create_referral(tenant, emit=False)
    sim = partner_center.simulator
    body = (f'{{"EventName":"referral-created","ResourceUri":"{partner_center.api_url}'
            f'/referrals/{lead["id"]}","ResourceName":"referral",'
            f'"AuditUri":null,"ResourceChangeUtcDate":"2026-12-04T10:00:00Z"}}').encode()
    url = wait_for(lambda: _event_url(partner_center, tenant), "a registration")
    for forgery in ("wrong-key", "self-signed", "wrong-organization", "expired",
                    "disallowed-url", "other-algorithm", "missing-signature",
                    "missing-cert-url"):
        headers = {**sim.sign(body, forgery), "Content-Type": "application/json"}
        refused = requests.post(url, data=body, headers=headers, timeout=10)
        assert refused.status_code == 401, (forgery, refused.text)
    headers = {**sim.sign(body), "Content-Type": "application/json"}
    assert requests.post(url.replace(url.rsplit("/", 1)[-1], "0" * 32), data=body,
                         headers=headers, timeout=10).status_code == 404
    time.sleep(1)
    assert lead["id"] not in imported(api)  # nothing read, queued or stored
    assert requests.post(url, data=body, headers=headers, timeout=10).status_code == 200
    wait_for(lambda: lead["id"] in imported(api), "the genuine event's referral")


def _event_url(sim: SimulatorHandle, tenant: str) -> str | None:
    registration = sim.simulator.webhooks.registration(tenant)
    return registration["WebhookUrl"] if registration else None


def test_roles_other_than_admin_are_refused(devhost: DevHost) -> None:
    tenant = new_tenant()
    for role in ("Referrals.User", "Referrals.Intake"):
        api = Api(devhost.base, tenant, role)
        assert api.post("/partner-center/connect").status_code == 403
        assert api.get("/partner-center/connection").status_code == 403
        assert api.post("/partner-center/sync").status_code == 403
