"""Continuation tokens are signed and bound to the tenant and the query (issue 27 item 8): a
forged token, one from another tenant, another query or another key is 400 with the error
envelope, over the HTTP functions, for the listing, a referral's history and the delivery
log."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import azure.functions as func
import pytest

from shared.domain.errors import RuleViolation
from shared.secret_settings import DEVELOPMENT_CONTINUATION_KEY
from shared.services.paging import TokenScope
from tests.support.factories import (
    ADMIN,
    INTAKE,
    accept_body,
    headers,
    intake_body,
    profile_body,
)
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp

BASE = "http://127.0.0.1:7071/api"
SERVER_KEY = b"server-key-" + b"x" * 21


class Http:
    def __init__(self, app: MemoryApp) -> None:
        self.app, self.runtime = app, app.runtime()

    def call(self, name: str, tenant: str, params: dict | None = None,
             route: dict | None = None, method: str = "GET", body: object = None,
             hdrs: dict | None = None) -> tuple[int, dict]:
        req = func.HttpRequest(method, BASE, headers=hdrs or headers(tenant, ADMIN),
                               params=params or {}, route_params=route or {},
                               body=json.dumps(body).encode() if body is not None else b"")
        resp = call_route(name, req, self.runtime)
        return resp.status_code, json.loads(resp.get_body()) if resp.get_body() else {}

    def onboard(self, tenant: str, referrals: int) -> list[str]:
        assert self.call("put_profile", tenant, method="PUT", body=profile_body())[0] == 200
        ids = []
        for _ in range(referrals):
            self.app.clock.advance(seconds=1)
            status, made = self.call("create_referral", tenant, method="POST",
                                     body=intake_body(tenant),
                                     hdrs=headers("msft-intake", INTAKE))
            assert status == 201, made
            ids.append(made["id"])
        return ids


def token_of(page: dict) -> str:
    return parse_qs(urlsplit(page["nextLink"]).query)["continuationToken"][0]


def assert_refused(status: int, payload: dict) -> None:
    assert status == 400, payload
    assert payload["error"]["code"] == "invalidRequest"
    assert payload["error"]["details"][0]["target"] == "continuationToken"


@pytest.fixture
def http() -> Http:
    app = MemoryApp()
    app.settings = replace(app.settings, continuation_token_key=SERVER_KEY)
    web = Http(app)
    web.onboard("t1", 3)
    web.onboard("t2", 3)
    return web


def test_a_token_pages_on_for_the_same_tenant_and_query(http):
    status, first = http.call("list_referrals", "t1", {"top": "1"})
    assert status == 200 and first["nextLink"]
    status, second = http.call("list_referrals", "t1", {"top": "1",
                                                        "continuationToken": token_of(first)})
    assert status == 200 and second["value"][0]["id"] != first["value"][0]["id"]


def test_a_token_from_another_tenant_is_400(http):
    _, page = http.call("list_referrals", "t1", {"top": "1"})
    assert_refused(*http.call("list_referrals", "t2", {"top": "1",
                                                       "continuationToken": token_of(page)}))


def test_a_token_of_another_query_is_400(http):
    _, page = http.call("list_referrals", "t1", {"top": "1"})
    assert_refused(*http.call("list_referrals", "t1", {
        "top": "1", "view": "favorites", "continuationToken": token_of(page)}))


def test_forged_tokens_are_400(http):
    _, page = http.call("list_referrals", "t1", {"top": "1"})
    token = token_of(page)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    cursor = raw[16:].decode()
    forged = [
        # The unsigned form the service used to issue: cursor and query fingerprint only.
        base64.urlsafe_b64encode(json.dumps({"v": 2, "a": cursor, "q": "x"}).encode()).decode(),
        # The same cursor with a flipped tag bit, and a cursor moved under the tag.
        base64.urlsafe_b64encode(bytes([raw[0] ^ 1]) + raw[1:]).decode().rstrip("="),
        base64.urlsafe_b64encode(raw[:16] + b"0" + raw[17:]).decode().rstrip("="),
        # Signed for this tenant and query, but with the public development key.
        TokenScope(DEVELOPMENT_CONTINUATION_KEY, "t1", "?").encode(cursor),
    ]
    for bad in forged:
        assert_refused(*http.call("list_referrals", "t1", {"top": "1",
                                                           "continuationToken": bad}))


def test_delivery_log_tokens_are_bound_to_the_tenant(http):
    _, log = http.call("list_notifications", "t1", {"top": "1"})
    assert_refused(*http.call("list_notifications", "t2", {"top": "1",
                                                           "continuationToken": token_of(log)}))
    assert_refused(*http.call("list_notifications", "t1", {
        "top": "1", "state": "failed", "continuationToken": token_of(log)}))
    scoped = TokenScope(SERVER_KEY, "t1", "notifications:*")
    assert scoped.decode(token_of(log))  # what the server signed: this tenant, this query
    with pytest.raises(RuleViolation):
        TokenScope(SERVER_KEY, "t2", "notifications:*").decode(token_of(log))


def test_history_tokens_are_bound_to_the_referral(http):
    first, second = http.onboard("t3", 2)
    for rid in (first, second):
        status, _ = http.call("accept_referral", "t3", method="POST", body=accept_body(),
                              route={"id": rid})
        assert status == 200
    _, page = http.call("get_history", "t3", {"top": "1"}, route={"id": first})
    assert_refused(*http.call("get_history", "t3", {"top": "1",
                                                    "continuationToken": token_of(page)},
                              route={"id": second}))
    status, rest = http.call("get_history", "t3", {"top": "1",
                                                   "continuationToken": token_of(page)},
                             route={"id": first})
    assert status == 200 and rest["value"]
