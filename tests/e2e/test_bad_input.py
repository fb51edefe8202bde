"""Bad input over HTTP: the contract's error envelope, never a 5xx, and nothing written.

Each request is checked against a snapshot of everything stored for the tenant (referral,
profile and outbox rows, and expiry index entries) taken before it."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
import requests

from shared.bootstrap import table_service
from shared.settings import StorageSettings
from tests.support.client import Api, onboard, send_referral
from tests.support.factories import INTAKE, accept_body, intake_body, new_tenant, profile_body

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tables(azurite):
    return table_service(StorageSettings(connection_string=azurite.connection_string))


# What a delivery attempt (the queue function, not the request under test) writes on a
# delivery row: its changes between two snapshots are not writes by a refused request.
ATTEMPT_FIELDS = {"deliveryState", "attempts", "lastError", "settledDateTime",
                  "lastAttemptDateTime", "recipientLabel", "pendingSinceDateTime"}


def snapshot(tables, tenant: str) -> dict[str, Any]:
    def rows(table: str, flt: str, params: dict[str, str]) -> list[dict[str, Any]]:
        client = tables.get_table_client(table)
        return sorted(({k: str(v) for k, v in e.items() if k not in ATTEMPT_FIELDS}
                       for e in client.query_entities(flt, parameters=params)),
                      key=lambda e: e["RowKey"])
    return {
        "referrals": rows("Referrals", "PartitionKey eq @pk", {"pk": tenant}),
        "profiles": rows("Profiles", "PartitionKey eq @pk", {"pk": tenant}),
        "expiry": [e for e in rows("ExpiryIndex", "RowKey ge @lo and RowKey lt @hi",
                                   {"lo": tenant + "|", "hi": tenant + "}"})],
    }


@pytest.fixture(scope="module")
def world(devhost, tables):
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    received = send_referral(devhost.base, tenant)
    accepted = send_referral(devhost.base, tenant)
    api.post(f"/referrals/{accepted['id']}/accept", accept_body())
    settled(api)
    return {"api": api, "tenant": tenant, "received": received["id"],
            "accepted": accepted["id"], "devhost": devhost}


def settled(api: Api, timeout: float = 30) -> None:
    """Wait until the world's notifications (webhooks, e-mails) are settled: a delivery
    that lands between two snapshots would look like a write by the refused request."""
    deadline = time.monotonic() + timeout
    while api.get("/notifications", params={"state": "pending"}).json()["value"]:
        assert time.monotonic() < deadline, "notifications still pending"
        time.sleep(0.2)


LONG = "x" * 5000
BAD_BODIES: list[tuple[str, str, Any, set[str | None]]] = [
    # (route kind, method, body, targets expected in details)
    ("received", "accept", {"name": 1, "dealValue": "10", "currency": "EURO",
                            "closingDate": "2099-02-30", "extra": True},
     {"name", "dealValue", "currency", "closingDate", "extra"}),
    ("received", "accept", {**accept_body(), "dealValue": 1e13}, {"dealValue"}),
    ("received", "accept", {**accept_body(), "dealValue": 1.234}, {"dealValue"}),
    ("received", "accept", {**accept_body(), "closingDate": "2000-01-01"}, {"closingDate"}),
    ("received", "accept", {**accept_body(), "team": [{"firstName": "A"}]},
     {"team.0.lastName", "team.0.email", "team.0.phoneNumber"}),
    ("received", "accept", {**accept_body(), "notes": "n" * 4001}, {"notes"}),
    ("received", "decline", {"reason": "Bored"}, {"reason"}),
    ("received", "decline", {"reason": "Other"}, {"notes"}),
    ("received", "decline", {"reason": "NotAFit", "notes": ["a"]}, {"notes"}),
    ("accepted", "team", {"firstName": "", "lastName": LONG, "email": "not-an-email",
                          "phoneNumber": "call me"},
     {"firstName", "lastName", "email", "phoneNumber"}),
    ("accepted", "lose", {"reason": LONG}, {"reason"}),
    ("accepted", "win", {"notes": 5}, {"notes"}),
]


@pytest.mark.parametrize("kind,action,body,targets", BAD_BODIES)
def test_bad_bodies_listed_and_nothing_written(world, tables, kind, action, body, targets):
    before = snapshot(tables, world["tenant"])
    resp = world["api"].post(f"/referrals/{world[kind]}/{action}", body)
    assert resp.status_code == 400, resp.text
    error = resp.json()["error"]
    assert error["code"] == "invalidRequest"
    assert {d["target"] for d in error["details"]} == targets
    assert snapshot(tables, world["tenant"]) == before


@pytest.mark.parametrize("raw,ctype,status,code", [
    (b"{", "application/json", 400, "invalidRequest"),
    (b'{"reason": "NotAFit"', "application/json", 400, "invalidRequest"),
    (b"\xff\xfe", "application/json", 400, "invalidRequest"),
    (b"[]", "application/json", 400, "invalidRequest"),
    (b"reason=NotAFit", "application/x-www-form-urlencoded", 415, "unsupportedMediaType"),
    (b'{"reason": "NotAFit"}', "text/plain", 415, "unsupportedMediaType"),
    (b'{"reason": "NotAFit"}', "application/merge-patch+json", 415, "unsupportedMediaType"),
])
def test_malformed_or_non_json_bodies(world, tables, raw, ctype, status, code):
    before = snapshot(tables, world["tenant"])
    resp = world["api"].session.post(
        f"{world['devhost'].base}/referrals/{world['received']}/decline", data=raw,
        headers={"Content-Type": ctype}, timeout=10)
    assert resp.status_code == status and resp.json()["error"]["code"] == code
    assert resp.headers["x-ms-error-code"] == code and resp.headers["x-ms-request-id"]
    assert snapshot(tables, world["tenant"]) == before


def test_oversized_body_is_413_before_parsing(world, tables):
    before = snapshot(tables, world["tenant"])
    resp = world["api"].session.post(
        f"{world['devhost'].base}/referrals/{world['received']}/decline",
        data=b"{" + b" " * (64 * 1024) + b"}", headers={"Content-Type": "application/json"},
        timeout=10)
    assert resp.status_code == 413 and resp.json()["error"]["code"] == "payloadTooLarge"
    assert snapshot(tables, world["tenant"]) == before


def test_profile_over_table_limits_is_refused_not_failed(world, tables):
    """Under 64 KiB on the wire but over Table Storage's 64 KiB (UTF-16) property limit."""
    body = profile_body()
    # ASCII is 1 byte on the wire but 2 in UTF-16, so ~44K characters fit the body limit
    # and overflow the stored property.
    contact = {"firstName": "A" * 90, "lastName": "B" * 90, "email": "a@b.example"}
    body["locations"] = [{"name": f"L{i}", "country": "NL", "contacts": [contact] * 4}
                         for i in range(50)]
    body["keywords"] = ["k" * 100] * 50
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert len(raw) < 64 * 1024
    before = snapshot(tables, world["tenant"])
    resp = world["api"].session.put(f"{world['devhost'].base}/profile", data=raw,
                                    headers={"Content-Type": "application/json"}, timeout=10)
    if resp.status_code == 200:  # it fit after all: then it must read back identically
        assert world["api"].get("/profile").json()["keywords"] == body["keywords"]
        pytest.fail("profile expected to exceed the Table property limit")
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalidRequest"
    assert snapshot(tables, world["tenant"]) == before


