"""Finding leads in the dashboard: search, filters, sort, the table view, the CSV download,
and Insights fetched again only after the actions that change them."""

from __future__ import annotations

import csv
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest

from tests.support.factories import accept_body, intake_body

from .conftest import PHONE, SHOTS, Seed, admin_user

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

# The export's columns, as the API contract lists them.
CSV_HEADER = [
    "id", "qualification", "stage", "status", "substatus", "statusReason", "customerName",
    "customerCountry", "customerSize", "contactName", "contactEmail", "contactPhone",
    "dealName", "dealValue", "currency", "closingDate", "owner", "externalReferenceId",
    "campaignId", "favorite", "createdDateTime", "expirationDateTime", "acceptedDateTime",
    "closedDateTime",
]


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


def no_sideways_scroll(page) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


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


def test_table_view_shows_the_columns_opens_a_lead_and_is_remembered(open_page, seed):
    referral(seed, "Table Received", country="DE")
    referral(seed, "Table Accepted", deal_value=25_000.5)
    page = open_page(admin_user(seed.tenant))
    page.get_by_role("button", name="Table", exact=True).click()
    expect(page.get_by_role("button", name="Table", exact=True)).to_have_attribute("aria-pressed", "true")
    table = page.locator("#lead-table")
    expect(table.locator("thead th")).to_have_text([
        "Customer", "Kind", "Stage", "Country", "Deal value", "Closing date", "Created ↓",
        "Expires", "Favorite"])
    expect(page.locator("li.lead")).to_have_count(0)

    page.get_by_label("All", exact=True).check()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    accepted = rows.filter(has_text="Table Accepted")
    expect(accepted).to_contain_text("Accepted")
    expect(accepted).to_contain_text("€25,000.50")
    expect(accepted).to_contain_text("Dec 31, 2099")
    received = rows.filter(has_text="Table Received")
    expect(received).to_contain_text("Germany")
    expect(received).to_contain_text("Customer inquiry")

    # Keyboard: the customer's name is a button; Up/Down move between rows; Enter opens.
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


def test_csv_download_sends_the_filters_and_the_sign_in(open_page, seed, tmp_path):
    german = referral(seed, "Export German", country="DE")
    referral(seed, "Export Dutch", country="NL")
    page = open_page(admin_user(seed.tenant))
    exports: list[Any] = []
    page.on("request", lambda r: exports.append(r) if "/api/referrals/export" in r.url else None)
    page.get_by_label("Country").fill("DE")
    page.get_by_label("Country").press("Enter")
    expect(names(page)).to_have_text(["Export German"])

    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "referrals.csv"
    path = tmp_path / "referrals.csv"
    download.save_as(path)
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == CSV_HEADER
    body = [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]
    assert [(r["id"], r["customerName"], r["customerCountry"]) for r in body] == [
        (german["id"], "Export German", "DE")]
    (request,) = exports
    assert "country=DE" in request.url and "view=marketplace" in request.url
    assert "stage=received" in request.url and "top=" not in request.url
    assert "x-ms-client-principal" in request.headers  # the page's own sign-in

    # More than the API exports: its 400 message sits next to the button.
    message = ("More than 10,000 referrals match; narrow the query (for example by stage, "
               "createdFrom/createdTo or qualification).")
    page.route("**/api/referrals/export?*", lambda route: route.fulfill(status=400, json={
        "error": {"code": "invalidRequest", "message": message, "target": None, "details": [
            {"code": "tooMany", "message": "more than 10,000 matches", "target": None}]}}))
    button = page.get_by_role("button", name="Download CSV")
    button.click()
    expect(page.locator("#export-error")).to_have_text(message)
    expect(button).to_have_attribute("aria-describedby", "export-error")
    page.screenshot(path=str(SHOTS / "export-too-large.png"), full_page=True)
    page.get_by_label("Kind").select_option("Direct")  # a new query: the old refusal goes
    expect(page.locator("#export-error")).to_be_hidden()

    phone = open_page(admin_user(seed.tenant), viewport=PHONE)
    with phone.expect_download() as info:
        phone.get_by_role("button", name="Download CSV").click()
    with info.value.path().open(newline="", encoding="utf-8") as f:
        assert len(list(csv.reader(f))) == 3  # the header and both received leads


def test_insights_show_percentiles_and_reasons_and_refetch_only_when_they_change(open_page, seed):
    declined = referral(seed, "Declined One")
    assert seed.admin.post(f"/referrals/{declined['id']}/decline", {"reason": "NotAFit"}).ok
    lost = referral(seed, "Lost One", deal_value=5000)
    assert seed.admin.post(f"/referrals/{lost['id']}/lose", {"reason": "NoBudget"}).ok
    referral(seed, "Kept One", deal_value=8000)
    referral(seed, "Fresh One")
    page = open_page(admin_user(seed.tenant), path="/health")
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if r.url.endswith("/api/insights") else None)
    page.goto(f"{seed.host.base}/ui")

    insights = page.locator("#insights")
    expect(insights).to_contain_text("Median response time")
    expect(insights).to_contain_text("90% within")
    page.get_by_text("Why leads were declined or lost").click()
    reasons = page.locator("#insight-reasons")
    expect(reasons.locator(".reason-group").nth(0)).to_contain_text("Declined (1)")
    expect(reasons.locator(".reason-group").nth(0)).to_contain_text("Not a fit for us")
    expect(reasons.locator(".reason-group").nth(1)).to_contain_text("Lost (1)")
    expect(reasons.locator(".reason-group").nth(1)).to_contain_text("No budget")
    assert len(fetched) == 1

    def settle() -> None:  # any refetch would have been sent by now
        page.wait_for_timeout(400)

    heart = page.get_by_role("button", name="Favorite: Fresh One")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "false")
    settle()
    assert len(fetched) == 1, "a favorite does not change the figures"

    page.locator("li.lead", has_text="Fresh One").locator(".lead-open").click()
    page.get_by_role("button", name="Accept", exact=True).click()
    dialog = page.locator("#dlg-accept")
    dialog.get_by_label("Deal name").fill("Fresh deal")
    dialog.get_by_label("Estimated deal value").fill("1000")
    dialog.get_by_label("Estimated closing date").fill((date.today() + timedelta(days=9)).isoformat())
    dialog.get_by_role("button", name="Accept", exact=True).click()
    expect(page.locator("#notice")).to_have_text("Lead accepted.")
    expect(insights).to_contain_text("2 accepted leads")
    assert len(fetched) == 2, "accepting changes the figures"

    edit = page.locator("#dlg-edit")
    page.get_by_role("button", name="Edit", exact=True).click()
    edit.get_by_label("Deal name").fill("Fresh deal, renamed")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.locator("#detail")).to_contain_text("Fresh deal, renamed")
    settle()
    assert len(fetched) == 2, "a new deal name does not change the figures"

    page.get_by_role("button", name="Edit", exact=True).click()
    edit.get_by_label("Estimated deal value").fill("4000")
    edit.get_by_role("button", name="Save changes").click()
    expect(insights).to_contain_text("€12,000.00")  # 8,000 + 4,000 open
    assert len(fetched) == 3, "a new deal value changes the open pipeline"

    phone = open_page(admin_user(seed.tenant), viewport=PHONE)
    phone.get_by_text("Why leads were declined or lost").click()
    expect(phone.locator("#insight-reasons")).to_contain_text("No budget")
