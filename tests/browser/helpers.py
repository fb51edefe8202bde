"""Steps the browser tests share: seeding referrals with a country or a deal value, and
finding leads on the page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.factories import accept_body, intake_body

from .conftest import Seed

expect = pytest.importorskip("playwright.sync_api").expect


def referral(seed: Seed, customer: str, qualification: str = "Direct", country: str = "NL", *,
             deal_value: float | None = None) -> dict[str, Any]:
    """A received referral from `country`; accepted with that deal value when one is given."""
    body = intake_body(seed.tenant, qualification, contact_me=False)
    body["customerProfile"]["name"] = customer
    body["customerProfile"]["address"]["country"] = country
    resp = seed.intake.post("/referrals", body)
    assert resp.status_code == 201, resp.text
    ref = dict(resp.json())
    if deal_value is not None:
        accept = {**accept_body(), "name": f"{customer} deal", "dealValue": deal_value}
        done = seed.admin.post(f"/referrals/{ref['id']}/accept", accept)
        assert done.status_code == 200, done.text
        ref = dict(done.json())
    return ref


def names(page):
    return page.locator(".lead-name")


def lead(page, customer):
    return page.locator("li.lead").filter(has=page.locator(".lead-name", has_text=customer))


def open_lead(page, customer):
    lead(page, customer).locator(".lead-open").click()
    expect(page.locator("#detail-title")).to_have_text(customer)


def no_sideways_scroll(page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def local_object_id(key: str) -> str:
    """The object id the page derives for a local person (auth.js localObjectId)."""
    data = f"referrals-local:{key.strip().lower()}".encode()
    words = ""
    for seed in (0x811C9DC5, 0x01000193, 0x2F6B1A3D, 0x5BD1E995):
        value = seed
        for byte in data:
            value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
        words += f"{value:08x}"
    return f"{words[:8]}-{words[8:12]}-{words[12:16]}-{words[16:20]}-{words[20:32]}"


def open_accepted(page, customer):
    page.get_by_label("Accepted", exact=True).check()
    open_lead(page, customer)


def events(page):
    return page.locator("#detail .timeline > li")


def change(field: str, old: str, new: str) -> re.Pattern[str]:
    """A timeline change as its text reads: "Field: old → new" (with " changed to " for
    screen readers between them)."""
    return re.compile(f"{re.escape(field)}: {re.escape(old)} → +changed to {re.escape(new)}")
