"""Owners, team member removal and lost reasons over the HTTP functions (in-memory store)."""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from tests.support.factories import ADMIN, INTAKE, accept_body, headers, intake_body, profile_body
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp

BASE = "http://127.0.0.1:7071/api"
OWNER = {"id": "00000000-0000-0000-0000-0000000000aa", "name": "Olive Owner",
         "email": "olive@contoso.example"}


class Api:
    def __init__(self) -> None:
        self.app = MemoryApp()
        self.runtime = self.app.runtime()

    def call(self, name: str, method: str, path: str, body: dict | None = None,
             route: dict | None = None, hdrs: dict | None = None
             ) -> tuple[func.HttpResponse, dict | None]:
        req = func.HttpRequest(method, BASE + path, headers=hdrs or headers("t1", ADMIN),
                               params={}, route_params=route or {},
                               body=json.dumps(body).encode() if body is not None else b"")
        resp = call_route(name, req, self.runtime)
        return resp, json.loads(resp.get_body()) if resp.get_body() else None

    def received(self) -> str:
        self.call("put_profile", "PUT", "/profile", profile_body())
        resp, body = self.call("create_referral", "POST", "/referrals", intake_body("t1"),
                               hdrs=headers("x", INTAKE))
        assert resp.status_code == 201 and body
        return str(body["id"])

    def accepted(self) -> str:
        rid = self.received()
        resp, _ = self.call("accept_referral", "POST", "/", accept_body(), {"id": rid})
        assert resp.status_code == 200
        return rid


@pytest.fixture
def api() -> Api:
    return Api()


def test_assign_and_unassign_an_owner(api: Api):
    rid = api.accepted()
    resp, body = api.call("assign_referral", "POST", "/", {"owner": OWNER}, {"id": rid})
    assert resp.status_code == 200 and body and body["owner"] == OWNER
    _, got = api.call("get_referral", "GET", "/", route={"id": rid})
    assert got and got["owner"] == OWNER
    resp, body = api.call("assign_referral", "POST", "/", {"owner": None}, {"id": rid})
    assert resp.status_code == 200 and body and body["owner"] is None


@pytest.mark.parametrize("owner", [
    {"id": "x", "name": "No Mail"}, {"id": "", "name": "A", "email": "a@b.example"},
    {"id": "x", "name": "A", "email": "not-an-address"}, {"name": "A", "email": "a@b.example"},
])
def test_assign_needs_id_name_and_valid_email(api: Api, owner):
    rid = api.accepted()
    resp, body = api.call("assign_referral", "POST", "/", {"owner": owner}, {"id": rid})
    assert resp.status_code == 400 and body and body["error"]["code"] == "invalidRequest"


def test_assign_only_accepted(api: Api):
    rid = api.received()
    resp, body = api.call("assign_referral", "POST", "/", {"owner": OWNER}, {"id": rid})
    assert resp.status_code == 409 and body and body["error"]["code"] == "invalidTransition"


def test_remove_team_member_case_insensitively_then_404(api: Api):
    rid = api.accepted()  # accept_body brings grace@contoso.example
    resp, body = api.call("remove_team_member", "DELETE", "/", route={
        "id": rid, "email": "Grace@Contoso.Example"})
    assert resp.status_code == 200 and body and body["team"] == []
    resp, body = api.call("remove_team_member", "DELETE", "/", route={
        "id": rid, "email": "grace@contoso.example"})
    assert resp.status_code == 404 and body and body["error"]["code"] == "itemNotFound"


@pytest.mark.parametrize(("lose", "target"), [
    ({}, "reason"), ({"reason": "whatever I like"}, "reason"), ({"reason": "Other"}, "notes"),
])
def test_lose_needs_a_listed_reason(api: Api, lose, target):
    rid = api.accepted()
    resp, body = api.call("lose_referral", "POST", "/", lose, {"id": rid})
    assert resp.status_code == 400 and body
    assert [d["target"] for d in body["error"]["details"]] == [target]


def test_insights_count_lost_and_decline_reasons(api: Api):
    for reason in ("Price", "Price", "Timing"):
        rid = api.accepted()
        resp, _ = api.call("lose_referral", "POST", "/", {"reason": reason}, {"id": rid})
        assert resp.status_code == 200
    rid = api.received()
    api.call("decline_referral", "POST", "/", {"reason": "NotAFit"}, {"id": rid})
    _, figures = api.call("get_insights", "GET", "/insights")
    assert figures and figures["lostReasons"] == {"Price": 2, "Timing": 1}
    assert figures["declineReasons"] == {"NotAFit": 1} and figures["lost"] == 3
