"""The CSV download and Insights fetched again only after the actions that change them."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from typing import Any

import pytest

from .conftest import PHONE, SHOTS, admin_user
from .helpers import names, referral

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


def refused_when_too_many(page) -> None:
    """More than the API exports: its 400 message sits next to the button until the query
    changes."""
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

    refused_when_too_many(page)

    phone = open_page(admin_user(seed.tenant), viewport=PHONE)
    with phone.expect_download() as info:
        phone.get_by_role("button", name="Download CSV").click()
    with info.value.path().open(newline="", encoding="utf-8") as f:
        assert len(list(csv.reader(f))) == 3  # the header and both received leads


def seed_outcomes(seed) -> None:
    declined = referral(seed, "Declined One")
    assert seed.admin.post(f"/referrals/{declined['id']}/decline", {"reason": "NotAFit"}).ok
    lost = referral(seed, "Lost One", deal_value=5000)
    assert seed.admin.post(f"/referrals/{lost['id']}/lose", {"reason": "NoBudget"}).ok
    referral(seed, "Kept One", deal_value=8000)
    referral(seed, "Fresh One")


def insight_fetches(page, base: str) -> list[str]:
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if r.url.endswith("/api/insights") else None)
    page.goto(f"{base}/ui")
    return fetched


def accept_fresh_one(page) -> None:
    page.locator("li.lead", has_text="Fresh One").locator(".lead-open").click()
    page.get_by_role("button", name="Accept", exact=True).click()
    dialog = page.locator("#dlg-accept")
    dialog.get_by_label("Deal name").fill("Fresh deal")
    dialog.get_by_label("Estimated deal value").fill("1000")
    dialog.get_by_label("Estimated closing date").fill((date.today() + timedelta(days=9)).isoformat())
    dialog.get_by_role("button", name="Accept", exact=True).click()
    expect(page.locator("#notice")).to_have_text("Lead accepted.")


def test_insights_show_percentiles_and_reasons(open_page, seed):
    seed_outcomes(seed)
    page = open_page(admin_user(seed.tenant))
    insights = page.locator("#insights")
    expect(insights).to_contain_text("Median response time")
    expect(insights).to_contain_text("90% within")
    page.get_by_text("Why leads were declined or lost").click()
    reasons = page.locator("#insight-reasons")
    expect(reasons.locator(".reason-group").nth(0)).to_contain_text("Declined (1)")
    expect(reasons.locator(".reason-group").nth(0)).to_contain_text("Not a fit for us")
    expect(reasons.locator(".reason-group").nth(1)).to_contain_text("Lost (1)")
    expect(reasons.locator(".reason-group").nth(1)).to_contain_text("No budget")

    phone = open_page(admin_user(seed.tenant), viewport=PHONE)
    phone.get_by_text("Why leads were declined or lost").click()
    expect(phone.locator("#insight-reasons")).to_contain_text("No budget")


def test_insights_are_fetched_again_only_when_they_change(open_page, seed):
    seed_outcomes(seed)
    page = open_page(admin_user(seed.tenant), path="/health")
    fetched = insight_fetches(page, seed.host.base)
    insights = page.locator("#insights")
    expect(insights).to_contain_text("Median response time")
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

    accept_fresh_one(page)
    expect(insights).to_contain_text("2 accepted, still open")
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
