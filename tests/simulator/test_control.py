"""The control API: seeding (10,000 leads quickly, deterministic by seed, with the co-sell
and outgoing referrals a connector must skip), counters per endpoint and tenant, reset."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import requests

from tools.partner_center_sim import DEFAULT_TENANT

from .helpers import sign_in

OTHER = "99999999-8888-7777-6666-555555555555"


def _kind(referral: dict) -> str:
    invited = (referral.get("inviteContext") or {}).get("invitedBy", {}).get("organizationId")
    if referral["direction"] == "Outgoing":
        return "outgoing"
    if referral["type"] == "Shared":
        return "cosell"
    return "lead" if invited in ("msft", None) else "partner"


def test_seeding_ten_thousand_is_quick_and_mixed(sim):
    started = time.monotonic()
    answer = requests.post(f"{sim.url}/_sim/tenants/{DEFAULT_TENANT}/seed",
                           json={"count": 10_000, "seed": 5}, timeout=60)
    assert answer.status_code == 201 and answer.json()["created"] == 10_000
    assert time.monotonic() - started < 20  # about 2 s on a laptop core
    store = sim.simulator.store.tenant(DEFAULT_TENANT)
    kinds = Counter(_kind(r) for r in store.iter_ordered())
    assert kinds["lead"] > 7_000 and kinds["cosell"] > 500 and kinds["outgoing"] > 200
    statuses = Counter(r["status"] for r in store.iter_ordered())
    assert statuses["New"] > statuses["Active"] > 0 and statuses["Closed"] > 0


def test_the_same_seed_gives_the_same_referrals(sim):
    first = sim.seed(DEFAULT_TENANT, 50, seed=9)
    names = [sim.referral(DEFAULT_TENANT, i)["name"] for i in first]
    sim.reset()
    again = sim.seed(DEFAULT_TENANT, 50, seed=9)
    assert again == first and [sim.referral(DEFAULT_TENANT, i)["name"] for i in again] == names


def test_counters_are_kept_per_endpoint_and_tenant_and_can_be_cleared(sim):
    lead = sim.create_referral(DEFAULT_TENANT, emit=False)
    session, other = sign_in(sim), sign_in(sim, OTHER)
    session.get(f"{sim.api_url}/referrals", timeout=5)
    session.get(f"{sim.api_url}/referrals/{lead['id']}", timeout=5)
    session.patch(f"{sim.api_url}/referrals/{lead['id']}", headers={"If-Match": lead["eTag"]},
                  json=[{"op": "replace", "path": "/name", "value": "x"}], timeout=5)
    other.get(f"{sim.api_url}/referrals", timeout=5)
    counters = requests.get(f"{sim.url}/_sim/counters", timeout=5).json()
    mine = counters["tenants"][DEFAULT_TENANT]
    assert (mine["list"], mine["get"], mine["patch"], mine["token"]) == (1, 1, 1, 1)
    assert counters["tenants"][OTHER]["list"] == 1 and counters["total"]["list"] == 2
    assert requests.delete(f"{sim.url}/_sim/counters", timeout=5).status_code == 204
    assert requests.get(f"{sim.url}/_sim/counters", timeout=5).json()["total"] == {}


def test_info_names_the_settings_a_product_needs(sim):
    info = requests.get(f"{sim.url}/_sim/info", timeout=5).json()
    assert info["apiUrl"] == f"{sim.url}/v1.0/engagements"
    assert info["webhookApiUrl"] == f"{sim.url}/webhooks/v1"
    assert info["certUrlPrefix"] == f"{sim.url}/cert/"
    assert Path(info["caPemPath"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert sim.settings()["PARTNER_CENTER_TRUSTED_ROOTS"] == info["caPemPath"]


def test_reset_forgets_referrals_tokens_and_registrations(sim):
    lead = sim.create_referral(DEFAULT_TENANT, emit=False)
    session = sign_in(sim)
    session.post(f"{sim.webhook_api_url}/registration", timeout=5,
                 json={"WebhookUrl": "https://a.example", "WebhookEvents": ["referral-created"]})
    assert requests.post(f"{sim.url}/_sim/reset", timeout=5).status_code == 204
    assert sim.referral(DEFAULT_TENANT, lead["id"]) is None
    assert session.get(f"{sim.webhook_api_url}/registration", timeout=5).status_code == 401
