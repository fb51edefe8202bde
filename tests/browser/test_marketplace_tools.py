"""The business profile's Marketplace leads card: a lead URL shown once (and not after the
dialog closes), the test lead's arrival shown, rotation and revocation after a confirmation,
and a phone-width layout."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.hosting import host_env
from tests.unit.marketplace.documented import TEST_LEAD

from .conftest import PHONE, SHOTS, admin_user
from .helpers import no_sideways_scroll

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

PUBLIC = "https://referrals.e2e.example"
LEADS = "/api/marketplace/leads/"
URL = re.compile(r"^https://referrals\.e2e\.example/api/marketplace/leads/[A-Za-z0-9_-]{43}$")


@pytest.fixture(scope="module")
def devhost(azurite, webhooks, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevHost]:
    """This module's pages talk to a devhost that knows its public address (the session's
    has no PUBLIC_BASE_URL, so it cannot make lead URLs)."""
    host = start_devhost(host_env(azurite, webhooks, PUBLIC_BASE_URL=PUBLIC),
                         tmp_path_factory.mktemp("marketplace-ui"))
    yield host
    host.stop()


def open_profile(page):
    page.get_by_role("button", name="Business profile").click()
    dialog = page.locator("#dlg-profile")
    expect(dialog.get_by_label("Company name")).to_have_value("Contoso Cloud")
    return dialog


def url_field(dialog):
    return dialog.get_by_label("New marketplace lead URL")


def test_the_lead_url_is_shown_once_and_the_test_lead_shows_up(open_page, seed, devhost):
    page = open_page(admin_user(seed.tenant))
    dialog = open_profile(page)
    status = dialog.locator("#mp-status")
    expect(status).to_have_text("No lead URL yet: your offers' leads do not come here.")
    expect(dialog.get_by_role("button", name="Revoke lead URL")).to_be_disabled()
    dialog.get_by_role("button", name="Create lead URL").click()
    field = url_field(dialog)
    expect(field).to_have_value(URL)
    expect(field).to_be_focused()
    expect(dialog.locator("#mp-url-warning")).to_contain_text("it will not be shown again")
    url = field.input_value()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    dialog.locator("#mp-copy").click()
    expect(dialog.locator("#mp-copied")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == url
    expect(status).to_contain_text("Last lead: none yet. Last test lead: none yet.")
    dialog.locator("#mp-url-box").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "marketplace-lead-url-laptop.png"))

    # The marketplace validates the destination with its test lead.
    sent = requests.post(devhost.root + LEADS + url.removeprefix(PUBLIC + LEADS),
                         data=TEST_LEAD, timeout=30)
    assert sent.json() == {"test": True}
    dialog.get_by_role("button", name="Cancel").click()
    dialog = open_profile(page)  # closing forgets the URL; the status is read again
    expect(url_field(dialog)).to_be_hidden()
    expect(url_field(dialog)).to_have_value("")
    expect(dialog.locator("#mp-status")).to_contain_text("Last lead: none yet. Last test lead: ")
    expect(dialog.locator("#mp-status")).not_to_contain_text("Last test lead: none yet")
    assert url not in page.content()


def test_rotation_and_revocation_ask_first_on_a_phone(open_page, seed):
    page = open_page(admin_user(seed.tenant), viewport=PHONE)
    dialog = open_profile(page)
    dialog.get_by_role("button", name="Create lead URL").click()
    expect(url_field(dialog)).to_have_value(URL)
    first = url_field(dialog).input_value()
    dialog.get_by_role("button", name="Rotate lead URL").click()
    confirm = page.locator("#dlg-confirm")
    expect(confirm).to_contain_text("A new URL replaces the current one at once")
    confirm.get_by_role("button", name="Rotate lead URL").click()
    expect(confirm).to_be_hidden()
    expect(url_field(dialog)).to_have_value(URL)
    assert url_field(dialog).input_value() != first
    page.screenshot(path=str(SHOTS / "phone-marketplace-lead-url.png"))
    assert no_sideways_scroll(page)

    dialog.get_by_role("button", name="Revoke lead URL").click()
    expect(confirm).to_contain_text("refused from now on")
    confirm.get_by_role("button", name="Revoke lead URL").click()
    expect(dialog.locator("#mp-status")).to_have_text(
        "No lead URL yet: your offers' leads do not come here.")
    expect(url_field(dialog)).to_be_hidden()
    assert seed.admin.get("/profile").json()["marketplaceEndpoint"] is None


def test_a_server_without_public_base_url_is_said_plainly(open_page, seed):
    page = open_page(admin_user(seed.tenant))
    page.route("**/api/profile/marketplace-endpoint", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"code": "serviceUnavailable", "message": "A marketplace lead URL '
             'cannot be made: PUBLIC_BASE_URL is not set."}}'))
    dialog = open_profile(page)
    dialog.get_by_role("button", name="Create lead URL").click()
    error = dialog.locator("#mp-error")
    expect(error).to_contain_text("This server cannot make lead URLs right now")
    expect(error).to_contain_text("PUBLIC_BASE_URL")
    expect(error).to_be_focused()
    expect(url_field(dialog)).to_be_hidden()


def test_a_marketplace_lead_shows_its_offer_action_and_do_not_contact(open_page, seed, devhost):
    url = seed.admin.post("/profile/marketplace-endpoint").json()["url"]
    lead_url = devhost.root + LEADS + url.removeprefix(PUBLIC + LEADS)
    body = {"UserDetails": {"FirstName": "Jo", "LastName": "Doe", "Company": "Fabrikam",
                            "Title": "Head of IT"},
            "LeadSource": "SPZA-DNC|contoso.cloud-migration", "OfferTitle": "Cloud Migration"}
    assert requests.post(lead_url, json=body, timeout=30).status_code == 201
    page = open_page(admin_user(seed.tenant))
    card = page.locator("li.lead", has_text="Fabrikam")
    expect(card.locator(".mp-badge")).to_have_text("Marketplace")
    expect(card.locator(".dnc-badge")).to_have_text("Do not contact")
    card.locator("button.lead-open").click()
    part = page.locator("#detail .mp-lead")
    expect(part).to_contain_text("Cloud Migration")
    expect(part).to_contain_text("contoso.cloud-migration")
    expect(part).to_contain_text("AppSource")
    expect(part).to_contain_text("the customer does not want to be contacted")
    expect(page.locator("#detail ul.people li", has_text="Jo Doe")).to_contain_text("Head of IT")
    page.screenshot(path=str(SHOTS / "marketplace-lead-detail-laptop.png"))
