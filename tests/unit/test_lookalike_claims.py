"""Who a Referrals user is, strictly (issue 27 items 4 and 5): its team address comes from a
claim its tenant issues (preferred_username, UPN; the mutable ``email`` claim only when Entra
marks it verified), in plain ASCII, so a look-alike (KELVIN SIGN for K) matches nobody; and a
principal without an object id is 401, never a shared "unknown" identity."""

from __future__ import annotations

import base64
import json

import azure.functions as func
import pytest

from shared.auth.errors import Unauthenticated
from shared.auth.principals import _jwt_claims, caller_from_claims, parse_principal
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

OID = "http://schemas.microsoft.com/identity/claims/objectidentifier"
KATE = "kate@contoso.example"


def principal(*claims: tuple[str, str], oid: str | None = "22222222-0000-0000-0000-00000000000k"
              ) -> dict[str, str]:
    listed = [{"typ": TENANT_CLAIM, "val": "t1"}, {"typ": "roles", "val": "Referrals.User"}]
    listed += [{"typ": OID, "val": oid}] if oid is not None else []
    listed += [{"typ": typ, "val": val} for typ, val in claims]
    raw = base64.b64encode(json.dumps({"auth_typ": "aad", "claims": listed}).encode()).decode()
    return {"X-MS-CLIENT-PRINCIPAL": raw}


@pytest.fixture(scope="module")
def world() -> tuple[MemoryApp, object, str]:
    """t1 has one accepted referral whose team holds kate@contoso.example."""
    app = MemoryApp()
    runtime = app.runtime()

    def call(name: str, hdrs: dict, method: str = "GET", body: object = None, **route: str
             ) -> func.HttpResponse:
        req = func.HttpRequest(method, "http://127.0.0.1:7071/api/x", headers=hdrs, params={},
                               route_params=route,
                               body=json.dumps(body).encode() if body is not None else b"")
        return call_route(name, req, runtime)

    admin = headers("t1", ADMIN)
    assert call("put_profile", admin, "PUT", profile_body()).status_code == 200
    made = json.loads(call("create_referral", headers("msft", INTAKE), "POST",
                           intake_body("t1")).get_body())
    assert call("accept_referral", admin, "POST", accept_body(), id=made["id"]).status_code == 200
    assert call("add_team_member", admin, "POST", member_body(KATE),
                id=made["id"]).status_code == 200
    return app, call, made["id"]


def status_of(world, hdrs: dict) -> int:
    _, call, rid = world
    return call("get_referral", hdrs, id=rid).status_code


def test_the_team_member_herself_sees_it(world):
    assert status_of(world, principal(("preferred_username", "Kate@Contoso.Example"))) == 200


@pytest.mark.parametrize("claim", [
    "\u212aate@contoso.example",  # KELVIN SIGN: lower() makes it "kate@..."
    "\u212aATE@CONTOSO.EXAMPLE", "k\u0430te@contoso.example",  # and a Cyrillic a
    "\uff4bate@contoso.example",  # FULLWIDTH k
    "kate@contoso.example\u200b", "ka\u00adte@contoso.example", "kate@contoso.example\x00",
])
def test_look_alike_claims_answer_404(world, claim):
    assert status_of(world, principal(("preferred_username", claim))) == 404
    assert status_of(world, principal(("upn", claim))) == 404


def test_the_mutable_email_claim_counts_only_when_verified(world):
    assert status_of(world, principal(("email", KATE))) == 404
    assert status_of(world, principal(("email", KATE), ("xms_edov", "false"))) == 404
    assert status_of(world, principal(("email", KATE), ("xms_edov", "true"))) == 200
    # A sign-in name wins over an e-mail claim, verified or not.
    assert status_of(world, principal(("preferred_username", "eve@contoso.example"),
                                      ("email", KATE), ("xms_edov", "1"))) == 404


def test_entra_tokens_follow_the_same_rules():
    base = {"tid": "t1", "oid": "o1", "roles": ["Referrals.User"]}
    assert caller_from_claims(_jwt_claims({**base, "email": KATE})).email is None
    assert caller_from_claims(_jwt_claims({**base, "email": KATE, "xms_edov": True})
                              ).email == KATE
    assert caller_from_claims(_jwt_claims({**base, "upn": "\u212aate@contoso.example"})
                              ).email is None


@pytest.mark.parametrize("oid", [None, "", "   "])
def test_a_principal_without_an_object_id_is_401(world, oid):
    hdrs = principal(("preferred_username", KATE), oid=oid)
    with pytest.raises(Unauthenticated, match="object id"):
        parse_principal(hdrs["X-MS-CLIENT-PRINCIPAL"])
    _, call, _ = world
    resp = call("list_referrals", hdrs)
    assert resp.status_code == 401
    assert json.loads(resp.get_body())["error"]["code"] == "unauthenticated"
