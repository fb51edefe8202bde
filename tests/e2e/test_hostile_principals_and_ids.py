"""Over HTTP through devhost + Azurite: a principal nested deep enough to exhaust the JSON
parser is 401, and ids, tenants and tokens with a trailing newline are 400, 401 or 404, never
a 5xx (each once passed a `re.match` with `$` and failed in storage)."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
import requests

from tests.support.client import onboard, send_referral
from tests.support.factories import ADMIN, new_tenant

pytestmark = pytest.mark.e2e


def _principal(tenant: str, *roles: str) -> str:
    claims = [{"typ": "tid", "val": tenant}, {"typ": "oid", "val": "o1"},
              *({"typ": "roles", "val": r} for r in roles)]
    return base64.b64encode(json.dumps({"claims": claims}).encode()).decode()


NESTED = base64.b64encode(b'{"claims":' + b"[" * 3000 + b"]" * 3000 + b"}").decode()


def test_nested_principal_is_401(devhost):
    resp = requests.get(f"{devhost.base}/referrals", timeout=30,
                        headers={"X-MS-CLIENT-PRINCIPAL": NESTED})
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthenticated"


def test_trailing_newline_ids_are_never_5xx(devhost):
    tenant = new_tenant()
    onboard(devhost.base, tenant)
    rid = send_referral(devhost.base, tenant)["id"]
    admin = {"X-MS-CLIENT-PRINCIPAL": _principal(tenant, ADMIN)}
    cases = [
        ("GET", f"/referrals/{quote(rid + chr(10))}", admin, {401, 404}),
        ("POST", f"/referrals/{quote(rid + chr(10))}/accept", admin, {400, 404}),
        ("GET", "/referrals", {"X-MS-CLIENT-PRINCIPAL": _principal(tenant + "\n", ADMIN)},
         {401}),
        ("PUT", "/profile", {"X-MS-CLIENT-PRINCIPAL": _principal(tenant + "\n", ADMIN)},
         {401}),
        ("GET", f"/referrals?search={quote(rid + chr(10))}", admin, {200, 400}),
        ("GET", "/referrals?continuationToken=" + quote("eyJ2IjoyfQ\n"), admin, {400}),
        ("GET", "/referrals?country=" + quote("NL\n"), admin, {400}),
    ]
    for method, path, headers, allowed in cases:
        resp = requests.request(method, devhost.base + path, headers=headers, timeout=30,
                                json={} if method != "GET" else None)
        assert resp.status_code in allowed, (method, path, resp.status_code, resp.text)
        if resp.status_code >= 400:
            assert set(resp.json()["error"]) == {"code", "message", "target", "details"}
