"""Reading one referral, bearer tokens, per-tenant data, throttling and injected faults."""

from __future__ import annotations

import time

import requests

from tools.partner_center_sim import DEFAULT_TENANT

from .helpers import sign_in

OTHER_TENANT = "99999999-8888-7777-6666-555555555555"
DOCUMENTED_FIELDS = {"id", "engagementId", "organizationId", "organizationName", "name",
                     "externalReferenceId", "createdDateTime", "updatedDateTime",
                     "expirationDateTime", "acceptedDateTime", "status", "substatus",
                     "statusReason", "type", "qualification", "direction", "eTag", "target",
                     "consent", "details", "customerProfile", "team", "inviteContext", "links"}


def test_a_referral_has_partner_centers_documented_shape(sim):
    lead = sim.create_referral(DEFAULT_TENANT, "lead", emit=False)
    answer = sign_in(sim).get(f"{sim.api_url}/referrals/{lead['id']}", timeout=5)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) >= DOCUMENTED_FIELDS
    assert answer.headers["ETag"] == body["eTag"] and body["eTag"].startswith('"')
    assert (body["direction"], body["type"], body["status"]) == ("Incoming", "Independent", "New")
    assert body["qualification"] in ("Direct", "MarketingQualified", "SalesQualified")
    assert body["inviteContext"]["invitedBy"]["organizationId"] == "msft"
    assert {"dealValue", "currency", "closingDateTime", "notes", "requirements"} <= set(
        body["details"])
    member = body["customerProfile"]["team"][0]
    assert {"firstName", "lastName", "email", "phoneNumber"} <= set(member)
    assert body["createdDateTime"].endswith("Z") and len(body["createdDateTime"]) == 28
    assert body["links"]["self"]["uri"].endswith(f"/v1.0/engagements/referrals/{lead['id']}")


def test_a_bearer_token_is_required_and_picks_the_tenant(sim):
    lead = sim.create_referral(DEFAULT_TENANT, emit=False)
    url = f"{sim.api_url}/referrals/{lead['id']}"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=5
                        ).status_code == 401
    assert sign_in(sim, OTHER_TENANT).get(url, timeout=5).status_code == 404
    assert sign_in(sim).get(url, timeout=5).status_code == 200


def test_an_expired_access_token_is_refused(sim):
    session = sign_in(sim)
    assert session.get(f"{sim.api_url}/referrals", timeout=5).status_code == 200
    requests.post(f"{sim.url}/_sim/tenants/{DEFAULT_TENANT}/expire-access-tokens", timeout=5)
    assert session.get(f"{sim.api_url}/referrals", timeout=5).status_code == 401


def test_injected_429_carries_retry_after_and_then_passes(sim):
    session = sign_in(sim)
    answer = requests.post(f"{sim.url}/_sim/faults", json={
        "endpoint": "list", "status": 429, "retryAfter": 2, "count": 2}, timeout=5)
    assert answer.status_code == 201
    for _ in range(2):
        throttled = session.get(f"{sim.api_url}/referrals", timeout=5)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2"
    assert session.get(f"{sim.api_url}/referrals", timeout=5).status_code == 200
    assert sim.counters()["statuses"]["list"] == {"429": 2, "200": 1}


def test_injected_503_and_412_hit_only_their_endpoint_and_tenant(sim):
    lead = sim.create_referral(DEFAULT_TENANT, emit=False)
    session, other = sign_in(sim), sign_in(sim, OTHER_TENANT)
    sim.add_fault("get", 503, tenant=DEFAULT_TENANT)
    sim.add_fault("patch", 412)
    assert other.get(f"{sim.api_url}/referrals/{lead['id']}", timeout=5).status_code == 404
    assert session.get(f"{sim.api_url}/referrals", timeout=5).status_code == 200
    assert session.get(f"{sim.api_url}/referrals/{lead['id']}", timeout=5).status_code == 503
    patch = session.patch(f"{sim.api_url}/referrals/{lead['id']}", headers={
        "If-Match": lead["eTag"]}, json=[{"op": "replace", "path": "/name", "value": "x"}],
        timeout=5)
    assert patch.status_code == 412 and sim.referral(DEFAULT_TENANT, lead["id"])["name"] != "x"


def test_a_rate_limit_answers_429_and_the_peak_is_reported(sim):
    session = sign_in(sim)
    requests.post(f"{sim.url}/_sim/config", json={"maxRps": 3}, timeout=5)
    try:
        codes = [session.get(f"{sim.api_url}/referrals", timeout=5).status_code
                 for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and 429 in codes[3:]
        assert sim.counters()["peakRequestsPerSecond"][DEFAULT_TENANT] == 3
        time.sleep(1.05)
        assert session.get(f"{sim.api_url}/referrals", timeout=5).status_code == 200
    finally:
        requests.post(f"{sim.url}/_sim/config", json={"maxRps": None}, timeout=5)
