"""Marketplace leads over real HTTP (devhost + Azurite): the lead URL's life, leads in both
property-name styles, the test lead, retries, rotation and revocation, bad bodies, and
partners kept apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from shared.bootstrap import table_service
from shared.settings import StorageSettings
from tests.support.client import Api, onboard
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.factories import new_tenant
from tests.support.hosting import host_env
from tests.unit.marketplace.documented import (
    CAMEL_CASE_LEAD,
    HTTPS_SAMPLE,
    TEST_LEAD,
    TEST_LEAD_AS_PRINTED,
)

pytestmark = pytest.mark.e2e

PUBLIC = "https://referrals.e2e.example"
LEADS = "/api/marketplace/leads/"


@pytest.fixture(scope="module")
def host(azurite, webhooks, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    # Its own devhost: the session's has no PUBLIC_BASE_URL (lead URLs cannot be made).
    log_dir: Path = tmp_path_factory.mktemp("marketplace-host")
    h = start_devhost(host_env(azurite, webhooks, PUBLIC_BASE_URL=PUBLIC), log_dir)
    yield h
    h.stop()


@pytest.fixture(scope="module")
def tables(azurite):
    return table_service(StorageSettings(connection_string=azurite.connection_string))


def new_url(host: DevHost, api: Api) -> str:
    """A new lead URL for ``api``'s partner, as the marketplace will call it here."""
    resp = api.post("/profile/marketplace-endpoint")
    assert resp.status_code == 200, resp.text
    url = resp.json()["url"]
    assert url.startswith(PUBLIC + LEADS)
    return host.root + LEADS + url.removeprefix(PUBLIC + LEADS)


def post(url: str, body: bytes, content_type: str | None = "application/json"
         ) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return requests.post(url, data=body, headers=headers, timeout=30)


def listed(api: Api, **query: str) -> list[dict[str, Any]]:
    resp = api.get("/referrals", params=query)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["value"])


def endpoint(api: Api) -> dict[str, Any] | None:
    return api.get("/profile").json()["marketplaceEndpoint"]  # type: ignore[no-any-return]


def test_leads_in_both_styles_become_marketplace_referrals(host):
    api = onboard(host.base, new_tenant())
    assert endpoint(api) is None
    url = new_url(host, api)
    assert endpoint(api)["lastLeadDateTime"] is None
    # Any content type, or none, as long as the body is a JSON object.
    pascal = post(url, HTTPS_SAMPLE, "text/plain")
    camel = post(url, CAMEL_CASE_LEAD, None)
    assert (pascal.status_code, camel.status_code) == (201, 201), (pascal.text, camel.text)
    by_id = {r["id"]: r for r in listed(api, view="marketplace")}
    assert set(by_id) == {pascal.json()["id"], camel.json()["id"]}
    one = api.get(f"/referrals/{camel.json()['id']}").json()
    assert (one["source"], one["qualification"], one["stage"]) == (
        "marketplace", "Direct", "received")
    assert one["marketplace"] == {"leadSource": "SPZA-PLT|checkpoint.check-point-r77-10sg-byol",
                                  "source": "SPZA", "action": "PLT",
                                  "offerId": "checkpoint.check-point-r77-10sg-byol",
                                  "offerTitle": "Check Point CloudGuard"}
    assert one["contactAlert"] == "urgent" and one["doNotContact"] is False
    assert one["customerProfile"]["contacts"][0]["email"] == "jsmith@microsoft.com"
    assert one["customerProfile"]["contacts"][0]["title"] == "CTO"
    assert one["fit"] is not None and one["expirationDateTime"] is not None
    other = api.get(f"/referrals/{pascal.json()['id']}").json()
    assert other["customerProfile"]["name"] == "Contoso"
    assert other["marketplace"]["action"] == "INS"  # from ActionCode
    assert "Country: USA" in other["details"]["notes"]
    # Found, exported and counted like any referral.
    assert [r["id"] for r in listed(api, search="Contoso")] == [pascal.json()["id"]]
    export = api.get("/referrals/export").text
    assert "Microsoft" in export and "Contoso" in export
    assert endpoint(api)["lastLeadDateTime"] is not None


def test_the_alert_e_mail_and_webhook_go_out_as_for_any_referral(host, webhooks, mailbox):
    tenant = new_tenant()
    path = f"/partner/{tenant}"
    api = onboard(host.base, tenant, webhook=webhooks.url(path))
    webhooks.trust(path, api.post("/profile/webhook/secret").json()["secret"])
    company = f"Fabrikam {tenant[:8]}"
    body = json.dumps({"userDetails": {"firstName": "Bo", "company": company},
                       "leadSource": "SPZA-PLT|fabrikam.backup"}).encode()
    rid = post(new_url(host, api), body).json()["id"]
    [hook] = webhooks.wait_for(path, "referral.received", referral_id=rid)
    assert hook.json["subject"] == rid
    [mail] = mailbox.wait_for("ada@contoso.example", company)
    assert "New referral" in str(mail.message["Subject"])


