"""Finding leads in the dashboard: search, filters and the sort orders each stage allows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from .conftest import PHONE, SHOTS, admin_user
from .helpers import names, no_sideways_scroll, referral

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


def searches(page) -> list[str]:
    """The list requests the page sends with a search, as it sends them."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url)
            if "/api/referrals?" in r.url and "search=" in r.url else None)
    return sent


def test_search_finds_word_starts_ignoring_case_and_accents(open_page, seed):
    for customer in ("Contoso", "Prefab Homes", "Fabrikam", "Northwind Traders"):
        referral(seed, customer)
    page = open_page(admin_user(seed.tenant))
    expect(names(page)).to_have_count(4)
    sent = searches(page)

    search = page.get_by_role("searchbox", name="Search")
    search.press_sequentially("fab", delay=40)  # debounced: one request once typing stops
    expect(names(page)).to_have_text(["Fabrikam"])  # not "Prefab Homes": words start with it
    assert len(sent) == 1 and "search=fab" in sent[0]
    expect(page.get_by_label("Sort")).to_be_disabled()  # search results keep their own order
    expect(page.locator("#sort-note")).to_be_visible()

    search.fill("FÄB")
    search.press("Enter")  # at once
    expect(names(page)).to_have_text(["Fabrikam"])
    assert "search=F%C3%84B" in sent[-1]

    search.fill("zzz")
    search.press("Enter")
    expect(page.locator("#empty")).to_contain_text("No received marketplace leads match “zzz”.")

    search.fill("")  # clearing restores the whole list
    expect(names(page)).to_have_count(4)
    expect(page.get_by_label("Sort")).to_be_enabled()

    phone = open_page(admin_user(seed.tenant), viewport=PHONE)
    phone.get_by_role("searchbox", name="Search").fill("fab")
    expect(names(phone)).to_have_text(["Fabrikam"])


def test_filters_narrow_the_list_and_errors_sit_next_to_their_control(open_page, seed):
    referral(seed, "Alpha Dutch", "Direct", "NL")
    referral(seed, "Bravo German", "Direct", "DE")
    referral(seed, "Charlie Sales", "SalesQualified", "DE")
    page = open_page(admin_user(seed.tenant))
    expect(names(page)).to_have_count(2)

    country = page.get_by_label("Country")
    country.fill("de")
    expect(country).to_have_value("DE")
    country.press("Enter")
    expect(names(page)).to_have_text(["Bravo German"])
    page.get_by_role("tab", name="Qualified leads").click()  # the filters stay with the tab
    expect(names(page)).to_have_text(["Charlie Sales"])
    page.get_by_label("Kind").select_option("MarketingQualified")
    expect(page.locator("#empty")).to_contain_text("No received qualified leads match these filters.")
    page.get_by_role("button", name="Clear filters").click()
    expect(names(page)).to_have_text(["Charlie Sales"])
    expect(country).to_have_value("")

    page.get_by_role("tab", name="Marketplace leads").click()
    tomorrow = date.today() + timedelta(days=1)
    page.get_by_label("Arrived from").fill(tomorrow.isoformat())
    expect(page.locator("#empty")).to_contain_text("match these filters")
    arrived_to = page.get_by_label("Arrived to")
    arrived_to.fill(date.today().isoformat())  # before "from": the API names createdTo
    expect(arrived_to).to_have_attribute("aria-invalid", "true")
    error = page.locator("#finder .filter", has=arrived_to).locator(".field-error")
    expect(error).to_have_text("Must be on or after “Arrived from”.")
    expect(page.locator("#empty")).to_contain_text("Check the marked filters.")

    country.fill("N")
    country.press("Enter")  # a one-letter country: the API names country too
    expect(country).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#finder .filter", has=country).locator(".field-error")).to_have_text(
        "Use two letters, like NL.")
    page.screenshot(path=str(SHOTS / "filters-field-errors.png"), full_page=True)

    phone = open_page(admin_user(seed.tenant), viewport=PHONE)
    expect(phone.get_by_label("Country")).to_be_hidden()  # phones: the filters on demand
    phone.get_by_role("button", name="Filters").click()
    phone.get_by_label("Country").fill("NL")
    phone.get_by_label("Country").press("Enter")
    expect(names(phone)).to_have_text(["Alpha Dutch"])
    expect(phone.get_by_role("button", name="Filters (1)")).to_have_attribute("aria-expanded", "true")


def test_sort_orders_follow_the_stage(open_page, seed):
    for customer, value in (("Small Deal", 10_000), ("Big Deal", 30_000), ("Middle Deal", 20_000)):
        referral(seed, customer, deal_value=value)
    page = open_page(admin_user(seed.tenant))
    sort = page.get_by_label("Sort")
    expect(page.locator("#sort option[value='expirationDateTime asc']")).to_be_enabled()
    expect(page.locator("#sort option[value='dealValue desc']")).to_be_disabled()

    page.get_by_label("Accepted", exact=True).check()
    expect(names(page)).to_have_text(["Middle Deal", "Big Deal", "Small Deal"])  # newest first
    expect(page.locator("#sort option[value='expirationDateTime asc']")).to_be_disabled()
    sort.select_option(label="Highest deal value")
    expect(names(page)).to_have_text(["Big Deal", "Middle Deal", "Small Deal"])
    sort.select_option(label="Oldest first")
    expect(names(page)).to_have_text(["Small Deal", "Big Deal", "Middle Deal"])
    sort.select_option(label="Highest deal value")
    expect(names(page)).to_have_text(["Big Deal", "Middle Deal", "Small Deal"])

    page.get_by_label("Archived", exact=True).check()  # no deal-value order there: back to newest
    expect(sort).to_have_value("createdDateTime desc")
    expect(page.locator("#empty")).to_contain_text("No archived marketplace leads.")

    phone = open_page(admin_user(seed.tenant), viewport=PHONE)
    phone.get_by_label("Accepted", exact=True).check()
    phone.get_by_label("Sort").select_option(label="Closing soonest")  # all close the same day
    expect(names(phone)).to_have_count(3)
    phone.get_by_role("button", name="Table", exact=True).click()
    expect(phone.locator("#lead-table thead th[aria-sort=ascending]")).to_have_text("Closing date ↑")
    assert no_sideways_scroll(phone)  # the table scrolls inside its box, not the page
