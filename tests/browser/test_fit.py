"""The fit score: a badge on cards and rows with its reasons on hover and keyboard focus, the
reasons in the detail, "Best fit first" for received leads, and the win rate by fit band."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factories import intake_body

from .conftest import PHONE, SHOTS, Seed, admin_user
from .helpers import lead, names, open_lead

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


def fitting(seed: Seed, customer: str, how: str) -> dict[str, Any]:
    """Against the seed's profile (keywords azure and migration, small and mid-sized customers,
    a location in NL): "best" scores 50, "some" 40, "poor" 0."""
    body = intake_body(seed.tenant, contact_me=False)
    body["customerProfile"]["name"] = customer
    if how == "best":
        body["details"]["notes"] = "An Azure migration of 40 VMs"
    if how == "poor":
        body["details"].update(notes="Office printers", requirements={"products": [], "industries": [], "services": []})
        body["customerProfile"].update(size="Morethan500employees", address={"city": "Berlin", "country": "DE"})
    resp = seed.intake.post("/referrals", body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def test_the_fit_badge_shows_its_reasons_on_hover_and_focus(open_page, seed):
    assert fitting(seed, "Some Fit", "some")["fit"]["score"] == 40
    assert fitting(seed, "Poor Fit", "poor")["fit"]["score"] == 0
    page = open_page(admin_user(seed.tenant))
    badge = lead(page, "Some Fit").locator(".fit")
    expect(badge).to_have_text("Fit 40Fit 40 of 100+10Matches your keywords: azure+15A customer size you serve "
                               "(51 to 500 employees)+15A customer in NL, where you have a location")
    tip = badge.locator("[role=tooltip]")
    expect(tip).to_be_hidden()
    badge.hover()
    expect(tip).to_be_visible()
    page.screenshot(path=str(SHOTS / "fit-tooltip-hover.png"))
    page.mouse.move(0, 0)
    expect(tip).to_be_hidden()
    card = lead(page, "Some Fit").locator(".lead-open")
    card.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # keyboard focus (focus-visible) shows it too
    expect(tip).to_be_visible()
    expect(card).to_have_attribute("aria-describedby", tip.get_attribute("id"))
    expect(lead(page, "Poor Fit").locator(".fit")).to_have_class("fit fit-low")

    open_lead(page, "Poor Fit")
    expect(page.locator("#detail .fit-detail")).to_contain_text("Nothing in your profile or history matched this lead.")
    open_lead(page, "Some Fit")
    expect(page.locator("#detail .fit-reasons li")).to_have_count(3)

    page.get_by_role("button", name="Table", exact=True).click()
    row_badge = page.locator("#lead-table tbody tr", has_text="Some Fit").locator(".fit")
    row_badge.focus()
    expect(row_badge.locator("[role=tooltip]")).to_be_visible()
    page.screenshot(path=str(SHOTS / "fit-tooltip-table.png"))

    phone = open_page(admin_user(seed.tenant), viewport=PHONE)
    phone.locator("li.lead", has_text="Some Fit").locator(".fit").hover()
    phone.screenshot(path=str(SHOTS / "fit-tooltip-phone.png"))


def test_best_fit_first_orders_received_leads_by_score(open_page, seed):
    for customer, how in (("Some Fit", "some"), ("Poor Fit", "poor"), ("Best Fit", "best")):
        fitting(seed, customer, how)
    page = open_page(admin_user(seed.tenant))
    expect(names(page)).to_have_text(["Best Fit", "Poor Fit", "Some Fit"])  # newest first
    sort = page.get_by_label("Sort")
    sort.select_option(label="Best fit first")
    expect(names(page)).to_have_text(["Best Fit", "Some Fit", "Poor Fit"])
    expect(page.locator("li.lead .fit-score")).to_have_text(["50", "40", "0"])
    page.get_by_role("button", name="Table", exact=True).click()
    expect(page.locator("#lead-table thead th[aria-sort=descending]")).to_have_text("Fit ↓")
    page.get_by_label("Accepted", exact=True).check()  # only received leads sort by fit
    expect(page.locator("#sort option[value='fit desc']")).to_be_disabled()
    expect(sort).to_have_value("createdDateTime desc")


def test_insights_show_the_win_rate_by_fit_band(open_page, seed):
    won, lost = fitting(seed, "Won Fit", "some"), fitting(seed, "Lost Fit", "some")
    for ref, close in ((won, ("win", {})), (lost, ("lose", {"reason": "Price"}))):
        assert seed.admin.post(f"/referrals/{ref['id']}/accept", {
            "name": "Deal", "dealValue": 1000, "currency": "EUR", "closingDate": "2099-12-31"}).ok
        assert seed.admin.post(f"/referrals/{ref['id']}/{close[0]}", close[1]).ok
    page = open_page(admin_user(seed.tenant))
    page.get_by_text("Win rate by fit score").click()
    rows = page.locator("#insight-fit li")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Fit 70\u2013100")
    expect(rows.nth(1)).to_contain_text("Fit 40\u201369")
    expect(rows.nth(1)).to_contain_text("50%")
    expect(rows.nth(1)).to_contain_text("1 won · 1 lost")
    page.locator("#insight-fit").screenshot(path=str(SHOTS / "fit-calibration.png"))
    phone = open_page(admin_user(seed.tenant), viewport=PHONE)
    phone.get_by_text("Win rate by fit score").click()
    phone.locator("#insight-fit").screenshot(path=str(SHOTS / "fit-calibration-phone.png"))