ODD_IDS = ["'", "''", "x' or PartitionKey ne '", "%27", "%00", "é漢字", "a" * 2000,
           "r0000000000000aaaaaaaaaa", "..", "%2e%2e", "$filter=true"]


@pytest.mark.parametrize("odd", ODD_IDS)
def test_odd_ids_are_404_never_5xx(world, odd):
    base = world["devhost"].base
    for method, suffix in (("GET", ""), ("POST", "/accept"), ("PUT", "/favorite")):
        resp = world["api"].session.request(method, f"{base}/referrals/{odd}{suffix}",
                                            json=accept_body(), timeout=10)
        assert resp.status_code in (400, 404), (method, odd, resp.status_code, resp.text)
        if resp.content:  # dot segments never reach a function: the host's bare 404
            assert resp.json()["error"]["code"] in ("itemNotFound", "invalidRequest")


@pytest.mark.parametrize("params", [
    {"view": "'"}, {"stage": "received' or '1' eq '1"}, {"top": "1e2"}, {"top": "-5"},
    {"top": "٣"}, {"view": "é" * 3000}, {"continuationToken": "%%%"},
    {"continuationToken": base64.urlsafe_b64encode(b'{"v":1,"a":"x\' or 1","q":"|"}').decode()},
])
def test_odd_query_values_are_400(world, params):
    resp = world["api"].get("/referrals", params=params)
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["details"]


def test_foreign_and_tampered_continuation_tokens(world, devhost):
    api, tenant = world["api"], world["tenant"]
    for _ in range(2):
        send_referral(devhost.base, tenant)
    link = api.get("/referrals", params={"top": "1"}).json()["nextLink"]
    token = requests.utils.unquote(link.split("continuationToken=")[1])
    # Same token with another view: refused, it belongs to another query.
    other_view = api.get("/referrals", params={"top": "1", "view": "favorites",
                                               "continuationToken": token})
    assert other_view.status_code == 400
    # Tokens are signed (CONTINUATION_TOKEN_KEY): a changed one is refused.
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert api.get("/referrals", params={"top": "1", "continuationToken": tampered}
                   ).status_code == 400
    # And bound to the tenant: another tenant replaying it is refused, not served.
    stranger = onboard(devhost.base, new_tenant())
    resp = stranger.get("/referrals", params={"top": "1", "continuationToken": token})
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["details"][0]["target"] == "continuationToken"


def test_bad_intake_lists_fields_and_writes_nothing(world, tables, devhost):
    intake = Api(devhost.base, "msft-systems", INTAKE)
    body = intake_body(world["tenant"])
    body["qualification"] = "Cold"
    body["customerProfile"]["size"] = "huge"
    body["customerProfile"]["address"]["country"] = "Netherlands"
    del body["invitedBy"]
    before = snapshot(tables, world["tenant"])
    resp = intake.post("/referrals", body)
    assert resp.status_code == 400
    assert {d["target"] for d in resp.json()["error"]["details"]} == {
        "qualification", "customerProfile.size", "customerProfile.address.country", "invitedBy"}
    bad_partner = intake.post("/referrals", intake_body("has/slash'quote"))
    assert bad_partner.status_code == 400
    assert snapshot(tables, world["tenant"]) == before
