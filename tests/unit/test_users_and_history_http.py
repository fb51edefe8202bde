"""The Referrals user role and the history of every change, over the HTTP functions."""

from __future__ import annotations

import base64
import json
import uuid

import azure.functions as func
import pytest

from shared.auth.principals import _jwt_claims, caller_from_claims
from tests.support.factories import (
    ADMIN,
    INTAKE,
    TENANT_CLAIM,
    accept_body,
    headers,
    intake_body,
    member_body,
    profile_body,
)
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp

BASE = "http://127.0.0.1:7071/api"
USER = "Referrals.User"
USER_ID = "11111111-aaaa-bbbb-cccc-000000000001"


def user_headers(email_claim: str = "preferred_username") -> dict[str, str]:
    claims = [{"typ": TENANT_CLAIM, "val": "t1"},
              {"typ": "http://schemas.microsoft.com/identity/claims/objectidentifier",
               "val": USER_ID},
              {"typ": "name", "val": "Uma User"}, {"typ": email_claim, "val": "Uma@Contoso.Example"},
              {"typ": "roles", "val": USER}]
    raw = base64.b64encode(json.dumps({"auth_typ": "aad", "claims": claims}).encode()).decode()
    return {"X-MS-CLIENT-PRINCIPAL": raw, "Content-Type": "application/json"}


class Api:
    def __init__(self) -> None:
        self.app = MemoryApp()
        self.runtime = self.app.runtime()
        self.admin = headers("t1", ADMIN)

    def call(self, name: str, method: str = "GET", body: dict | None = None,
             hdrs: dict | None = None, params: dict | None = None, **route: str
             ) -> tuple[func.HttpResponse, dict]:
        req = func.HttpRequest(method, BASE + "/x", headers=hdrs or self.admin,
                               params=params or {}, route_params=route,
                               body=json.dumps(body).encode() if body is not None else b"")
        # History entries are ordered by time: let the frozen clock tick between calls.
        self.app.clock.advance(seconds=1)
        resp = call_route(name, req, self.runtime)
        return resp, json.loads(resp.get_body()) if resp.get_body() else {}

    def referral(self, accepted: bool = True) -> dict:
        self.call("put_profile", "PUT", profile_body())
        self.app.clock.advance(minutes=1)
        resp, body = self.call("create_referral", "POST", intake_body("t1"),
                               hdrs=headers("msft", INTAKE))
        assert resp.status_code == 201
        if accepted:
            body = self.call("accept_referral", "POST", accept_body(), id=body["id"])[1]
        return body


@pytest.fixture
def api() -> Api:
    return Api()


def history(api: Api, rid: str, hdrs: dict | None = None) -> list[dict]:
    resp, body = api.call("get_history", hdrs=hdrs, id=rid)
    assert resp.status_code == 200, body
    return body["value"]


def test_each_action_writes_one_entry_with_its_actor_and_changes(api: Api):
    ref = api.referral()
    rid = ref["id"]
    api.app.clock.advance(minutes=1)
    api.call("edit_referral", "PATCH", {"dealValue": 30000},
             hdrs={**api.admin, "If-Match": ref["eTag"]}, id=rid)
    api.call("favorite_referral", "PUT", id=rid)
    entries = history(api, rid)
    assert [e["action"] for e in entries] == ["received", "accepted", "edited", "favorited"]
    assert entries[0]["actor"]["id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, "Ada Admin"))
    accepted = entries[1]
    assert accepted["actor"] == {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "Ada Admin")),
                                 "name": "Ada Admin"}
    assert accepted["changes"]["status"] == {"old": "New", "new": "Active"}
    assert entries[2]["changes"] == {"dealValue": {"old": 25000.5, "new": 30000.0}}
    assert entries[0]["at"] <= entries[1]["at"] <= entries[2]["at"]


def test_a_refused_change_writes_no_entry(api: Api):
    ref = api.referral()
    rid = ref["id"]
    stale = {**api.admin, "If-Match": 'W/"stale"'}
    assert api.call("edit_referral", "PATCH", {"name": "x"}, hdrs=stale, id=rid)[0].status_code \
        == 412
    assert api.call("accept_referral", "POST", accept_body(), id=rid)[0].status_code == 409
    assert [e["action"] for e in history(api, rid)] == ["received", "accepted"]


