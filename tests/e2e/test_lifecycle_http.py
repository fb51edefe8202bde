"""The product over real HTTP: devhost serving function_app.py against Azurite."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.client import Api, onboard, send_referral
from tests.support.factories import ADMIN, INTAKE, accept_body, member_body, new_tenant

pytestmark = pytest.mark.e2e


def error_code(resp: requests.Response) -> str:
    assert resp.headers["Content-Type"].startswith("application/json")
    return str(resp.json()["error"]["code"])


def test_direct_referral_whole_life_to_won(devhost):
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    ref = send_referral(devhost.base, tenant, "Direct")
    assert (ref["stage"], ref["category"], ref["contactAlert"]) == ("received", "marketplace",
                                                                     "urgent")
    rid = ref["id"]
    got = api.get(f"/referrals/{rid}")
    assert got.status_code == 200 and got.headers["ETag"] == got.json()["eTag"]
    assert api.call("PUT", f"/referrals/{rid}/favorite").json()["favorite"] is True

    accepted = api.post(f"/referrals/{rid}/accept", accept_body())
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert (body["status"], body["substatus"], body["stage"]) == ("Active", "Accepted", "accepted")
    assert body["details"]["dealValue"] == 25000.5 and body["expirationDateTime"] is None
    assert body["favorite"] is True  # earlier changes are kept

    edited = api.call("PATCH", f"/referrals/{rid}", {"dealValue": 30000, "campaignId": "C-9"},
                      headers={"If-Match": body["eTag"]})
    assert edited.status_code == 200 and edited.json()["details"]["dealValue"] == 30000
    team = api.post(f"/referrals/{rid}/team", member_body())
    assert len(team.json()["team"]) == 2
    won = api.post(f"/referrals/{rid}/win", {"notes": "Signed"})
    assert won.status_code == 200
    assert (won.json()["status"], won.json()["substatus"]) == ("Closed", "Won")
    assert won.json()["contactAlert"] is None
    # Archived is terminal; favorite still works.
    assert error_code(api.post(f"/referrals/{rid}/lose", {"reason": "Price"})) == "invalidTransition"
    assert api.call("DELETE", f"/referrals/{rid}/favorite").json()["favorite"] is False
    insights = api.get("/insights").json()
    assert insights["won"] == 1 and insights["winRate"] == 1.0


def test_qualified_referral_declined_and_another_lost(devhost):
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    one = send_referral(devhost.base, tenant, "SalesQualified", contact_me=False)
    two = send_referral(devhost.base, tenant, "MarketingQualified")
    assert one["category"] == "qualified" and one["contactAlert"] is None
    declined = api.post(f"/referrals/{one['id']}/decline", {"reason": "Other", "notes": "Too far"})
    assert declined.status_code == 200
    assert (declined.json()["substatus"], declined.json()["statusReason"]) == ("Declined", "Other")
    api.post(f"/referrals/{two['id']}/accept", accept_body())
    lost = api.post(f"/referrals/{two['id']}/lose", {"reason": "NoBudget", "notes": "Cut"})
    assert lost.json()["substatus"] == "Lost" and lost.json()["statusReason"] == "NoBudget"
    archived = api.get("/referrals", params={"view": "qualified", "stage": "archived"}).json()
    assert {r["id"] for r in archived["value"]} == {one["id"], two["id"]}
    assert api.get("/referrals", params={"view": "marketplace"}).json()["value"] == []


def test_error_codes_over_http(devhost):
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    rid = send_referral(devhost.base, tenant)["id"]
    anon = requests.get(f"{devhost.base}/referrals", timeout=10)
    assert anon.status_code == 401 and error_code(anon) == "unauthenticated"
    wrong_role = Api(devhost.base, tenant, INTAKE).get("/referrals")
    assert wrong_role.status_code == 403 and error_code(wrong_role) == "accessDenied"
    bad = api.post(f"/referrals/{rid}/accept", {"dealValue": "lots", "currency": "euro"})
    assert bad.status_code == 400 and error_code(bad) == "invalidRequest"
    assert {d["target"] for d in bad.json()["error"]["details"]} >= {
        "name", "dealValue", "currency", "closingDate"}
    malformed = api.session.post(f"{devhost.base}/referrals/{rid}/decline", data=b"{oops",
                                 timeout=10)
    assert malformed.status_code == 400
    assert api.get("/referrals/r0000000000000nothere00").status_code == 404
    assert api.post(f"/referrals/{rid}/win", {}).status_code == 409
    no_match = api.call("PATCH", f"/referrals/{rid}", {"name": "x"})
    assert no_match.status_code == 428 and error_code(no_match) == "preconditionRequired"
    stale = api.call("PUT", f"/referrals/{rid}/favorite", headers={"If-Match": 'W/"stale"'})
    assert stale.status_code == 412 and error_code(stale) == "preconditionFailed"
    big = api.post(f"/referrals/{rid}/decline", {"reason": "Other", "notes": "x" * 70000})
    assert big.status_code == 413 and error_code(big) == "payloadTooLarge"
    orphan = Api(devhost.base, "microsoft-systems", INTAKE).post(
        "/referrals", {**send_body(new_tenant())})
    assert orphan.status_code == 409 and error_code(orphan) == "profileRequired"
    # None of the bad requests changed the referral.
    after = api.get(f"/referrals/{rid}").json()
    assert after["stage"] == "received" and after["favorite"] is False


def send_body(partner: str) -> dict:
    from tests.support.factories import intake_body
    return intake_body(partner)


def test_another_tenant_sees_nothing(devhost):
    owner, other = new_tenant(), new_tenant()
    onboard(devhost.base, owner)
    intruder = onboard(devhost.base, other)
    rid = send_referral(devhost.base, owner)["id"]
    assert intruder.get(f"/referrals/{rid}").status_code == 404
    assert intruder.post(f"/referrals/{rid}/accept", accept_body()).status_code == 404
    assert intruder.call("PUT", f"/referrals/{rid}/favorite").status_code == 404
    assert intruder.get("/referrals").json()["value"] == []
    assert intruder.get("/insights").json()["received"] == 0


def test_twenty_concurrent_accept_decline_one_winner(devhost):
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    rid = send_referral(devhost.base, tenant)["id"]

    def act(i: int) -> tuple[str, requests.Response]:
        client = Api(devhost.base, tenant, ADMIN)
        if i % 2:
            return "accept", client.post(f"/referrals/{rid}/accept", accept_body())
        return "decline", client.post(f"/referrals/{rid}/decline", {"reason": "NotAFit"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(act, range(20)))
    wins = [(kind, r) for kind, r in results if r.status_code == 200]
    losers = [r for _, r in results if r.status_code != 200]
    assert len(wins) == 1, [r.status_code for _, r in results]
    assert all(r.status_code in (409, 412) for r in losers)
    kind, winner = wins[0]
    stored = api.get(f"/referrals/{rid}").json()
    assert stored["substatus"] == ("Accepted" if kind == "accept" else "Declined")
    assert stored["eTag"] == winner.json()["eTag"]


def test_120_referrals_paged_by_50_complete_unique_newest_first(devhost):
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    with ThreadPoolExecutor(max_workers=8) as pool:
        created = list(pool.map(lambda _: send_referral(devhost.base, tenant), range(120)))
    seen: list[dict] = []
    resp = api.get("/referrals", params={"top": "50"})
    pages = 0
    while True:
        assert resp.status_code == 200, resp.text
        page = resp.json()
        pages += 1
        seen += page["value"]
        if "nextLink" not in page:
            break
        resp = api.session.get(page["nextLink"], timeout=30)
    assert pages == 3
    assert len(seen) == 120 and len({r["id"] for r in seen}) == 120
    assert {r["id"] for r in seen} == {r["id"] for r in created}
    times = [r["createdDateTime"] for r in seen]
    assert times == sorted(times, reverse=True)
