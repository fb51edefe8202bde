"""The HTTP functions called as the host calls them, over in-memory repositories.

Fast checks of the error envelope and status mapping; tests/e2e repeats the important ones
over real HTTP, devhost and Azurite.
"""

import json

import azure.functions as func
import pytest

from tests.support.factories import (
    ADMIN,
    INTAKE,
    PARTNER_ADMIN,
    accept_body,
    headers,
    intake_body,
    member_body,
    profile_body,
)
from tests.support.functions import call_route
from tests.support.memory_app import MemoryApp

BASE = "http://127.0.0.1:7071/api"


CURRENT: dict = {}


@pytest.fixture
def app():
    a = MemoryApp()
    CURRENT["runtime"] = a.runtime()
    yield a
    CURRENT.clear()


def call(name, method="GET", path="", *, body=None, hdrs=None, params=None, route=None,
         raw: bytes | None = None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    req = func.HttpRequest(method, BASE + path, headers=hdrs or {}, params=params or {},
                           route_params=route or {}, body=data)
    resp = call_route(name, req, CURRENT["runtime"])
    payload = json.loads(resp.get_body()) if resp.get_body() else None
    return resp, payload


def setup_referral(tenant="t1"):
    call("put_profile", "PUT", "/profile", body=profile_body(), hdrs=headers(tenant, ADMIN))
    resp, body = call("create_referral", "POST", "/referrals", body=intake_body(tenant),
                      hdrs=headers("msft-intake", INTAKE))
    assert resp.status_code == 201, body
    return body


def assert_error(resp, payload, status, code):
    assert resp.status_code == status, payload
    assert resp.mimetype == "application/json"
    assert payload["error"]["code"] == code
    assert set(payload["error"]) == {"code", "message", "target", "details"}


def test_health_and_openapi_are_anonymous(app):
    resp, body = call("health", path="/health")
    assert resp.status_code == 200 and body == {"status": "ok"}
    resp, doc = call("openapi", path="/openapi.json")
    assert doc["openapi"].startswith("3.") and "/referrals/{id}/accept" in doc["paths"]


def test_no_principal_401_wrong_role_403(app):
    assert_error(*call("list_referrals", path="/referrals"), 401, "unauthenticated")
    assert_error(*call("list_referrals", path="/referrals",
                       hdrs={"X-MS-CLIENT-PRINCIPAL": "%%%notbase64"}), 401, "unauthenticated")
    assert_error(*call("list_referrals", path="/referrals", hdrs=headers("t1", INTAKE)),
                 403, "accessDenied")
    assert_error(*call("create_referral", "POST", "/referrals", body=intake_body("t1"),
                       hdrs=headers("t1", ADMIN)), 403, "accessDenied")


def test_intake_without_profile_409_and_location_etag_on_success(app):
    assert_error(*call("create_referral", "POST", "/referrals", body=intake_body("t9"),
                       hdrs=headers("x", INTAKE)), 409, "profileRequired")
    call("put_profile", "PUT", "/profile", body=profile_body(), hdrs=headers("t9", ADMIN))
    resp, body = call("create_referral", "POST", "/referrals", body=intake_body("t9"),
                      hdrs=headers("x", INTAKE))
    assert resp.status_code == 201
    assert resp.headers["Location"] == f"{BASE}/referrals/{body['id']}"
    assert resp.headers["ETag"] == body["eTag"]
    assert body["stage"] == "received" and body["category"] == "marketplace"
    assert body["contactAlert"] == "urgent" and body["expirationDateTime"].endswith("Z")


def test_invalid_body_lists_every_bad_field_and_writes_nothing(app):
    ref = setup_referral()
    bad = {"name": "", "dealValue": -1, "currency": "eur", "closingDate": "31-12-2099",
           "bogus": 1}
    resp, payload = call("accept_referral", "POST", f"/referrals/{ref['id']}/accept", body=bad,
                         hdrs=headers("t1", ADMIN), route={"id": ref["id"]})
    assert_error(resp, payload, 400, "invalidRequest")
    targets = {d["target"] for d in payload["error"]["details"]}
    assert targets == {"name", "dealValue", "currency", "closingDate", "bogus"}
    _, after = call("get_referral", path=f"/referrals/{ref['id']}", hdrs=headers("t1", ADMIN),
                    route={"id": ref["id"]})
    assert after["eTag"] == ref["eTag"] and after["stage"] == "received"


def test_rules_checked_after_parsing_are_listed_with_the_rest(app):
    """A past closing date is only known against today's date, yet it is reported together
    with the fields that failed parsing: one round trip shows the caller everything."""
    ref = setup_referral()
    bad = {**accept_body(), "dealValue": -1, "currency": "eur", "closingDate": "2001-01-01"}
    resp, payload = call("accept_referral", "POST", body=bad, hdrs=headers("t1", ADMIN),
                         route={"id": ref["id"]})
    assert_error(resp, payload, 400, "invalidRequest")
    details = {d["target"]: d["message"] for d in payload["error"]["details"]}
    assert set(details) == {"dealValue", "currency", "closingDate"}
    assert details["closingDate"] == "must be today or later"  # no "Value error, " prefix
    assert resp.headers["x-ms-error-code"] == "invalidRequest"


def test_if_match_takes_a_list_of_tags_and_star(app):
    ref = setup_referral()
    rid, admin = ref["id"], headers("t1", ADMIN)
    listed = {**admin, "If-Match": f'W/"other", {ref["eTag"]}'}
    resp, fav = call("favorite_referral", "PUT", hdrs=listed, route={"id": rid})
    assert resp.status_code == 200 and fav["favorite"] is True
    assert_error(*call("unfavorite_referral", "DELETE", hdrs=listed, route={"id": rid}),
                 412, "preconditionFailed")
    resp, unfav = call("unfavorite_referral", "DELETE", hdrs={**admin, "If-Match": "*"},
                       route={"id": rid})
    assert resp.status_code == 200 and unfav["favorite"] is False


def test_conditional_get_answers_304_while_current(app):
    ref = setup_referral()
    rid, admin = ref["id"], headers("t1", ADMIN)
    resp, _ = call("get_referral", hdrs={**admin, "If-None-Match": ref["eTag"]},
                   route={"id": rid})
    assert resp.status_code == 304 and not resp.get_body()
    assert resp.headers["ETag"] == ref["eTag"]
    call("favorite_referral", "PUT", hdrs=admin, route={"id": rid})
    resp, body = call("get_referral", hdrs={**admin, "If-None-Match": ref["eTag"]},
                      route={"id": rid})
    assert resp.status_code == 200 and body["favorite"] is True


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b"null", b'"text"'])
def test_malformed_json_is_400(app, raw):
    ref = setup_referral()
    assert_error(*call("decline_referral", "POST", "/", raw=raw, hdrs=headers("t1", ADMIN),
                       route={"id": ref["id"]}), 400, "invalidRequest")