def test_the_test_lead_creates_nothing(host):
    api = onboard(host.base, new_tenant())
    url = new_url(host, api)
    resp = post(url, TEST_LEAD)
    assert (resp.status_code, resp.json()) == (200, {"test": True})
    assert listed(api) == []
    status = endpoint(api)
    assert status["lastTestLeadDateTime"] is not None and status["lastLeadDateTime"] is None
    printed = post(url, TEST_LEAD_AS_PRINTED)  # as the FAQ prints it: not JSON
    assert printed.status_code == 400 and printed.json()["error"]["code"] == "invalidRequest"


def test_a_retry_within_24_hours_is_the_same_lead(host):
    api = onboard(host.base, new_tenant())
    url = new_url(host, api)
    first, again = post(url, HTTPS_SAMPLE), post(url, HTTPS_SAMPLE)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert len(listed(api)) == 1
    sent = [n for n in api.get("/notifications").json()["value"]
            if n["referralId"] == first.json()["id"] and n["destination"] == "email"]
    assert len(sent) == 1  # one alert


def test_rotation_and_revocation_take_effect_at_once(host):
    api = onboard(host.base, new_tenant())
    old = new_url(host, api)
    new = new_url(host, api)
    gone = post(old, HTTPS_SAMPLE)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "itemNotFound"
    assert post(new, HTTPS_SAMPLE).status_code == 201
    assert api.call("DELETE", "/profile/marketplace-endpoint").status_code == 204
    assert post(new, CAMEL_CASE_LEAD).status_code == 404
    assert endpoint(api) is None and len(listed(api)) == 1
    assert api.call("DELETE", "/profile/marketplace-endpoint").status_code == 204


def test_unknown_keys_are_404(host):
    for key in ("x" * 43, "short", "..%2F..%2Fprofile"):
        resp = requests.post(host.root + LEADS + key, data=HTTPS_SAMPLE, timeout=30)
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "itemNotFound"


def test_bad_bodies_are_400_or_413_and_create_nothing(host, tables):
    tenant = new_tenant()
    api = onboard(host.base, tenant)
    url = new_url(host, api)
    wrong_types = json.dumps({"UserDetails": {"FirstName": 1, "Email": ["x"]},
                              "OfferTitle": {"a": 1}}).encode()
    resp = post(url, wrong_types)
    assert resp.status_code == 400
    targets = {d["target"] for d in resp.json()["error"]["details"]}
    assert targets == {"userDetails.firstName", "userDetails.email", "offerTitle"}
    for body in (b"[]", b"", b"{", b'"lead"', b'{"UserDetails": "Ada"}', "ü".encode("latin-1")):
        assert post(url, body).status_code == 400, body
    assert post(url, b'{"Description": "' + b"x" * 70_000 + b'"}').status_code == 413
    assert listed(api) == [] and endpoint(api)["lastLeadDateTime"] is None
    assert not list(tables.get_table_client("Referrals").query_entities(
        "PartitionKey eq @pk", parameters={"pk": tenant}))


def test_another_partners_key_never_reaches_this_partner(host):
    a, b = onboard(host.base, new_tenant()), onboard(host.base, new_tenant())
    url_a, url_b = new_url(host, a), new_url(host, b)
    rid = post(url_a, CAMEL_CASE_LEAD).json()["id"]
    assert listed(b) == [] and b.get(f"/referrals/{rid}").status_code == 404
    assert post(url_b, HTTPS_SAMPLE).status_code == 201
    assert [r["id"] for r in listed(a)] == [rid]
    # Revoking one partner's URL leaves the other's working.
    b.call("DELETE", "/profile/marketplace-endpoint")
    assert post(url_a, HTTPS_SAMPLE).status_code == 201


def test_the_key_never_shows_again(host, tables):
    tenant = new_tenant()
    api = onboard(host.base, tenant)
    url = new_url(host, api)
    key = url.rsplit("/", 1)[1]
    assert key not in api.get("/profile").text
    rows = list(tables.get_table_client("Profiles").query_entities(
        "PartitionKey eq @pk", parameters={"pk": tenant}))
    assert rows and all(key not in str(dict(r)) for r in rows)
    assert key not in host.log_path.read_text(errors="replace")


def test_a_profile_read_can_be_written_back_as_it_is(host):
    api = onboard(host.base, new_tenant())
    new_url(host, api)
    read = api.get("/profile").json()
    assert read["marketplaceEndpoint"] is not None
    assert api.call("PUT", "/profile", read).status_code == 200
    assert api.get("/profile").json()["marketplaceEndpoint"] == read["marketplaceEndpoint"]
