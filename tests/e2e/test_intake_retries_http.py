"""Intake retries over real HTTP, devhost and Azurite: concurrent retries of one request with
one Repeatability-Request-ID create one referral and all answer the same 201."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.client import Api, onboard
from tests.support.factories import INTAKE, intake_body, new_tenant

pytestmark = pytest.mark.e2e


def test_five_concurrent_retries_one_referral_five_identical_201s(devhost):
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    request_id = str(uuid.uuid4())
    body = intake_body(tenant)

    def send(_: int):
        intake = Api(devhost.base, "microsoft-systems", INTAKE)
        return intake.post("/referrals", body, headers={"Repeatability-Request-ID": request_id})

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(send, range(5)))
    assert [r.status_code for r in answers] == [201] * 5, [r.text for r in answers]
    assert len({r.content for r in answers}) == 1
    assert len({(r.headers["ETag"], r.headers["Location"]) for r in answers}) == 1
    assert {r.headers["Repeatability-Result"] for r in answers} == {"accepted"}
    listed = api.get("/referrals").json()["value"]
    assert [r["id"] for r in listed] == [answers[0].json()["id"]]

    other = {**body, "customerProfile": {**body["customerProfile"], "name": "Northwind"}}
    refused = Api(devhost.base, "microsoft-systems", INTAKE).post(
        "/referrals", other, headers={"Repeatability-Request-ID": request_id})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["target"] == "Repeatability-Request-ID"
    assert refused.headers["Repeatability-Result"] == "rejected"
    assert len(api.get("/referrals").json()["value"]) == 1
