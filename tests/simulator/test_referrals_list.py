"""The simulated Referrals API lists as Partner Center documents it: OData ``$filter``,
``$orderby``, ``$top`` (100 a page at most), a ``value`` array and an absolute
``@odata.nextLink`` until the last page."""

from __future__ import annotations

import math

import requests

from tools.partner_center_sim import DEFAULT_TENANT

from .helpers import sign_in

QUERY = "$filter=direction eq 'Incoming' and updatedDateTime gt {w}&$orderby=updatedDateTime asc&$top=100"


def _all_pages(session: requests.Session, url: str) -> list[dict]:
    pages = []
    while url:
        answer = session.get(url, timeout=10)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        url = pages[-1].get("@odata.nextLink")
    return pages


def _incoming(sim) -> list[dict]:
    store = sim.simulator.store.tenant(DEFAULT_TENANT)
    return [r for r in store.iter_ordered() if r["direction"] == "Incoming"]


def test_paging_follows_next_link_to_the_end_100_at_a_time(sim):
    sim.seed(DEFAULT_TENANT, 1000, seed=5)
    session = sign_in(sim)
    url = f"{sim.api_url}/referrals?" + QUERY.format(w="2000-01-01T00:00:00Z")
    pages = _all_pages(session, url)
    rows = [r for page in pages for r in page["value"]]
    expected = _incoming(sim)
    assert len(pages) == math.ceil(len(expected) / 100)
    assert all(len(p["value"]) == 100 for p in pages[:-1]) and 0 < len(pages[-1]["value"]) <= 100
    assert [r["id"] for r in rows] == [r["id"] for r in expected]
    assert [r["updatedDateTime"] for r in rows] == sorted(r["updatedDateTime"] for r in rows)
    assert all(p["@odata.nextLink"].startswith(sim.api_url + "/referrals?") for p in pages[:-1])
    assert "@odata.nextLink" not in pages[-1]
    assert sim.counters()["tenants"][DEFAULT_TENANT]["list"] == len(pages)


def test_updated_after_a_watermark_returns_only_later_changes(sim):
    sim.seed(DEFAULT_TENANT, 300, seed=7)
    session = sign_in(sim)
    ordered = _incoming(sim)
    watermark = ordered[199]["updatedDateTime"]
    pages = _all_pages(session, f"{sim.api_url}/referrals?" + QUERY.format(w=watermark))
    assert [r["id"] for p in pages for r in p["value"]] == [r["id"] for r in ordered[200:]]

    newest = ordered[-1]["updatedDateTime"]
    changed = sim.change_referral(DEFAULT_TENANT, ordered[0]["id"], {"name": "Renamed"})
    later = _all_pages(session, f"{sim.api_url}/referrals?" + QUERY.format(w=newest))
    assert [r["id"] for p in later for r in p["value"]] == [changed["id"]]
    assert later[0]["value"][0]["name"] == "Renamed"


def test_a_referral_changed_while_a_client_pages_is_still_met(sim):
    sim.seed(DEFAULT_TENANT, 250, seed=3, mix={"lead": 1.0})
    session = sign_in(sim)
    first = session.get(f"{sim.api_url}/referrals?" + QUERY.format(w="2000-01-01T00:00:00Z"),
                        timeout=5).json()
    unseen = _incoming(sim)[150]["id"]
    sim.change_referral(DEFAULT_TENANT, _incoming(sim)[120]["id"], {"name": "moved"})
    rest = _all_pages(session, first["@odata.nextLink"])
    seen = {r["id"] for r in first["value"]} | {r["id"] for p in rest for r in p["value"]}
    assert unseen in seen and len(seen) == 250


def test_offset_paging_can_be_chosen(sim):
    sim.seed(DEFAULT_TENANT, 230, seed=1, mix={"lead": 1.0})
    requests.post(f"{sim.url}/_sim/config", json={"paging": "skip"}, timeout=5)
    try:
        pages = _all_pages(sign_in(sim), f"{sim.api_url}/referrals?$top=100")
        assert "$skip=100" in pages[0]["@odata.nextLink"]
        assert [len(p["value"]) for p in pages] == [100, 100, 30]
    finally:
        requests.post(f"{sim.url}/_sim/config", json={"paging": "skiptoken"}, timeout=5)


def test_top_is_capped_at_100_and_filters_combine(sim):
    sim.seed(DEFAULT_TENANT, 400, seed=2)
    session = sign_in(sim)
    page = session.get(f"{sim.api_url}/referrals?$top=500", timeout=5).json()
    assert len(page["value"]) == 100
    page = session.get(f"{sim.api_url}/referrals?$filter=type eq 'Shared' and direction eq "
                       "'Outgoing'&$top=100", timeout=5).json()
    assert page["value"] and all(r["type"] == "Shared" and r["direction"] == "Outgoing"
                                 for r in page["value"])


def test_filters_it_cannot_read_are_refused(sim):
    session = sign_in(sim)
    for query in ("$filter=status eq 'New' or status eq 'Active'", "$filter=name startswith 'a'",
                  "$orderby=name asc", "$top=0"):
        answer = session.get(f"{sim.api_url}/referrals?{query}", timeout=5)
        assert answer.status_code == 400, query
        assert answer.json()["error"]["code"] == "InvalidQuery"