def test_body_over_64k_is_413(app):
    ref = setup_referral()
    raw = json.dumps({"reason": "Other", "notes": "x" * 70_000}).encode()
    assert_error(*call("decline_referral", "POST", "/", raw=raw, hdrs=headers("t1", ADMIN),
                       route={"id": ref["id"]}), 413, "payloadTooLarge")


def test_transitions_404_409_412_428(app):
    ref = setup_referral()
    rid, admin = ref["id"], headers("t1", ADMIN)
    assert_error(*call("get_referral", hdrs=headers("t2", ADMIN), route={"id": rid}),
                 404, "itemNotFound")
    assert_error(*call("get_referral", hdrs=admin, route={"id": "r' or 1 eq 1"}),
                 404, "itemNotFound")
    assert_error(*call("win_referral", "POST", hdrs=admin, route={"id": rid}),
                 409, "invalidTransition")
    assert_error(*call("edit_referral", "PATCH", body={"name": "x"}, hdrs=admin,
                       route={"id": rid}), 428, "preconditionRequired")
    resp, accepted = call("accept_referral", "POST", body=accept_body(), hdrs=admin,
                          route={"id": rid})
    assert resp.status_code == 200 and accepted["stage"] == "accepted"
    stale = {**admin, "If-Match": ref["eTag"]}
    assert_error(*call("edit_referral", "PATCH", body={"name": "x"}, hdrs=stale,
                       route={"id": rid}), 412, "preconditionFailed")
    fresh = {**admin, "If-Match": accepted["eTag"]}
    resp, edited = call("edit_referral", "PATCH", body={"name": "Renamed"}, hdrs=fresh,
                        route={"id": rid})
    assert resp.status_code == 200 and edited["name"] == "Renamed"
    resp, teamed = call("add_team_member", "POST", body=member_body(), hdrs=admin,
                        route={"id": rid})
    assert [m["email"] for m in teamed["team"]][-1] == "alan@contoso.example"


def test_expired_window_is_409_referral_expired(app):
    ref = setup_referral()
    app.clock.advance(days=14)
    assert_error(*call("accept_referral", "POST", body=accept_body(),
                       hdrs=headers("t1", ADMIN), route={"id": ref["id"]}),
                 409, "referralExpired")


@pytest.mark.parametrize("params,target", [({"top": "0"}, "top"), ({"top": "abc"}, "top"),
                                           ({"view": "x"}, "view"), ({"stage": "won"}, "stage"),
                                           ({"continuationToken": "garbage"},
                                            "continuationToken")])
def test_bad_list_query_is_400(app, params, target):
    resp, payload = call("list_referrals", hdrs=headers("t1", ADMIN), params=params)
    assert_error(resp, payload, 400, "invalidRequest")
    assert payload["error"]["details"][0]["target"] == target


def test_profile_round_trip_and_404(app):
    assert_error(*call("get_profile", hdrs=headers("t5", ADMIN)), 404, "itemNotFound")
    bad = {**profile_body(), "webhookUrl": "http://evil.example/hook"}
    assert_error(*call("put_profile", "PUT", body=bad, hdrs=headers("t5", ADMIN)),
                 400, "invalidRequest")
    resp, saved = call("put_profile", "PUT", body=profile_body("https://contoso.example/h"),
                       hdrs=headers("t5", PARTNER_ADMIN))
    assert resp.status_code == 200
    _, got = call("get_profile", hdrs=headers("t5", ADMIN))
    assert got == saved and got["companyName"] == "Contoso Cloud"


def test_responses_carry_security_headers(app):
    resp, _ = call("health")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"