def test_sequential_edits_chain_and_history_pages(api: Api):
    rid = api.referral()["id"]
    for value in (1, 2, 3):
        api.app.clock.advance(seconds=1)
        etag = api.call("get_referral", id=rid)[1]["eTag"]
        api.call("edit_referral", "PATCH", {"dealValue": value},
                 hdrs={**api.admin, "If-Match": etag}, id=rid)
    resp, first = api.call("get_history", params={"top": "2"}, id=rid)
    assert resp.status_code == 200 and len(first["value"]) == 2 and "nextLink" in first
    entries = history(api, rid)
    edits = [e["changes"]["dealValue"] for e in entries if e["action"] == "edited"]
    assert [(c["old"], c["new"]) for c in edits] == [(25000.5, 1.0), (1.0, 2.0), (2.0, 3.0)]


def _users_world(api: Api) -> tuple[str, str, str]:
    owned, on_team, other = (api.referral()["id"] for _ in range(3))
    api.call("assign_referral", "POST", {"owner": {"id": USER_ID, "name": "Uma User",
                                                    "email": "uma@contoso.example"}}, id=owned)
    api.call("add_team_member", "POST", member_body("UMA@contoso.example"), id=on_team)
    return owned, on_team, other


def test_a_referrals_user_sees_and_works_only_its_own_and_its_teams(api: Api):
    owned, on_team, other = _users_world(api)
    user = user_headers()
    resp, page = api.call("list_referrals", hdrs=user)
    assert resp.status_code == 200
    assert {r["id"] for r in page["value"]} == {owned, on_team}
    assert api.call("get_referral", hdrs=user, id=other)[0].status_code == 404
    assert api.call("get_history", hdrs=user, id=other)[0].status_code == 404
    etag = api.call("get_referral", hdrs=user, id=owned)[1]["eTag"]
    resp, edited = api.call("edit_referral", "PATCH", {"notes": "called them"},
                            hdrs={**user, "If-Match": etag}, id=owned)
    assert resp.status_code == 200 and edited["details"]["notes"] == "called them"
    resp, _ = api.call("remove_team_member", "DELETE", hdrs=user, id=on_team,
                       email="grace@contoso.example")
    assert resp.status_code == 200
    assert history(api, owned, user)[-1]["actor"] == {"id": USER_ID, "name": "Uma User"}
    assert api.call("win_referral", "POST", {}, hdrs=user, id=other)[0].status_code == 404


@pytest.mark.parametrize(("name", "method", "body"), [
    ("accept_referral", "POST", accept_body()), ("decline_referral", "POST",
                                                  {"reason": "NotAFit"}),
    ("assign_referral", "POST", {"owner": None}), ("get_insights", "GET", None),
    ("get_profile", "GET", None), ("export_referrals", "GET", None),
])
def test_admin_only_routes_are_403_for_a_referrals_user(api: Api, name, method, body):
    owned, _, _ = _users_world(api)
    resp, err = api.call(name, method, body, hdrs=user_headers(), id=owned)
    assert resp.status_code == 403 and err["error"]["code"] == "accessDenied"


@pytest.mark.parametrize("claim", [
    "preferred_username", "upn", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"])
def test_the_email_claim_is_read_from_each_form(api: Api, claim):
    _, on_team, _ = _users_world(api)
    _, page = api.call("list_referrals", hdrs=user_headers(claim))
    assert on_team in {r["id"] for r in page["value"]}


def test_entra_token_claims_carry_the_email():
    caller = caller_from_claims(_jwt_claims({"tid": "t1", "oid": USER_ID, "roles": [USER],
                                             "preferred_username": "Uma@Contoso.Example"}))
    assert caller.email == "uma@contoso.example" and caller.restricted


def test_owner_filter_lists_an_owners_referrals(api: Api):
    owned, _, _ = _users_world(api)
    _, mine = api.call("list_referrals", params={"owner": USER_ID})
    assert [r["id"] for r in mine["value"]] == [owned]
    _, me = api.call("list_referrals", params={"owner": "me"}, hdrs=user_headers())
    assert [r["id"] for r in me["value"]] == [owned]
