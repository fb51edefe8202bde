"""X-MS-CLIENT-PRINCIPAL that cannot be read is 401 whatever is wrong with it: never a 500
(the issue's reproduction was a RecursionError from deep nesting)."""

from __future__ import annotations

import base64
import json

import pytest

from shared.auth.errors import Unauthenticated
from shared.auth.principals import parse_principal


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


GOOD_CLAIMS = [{"typ": "tid", "val": "contoso"}, {"typ": "oid", "val": "o1"},
               {"typ": "roles", "val": "Referrals.Admin"}]

UNREADABLE = {
    "nested 3000 deep": _b64(b'{"claims":' + b"[" * 3000 + b"]" * 3000 + b"}"),
    "nested objects": _b64(b'{"claims":[' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"]}"),
    "over the size cap": _b64(json.dumps({"claims": GOOD_CLAIMS, "pad": "x" * 20000}).encode()),
    "not base64": "%%%notbase64",
    "not ASCII": "é" * 10,
    "not UTF-8": _b64(b'{"claims": ["\xff\xfe"]}'),
    "not JSON": _b64(b"{claims"),
    "JSON not an object": _b64(b"[1, 2]"),
    "claims not a list": _b64(b'{"claims": {"typ": "tid"}}'),
    "huge number": _b64(b'{"claims": [' + b"9" * 5000 + b"]}"),
    "no tenant": _b64(json.dumps({"claims": [{"typ": "tid", "val": 1}]}).encode()),
}


@pytest.mark.parametrize("raw", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_unreadable_principal_is_unauthenticated(raw):
    with pytest.raises(Unauthenticated):
        parse_principal(raw)


@pytest.mark.parametrize("typ", [["roles"], 7, {"a": 1}, None, ""])
def test_odd_claim_type_names_read_as_absent(typ):
    raw = _b64(json.dumps({"claims": GOOD_CLAIMS, "role_typ": typ, "name_typ": typ}).encode())
    caller = parse_principal(raw)
    assert caller.tenant_id == "contoso" and "Referrals.Admin" in caller.roles
