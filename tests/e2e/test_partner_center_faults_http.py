"""Partner Center when things go wrong, against the local simulation over HTTP: a stale eTag,
throttling and outages with Retry-After, a referral Partner Center closed meanwhile (its state
wins, visibly), a refused refresh token (write-backs held, then delivered after reconnecting),
duplicate and late events, and disconnecting."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support.client import Api
from tests.support.devhost_proc import DevHost
from tests.support.factories import accept_body, new_tenant
from tests.support.partner_center_flow import connect, imported, wait_for
from tools.partner_center_sim import SimulatorHandle

pytestmark = pytest.mark.e2e


def connected_with_one_lead(devhost: DevHost, sim: SimulatorHandle
                            ) -> tuple[str, Api, dict[str, Any]]:
    tenant = new_tenant()
    lead = sim.create_referral(tenant, emit=False)
    api = connect(devhost, tenant)
    found = wait_for(lambda: imported(api).get(lead["id"]), "the lead imported")
    return tenant, api, found


def write_backs(api: Api, referral_id: str) -> list[dict[str, Any]]:
    rows = api.get("/notifications", params={"top": "100"}).json()["value"]
    return [n for n in rows
            if n["destination"] == "partnerCenter" and n["referralId"] == referral_id]


def pc_state(sim: SimulatorHandle, tenant: str, pc_id: str) -> tuple[str, str]:
    there = sim.referral(tenant, pc_id) or {}
    return there.get("status", ""), there.get("substatus", "")


def test_a_stale_etag_and_throttling_are_retried_until_partner_center_matches(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant, api, lead = connected_with_one_lead(devhost, partner_center)
    pc_id = lead["partnerCenter"]["id"]
    partner_center.add_fault("patch", 412, count=1, tenant=tenant)
    partner_center.add_fault("get", 429, count=1, tenant=tenant, retry_after=1)
    partner_center.add_fault("patch", 503, count=1, tenant=tenant, retry_after=1)
    assert api.post(f"/referrals/{lead['id']}/accept", accept_body()).status_code == 200
    wait_for(lambda: pc_state(partner_center, tenant, pc_id) == ("Active", "Accepted"),
             "the accept reaching Partner Center through the faults")
    delivered = wait_for(lambda: [n for n in write_backs(api, lead["id"])
                                  if n["state"] == "delivered"], "the write-back delivered")
    assert delivered[0]["attempts"] >= 2  # the 503 cost an attempt; the 412 and 429 did not


def test_partner_center_closing_it_first_wins_and_says_so(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant, api, lead = connected_with_one_lead(devhost, partner_center)
    pc_id = lead["partnerCenter"]["id"]
    partner_center.change_referral(tenant, pc_id, {"status": "Closed", "substatus": "Expired"},
                                   emit=False)  # closed there; its event is lost
    assert api.post(f"/referrals/{lead['id']}/accept", accept_body()).status_code == 200
    settled = wait_for(lambda: (r := api.get(f"/referrals/{lead['id']}").json())
                       ["partnerCenter"]["syncState"] == "conflict" and r, "the conflict")
    assert (settled["status"], settled["substatus"]) == ("Closed", "Expired")
    assert "Partner Center" in settled["partnerCenter"]["message"]
    assert pc_state(partner_center, tenant, pc_id) == ("Closed", "Expired")  # not overwritten
    history = api.get(f"/referrals/{lead['id']}/history").json()["value"]
    last = history[-1]
    assert last["actor"]["name"] == "Partner Center"
    assert last["changes"]["substatus"] == {"old": "Accepted", "new": "Expired"}  # both sides


def test_a_refused_refresh_token_holds_write_backs_until_the_admin_reconnects(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant, api, lead = connected_with_one_lead(devhost, partner_center)
    pc_id = lead["partnerCenter"]["id"]
    partner_center.revoke(tenant)
    requests.post(f"{partner_center.url}/_sim/tenants/{tenant}/expire-access-tokens",
                  timeout=10)
    assert api.post(f"/referrals/{lead['id']}/accept", accept_body()).status_code == 200
    wait_for(lambda: api.get("/partner-center/connection").json()["state"]
             == "reconnectRequired", "reconnect required")
    pending = wait_for(lambda: [n for n in write_backs(api, lead["id"])
                                if n["state"] == "pending" and "connect again"
                                in (n["lastError"] or "")], "the write-back waiting")
    assert pending and pc_state(partner_center, tenant, pc_id) == ("New", "Received")
    connect(devhost, tenant, profile=False)
    wait_for(lambda: pc_state(partner_center, tenant, pc_id) == ("Active", "Accepted"),
             "the held write-back delivered after reconnecting", timeout=60)


def test_duplicate_and_late_events_leave_one_referral_in_partner_centers_state(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant, api, lead = connected_with_one_lead(devhost, partner_center)
    pc_id = lead["partnerCenter"]["id"]
    partner_center.change_referral(tenant, pc_id, {"status": "Closed", "substatus": "Declined"})
    for _ in range(3):  # the same event again, and the old referral-created late
        for name in ("referral-updated", "referral-created"):
            requests.post(f"{partner_center.url}/_sim/tenants/{tenant}/referrals/{pc_id}/events",
                          json={"eventName": name}, timeout=10)
    wait_for(lambda: api.get(f"/referrals/{lead['id']}").json()["stage"] == "archived",
             "the decline made in Partner Center")
    wait_for(lambda: all(d["state"] != "pending" for d in partner_center.deliveries(tenant)),
             "every event delivered")
    ours = [r for r in imported(api).values() if r["partnerCenter"]["id"] == pc_id]
    assert len(ours) == 1 and ours[0]["substatus"] == "Declined"
    history = api.get(f"/referrals/{lead['id']}/history").json()["value"]
    assert [h["action"] for h in history] == ["received", "declined"]  # no repeats


def test_disconnecting_stops_events_and_keeps_the_referrals(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant, api, lead = connected_with_one_lead(devhost, partner_center)
    registration = partner_center.simulator.webhooks.registration(tenant)
    assert api.call("DELETE", "/partner-center/connection").status_code == 204
    assert api.get("/partner-center/connection").json()["state"] == "disconnected"
    body = b'{"EventName":"referral-updated","ResourceUri":"x/referrals/' \
        + lead["partnerCenter"]["id"].encode() + b'"}'
    headers = {**partner_center.simulator.sign(body), "Content-Type": "application/json"}
    answer = requests.post(registration["WebhookUrl"], data=body, headers=headers, timeout=10)
    assert answer.status_code == 404
    assert lead["id"] in {r["id"] for r in imported(api).values()}
    assert api.post("/partner-center/sync").status_code == 409


def test_another_connectors_registration_is_left_alone_until_taken_over(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant = new_tenant()
    crm = "https://crm.contoso.example/partner-center/hook"
    partner_center.simulator.webhooks.register(
        tenant, {"WebhookUrl": crm, "WebhookEvents": ["referral-created"]}, update=False)
    api = connect(devhost, tenant)
    held = wait_for(lambda: (c := api.get("/partner-center/connection").json())["lastSync"]
                    and c, "the first sync")["webhook"]
    assert held == {"state": "heldByAnother", "host": "crm.contoso.example"}
    assert partner_center.simulator.webhooks.registration(tenant)["WebhookUrl"] == crm
    taken = api.post("/partner-center/connection/webhook").json()["webhook"]
    assert taken["state"] == "registered"
    now = partner_center.simulator.webhooks.registration(tenant)["WebhookUrl"]
    assert now.startswith(devhost.root) and "/api/partner-center/events/" in now


def test_a_refused_sign_in_stores_nothing(devhost: DevHost,
                                         partner_center: SimulatorHandle) -> None:
    tenant = new_tenant()
    api = Api(devhost.base, tenant)
    requests.post(f"{partner_center.url}/_sim/faults", timeout=10, json={  # no consent
        "endpoint": "authorize", "status": 302, "tenant": tenant,
        "oauthError": "access_denied"})
    authorize = api.post("/partner-center/connect").json()["authorizeUrl"]
    back = requests.get(authorize, allow_redirects=False, timeout=10).headers["Location"]
    done = requests.get(back, allow_redirects=False, timeout=30).headers["Location"]
    assert "partnerCenter=failed" in done and "reason=access_denied" in done
    assert api.get("/partner-center/connection").json()["state"] == "disconnected"


def test_a_sync_after_the_sign_in_was_withdrawn_asks_for_a_reconnect(
        devhost: DevHost, partner_center: SimulatorHandle) -> None:
    tenant, api, _ = connected_with_one_lead(devhost, partner_center)
    partner_center.revoke(tenant)
    requests.post(f"{partner_center.url}/_sim/tenants/{tenant}/expire-access-tokens",
                  timeout=10)
    assert api.post("/partner-center/sync").status_code == 202
    after = wait_for(lambda: (c := api.get("/partner-center/connection").json())["state"]
                     == "reconnectRequired" and c, "reconnect required after a sync")
    assert after["lastSync"]["error"] == "reconnectRequired"
