"""The business profile's webhook tools: a signing secret shown once (and not after a reload),
rotation after a confirmation, the 503 of a server without WEBHOOK_SECRETS_KEY, and a test
event followed from "queued" to its delivery's state in the log."""

from __future__ import annotations

import re

import pytest

from tests.support.factories import profile_body

from .conftest import PHONE, SHOTS, admin_user
from .helpers import no_sideways_scroll

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]{43}=$")


def open_profile(page):
    page.get_by_role("button", name="Business profile").click()
    dialog = page.locator("#dlg-profile")
    expect(dialog.get_by_label("Company name")).to_have_value("Contoso Cloud")
    return dialog


def secret_field(dialog):
    return dialog.get_by_label("New webhook signing secret")


def test_the_secret_is_shown_once_and_not_after_a_reload(open_page, seed):
    page = open_page(admin_user(seed.tenant))
    dialog = open_profile(page)
    expect(secret_field(dialog)).to_be_hidden()
    dialog.get_by_role("button", name="Create webhook secret").click()
    field = secret_field(dialog)
    expect(field).to_have_value(SECRET)
    expect(field).to_have_attribute("readonly", "")
    expect(dialog.locator("#wh-secret-warning")).to_contain_text("it will not be shown again")
    secret = field.input_value()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    dialog.get_by_role("button", name="Copy", exact=True).click()
    expect(dialog.locator("#wh-copied")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    expect(dialog.get_by_role("button", name="Rotate secret")).to_be_visible()
    dialog.locator("#wh-secret-box").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "webhook-secret-laptop.png"))

    dialog.get_by_role("button", name="Cancel").click()
    dialog = open_profile(page)  # closing forgets it
    expect(secret_field(dialog)).to_be_hidden()
    expect(secret_field(dialog)).to_have_value("")
    page.reload()
    dialog = open_profile(page)
    expect(secret_field(dialog)).to_be_hidden()
    assert secret not in page.content()
    assert secret not in page.evaluate("JSON.stringify({...localStorage, ...sessionStorage})")


def test_a_server_without_a_secrets_key_is_said_plainly_on_a_phone(open_page, seed):
    page = open_page(admin_user(seed.tenant), viewport=PHONE)
    route = "**/api/profile/webhook/secret"
    page.route(route, lambda route: route.fulfill(
        status=503, content_type="application/json", headers={"Retry-After": "5"},
        body='{"error": {"code": "serviceUnavailable", "message": "Webhook secrets cannot be '
             'created: WEBHOOK_SECRETS_KEY is not set."}}'))
    dialog = open_profile(page)
    dialog.get_by_role("button", name="Create webhook secret").click()
    error = dialog.locator("#wh-error")
    expect(error).to_contain_text("This server cannot create webhook secrets right now")
    expect(error).to_contain_text("WEBHOOK_SECRETS_KEY")
    expect(error).to_contain_text("an existing secret still works")
    expect(error).to_be_focused()
    expect(secret_field(dialog)).to_be_hidden()
    page.screenshot(path=str(SHOTS / "phone-webhook-secret-503.png"))
    assert no_sideways_scroll(page)

    page.unroute(route)  # the key is configured now: the same button works
    dialog.get_by_role("button", name="Create webhook secret").click()
    expect(secret_field(dialog)).to_have_value(SECRET)
    expect(error).to_be_hidden()
    expect(secret_field(dialog)).to_be_focused()
    page.screenshot(path=str(SHOTS / "phone-webhook-secret.png"))


def test_a_test_event_is_followed_to_its_delivery_then_the_secret_rotated(
        open_page, seed, webhooks):
    path = f"/partner-{seed.tenant}"
    assert seed.admin.call("PUT", "/profile", profile_body(webhooks.url(path))).ok
    page = open_page(admin_user(seed.tenant))
    dialog = open_profile(page)
    dialog.get_by_role("button", name="Create webhook secret").click()
    expect(secret_field(dialog)).to_have_value(SECRET)
    secret = secret_field(dialog).input_value()
    webhooks.trust(path, secret)  # the receiver answers 401 unless the signature verifies

    dialog.get_by_role("button", name="Send test event").click()
    status = dialog.locator("#wh-test-status")
    expect(status).to_contain_text(re.compile(r"Test event queued: \S+\."))
    event_id = status.locator(".event-id").inner_text()
    expect(status.locator(".delivery-state")).to_have_text("Delivered", timeout=20_000)
    expect(status).to_contain_text("Your webhook (127.0.0.1): Delivered after 1 attempt")
    [got] = webhooks.wait_for(path, "webhook.test")
    assert got.headers["webhook-id"] == event_id and got.verified is True
    dialog.locator("#wh-test-status").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "webhook-test-event-laptop.png"))

    dialog.get_by_role("button", name="Cancel").click()
    dialog = open_profile(page)  # the log shows a signed delivery: there is a secret to rotate
    dialog.get_by_role("button", name="Rotate secret").click()
    confirm = page.locator("#dlg-confirm")
    expect(confirm).to_contain_text("A new secret replaces the current one at once")
    confirm.get_by_role("button", name="Rotate secret").click()
    expect(confirm).to_be_hidden()
    expect(secret_field(dialog)).to_have_value(SECRET)
    assert secret_field(dialog).input_value() != secret
    expect(secret_field(dialog)).to_be_focused()
