"""A small HTTP client for the API as a partner's tool would use it."""

from __future__ import annotations

from typing import Any

import requests

from .factories import ADMIN, INTAKE, headers, intake_body, profile_body


class Api:
    def __init__(self, base: str, tenant: str, *roles: str) -> None:
        self.base, self.tenant = base, tenant
        self.session = requests.Session()
        self.session.headers.update(headers(tenant, *(roles or (ADMIN,))))

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> requests.Response:
        if body is not None:
            kw["json"] = body
        return self.session.request(method, self.base + path, timeout=30, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> requests.Response:
        return self.call("POST", path, body, **kw)


def onboard(base: str, tenant: str, webhook: str | None = None) -> Api:
    admin = Api(base, tenant)
    resp = admin.call("PUT", "/profile", profile_body(webhook))
    assert resp.status_code == 200, resp.text
    return admin


def send_referral(base: str, partner: str, qualification: str = "Direct", **kw: Any
                  ) -> dict[str, Any]:
    intake = Api(base, "microsoft-systems", INTAKE)
    resp = intake.post("/referrals", intake_body(partner, qualification, **kw))
    assert resp.status_code == 201, resp.text
    return dict(resp.json())
