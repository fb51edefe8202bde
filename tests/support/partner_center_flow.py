"""Steps the Partner Center end-to-end tests share: the admin's sign-in as a browser does it,
waiting for background work, and the referrals that came from Partner Center."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from .client import Api
from .devhost_proc import DevHost
from .factories import profile_body


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


def connect(devhost: DevHost, tenant: str, profile: bool = True) -> Api:
    """The admin's sign-in as a browser would do it: follow the authorize URL (the simulation
    signs in at once) back to the callback, which answers with the dashboard's address."""
    api = Api(devhost.base, tenant)
    if profile:
        assert api.call("PUT", "/profile", profile_body()).status_code == 200
    started = api.post("/partner-center/connect")
    assert started.status_code == 200, started.text
    authorize = started.json()["authorizeUrl"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert "https://api.partner.microsoft.com/user_impersonation" in query["scope"][0]
    signed_in = requests.get(authorize, allow_redirects=False, timeout=10)
    callback = signed_in.headers["Location"]
    assert callback.startswith(f"{devhost.base}/partner-center/callback?")
    done = requests.get(callback, allow_redirects=False, timeout=30)
    assert done.status_code == 302 and "partnerCenter=connected" in done.headers["Location"]
    replay = requests.get(callback, allow_redirects=False, timeout=30)
    assert "partnerCenter=failed&reason=invalid_state" in replay.headers["Location"]
    return api


def imported(api: Api) -> dict[str, dict[str, Any]]:
    resp = api.get("/referrals", params={"top": "100"})
    assert resp.status_code == 200, resp.text
    return {r["partnerCenter"]["id"]: r for r in resp.json()["value"]
            if r["source"] == "partnerCenter"}
