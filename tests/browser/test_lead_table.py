"""The dense table view of the leads: columns, opening a lead, keyboard, remembered layout
and Load more."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from .conftest import PHONE, SHOTS, admin_user
from .helpers import no_sideways_scroll, referral

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


def keyboard_opens_a_row_and_back_returns_to_it(page, rows) -> None:
    """The customer's name is a button; Up/Down move between rows; Enter opens."""
    first = rows.nth(0).get_by_role("button", name="Table Accepted", exact=True)
    first.focus()
    first.press("ArrowDown")
    second = rows.nth(1).get_by_role("button", name="Table Received", exact=True)
    expect(second).to_be_focused()
    second.press("Enter")
    expect(page.locator("#detail-title")).to_have_text("Table Received")
    expect(page.locator("#lead-table")).to_be_hidden()  # the lead opens in the table's place
    page.screenshot(path=str(SHOTS / "table-opened-lead.png"), full_page=True)
    page.get_by_role("button", name="Back to the list").click()
    expect(second).to_be_focused()
    expect(rows.nth(1)).to_have_class("current")


def test_table_view_shows_the_columns_opens_a_lead_and_is_remembered(open_page, seed):
    referral(seed, "Table Received", country="DE")
    taken = referral(seed, "Table Accepted", deal_value=25_000.5)
    owner = {"id": "grace-oid", "name": "Grace Hopper", "email": "grace@contoso.example"}
    assert seed.admin.post(f"/referrals/{taken['id']}/assign", {"owner": owner}).ok
    page = open_page(admin_user(seed.tenant))
    page.get_by_role("button", name="Table", exact=True).click()
    expect(page.get_by_role("button", name="Table", exact=True)).to_have_attribute("aria-pressed", "true")
    table = page.locator("#lead-table")
    expect(table.locator("thead th")).to_have_text([
        "Customer", "Kind", "Stage", "Owner", "Fit", "Country", "Deal value", "Closing date", "Created ↓",
        "Expires", "Favorite"])
    expect(page.locator("li.lead")).to_have_count(0)

    page.get_by_label("All", exact=True).check()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    accepted = rows.filter(has_text="Table Accepted")
    expect(accepted).to_contain_text("Accepted")
    expect(accepted).to_contain_text("€25,000.50")
    expect(accepted).to_contain_text("Dec 31, 2099")
    expect(accepted.locator("td.owner-cell")).to_have_text("Grace Hopper")
    expect(accepted.locator("td.owner-cell")).to_have_attribute("title", "grace@contoso.example")
    received = rows.filter(has_text="Table Received")
    expect(received).to_contain_text("Germany")
    expect(received.locator("td").nth(2)).to_have_text("—")  # no owner before accepting
    expect(received).to_contain_text("Customer inquiry")

    keyboard_opens_a_row_and_back_returns_to_it(page, rows)

    rows.filter(has_text="Table Accepted").locator("td").nth(1).click()  # anywhere on the row
    expect(page.locator("#detail-title")).to_have_text("Table Accepted")

    page.reload()  # remembered in localStorage
    expect(page.locator("#lead-table tbody tr")).to_have_count(1)
    expect(page.locator("li.lead")).to_have_count(0)

    phone = open_page(admin_user(seed.tenant), viewport=PHONE)  # a new browser profile
    expect(phone.locator("li.lead")).to_have_count(1)
    phone.get_by_role("button", name="Table", exact=True).click()
    phone.get_by_label("Accepted", exact=True).check()
    expect(phone.locator("#lead-table tbody tr .row-open")).to_have_text(["Table Accepted"])
    assert no_sideways_scroll(phone)


def test_load_more_follows_next_link_in_the_table(open_page, seed):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: referral(seed, f"Row {i:02d}"), range(23)))
    page = open_page(admin_user(seed.tenant))
    page.get_by_role("button", name="Table", exact=True).click()
    rows = page.locator("#lead-table tbody tr")
    expect(rows).to_have_count(20)
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(23)
    expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    assert len(set(rows.locator(".row-open").all_inner_texts())) == 23
