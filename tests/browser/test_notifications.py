"""A lead's Notifications in its detail: who was told (the webhook, the customer, e-mails to the
profile's location contacts) and how it went, and Redeliver on an undeliverable one.

The session's devhost sends the customer endpoint's webhooks to the session receiver and the
e-mails to the session's SMTP server. The seeded profile has no webhookUrl, so deliveries to
the partner's own webhook are not sent: a plain note, no Redeliver. Redeliver is tried on a
profile whose webhookUrl has no signing secret yet (undeliverable, and fixable)."""

from __future__ import annotations

import re

import pytest

from .conftest import PHONE, SHOTS, Seed, admin_user
from .helpers import no_sideways_scroll, open_lead

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

STATE = re.compile(r"Pending|Delivered|Failed|Undeliverable")
NO_URL = "Your business profile has no Webhook URL: set one under Business profile"
NO_SECRET = "the partner has no webhook signing secret"


def webhook_without_secret(seed: Seed) -> None:
    """The profile gets a webhookUrl but no secret: its deliveries are undeliverable."""
    profile = seed.admin.get("/profile").json()
    profile["webhookUrl"] = "http://127.0.0.1:9/hooks"
    assert seed.admin.call("PUT", "/profile", profile).status_code == 200


def deliveries(page):
    return page.locator("#detail .deliveries > li")


def row(page, destination: str, event_type: str):
    return deliveries(page).filter(has_text=destination).filter(has_text=event_type)


def decline_in_the_page(page) -> None:
    page.get_by_role("button", name="Decline", exact=True).click()
    dialog = page.locator("#dlg-decline")
    dialog.get_by_label("Reason").select_option("NotAFit")
    dialog.get_by_role("button", name="Decline", exact=True).click()
    expect(page.locator("#notice")).to_have_text("Lead declined; the customer is told.")


def log_of(seed, referral_id: str) -> list[dict]:
    resp = seed.admin.get(f"/notifications?referralId={referral_id}&top=100")
    assert resp.status_code == 200, resp.text
    assert {d["referralId"] for d in resp.json()["value"]} <= {referral_id}
    return resp.json()["value"]


def test_a_declined_lead_shows_who_was_notified_and_how_it_went(open_page, seed):
    ref = seed.referral("Notified Lead")
    seed.referral("Other Lead")  # its notifications must not show up
    page = open_page(admin_user(seed.tenant))
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.method == "GET"
            and "/api/notifications" in r.url else None)
    open_lead(page, "Notified Lead")
    expect(page.locator("#notifications-title")).to_have_text("Notifications")
    email = row(page, "E-mail to a location contact", "referral.received")
    expect(email).to_contain_text("ada@contoso.example")
    expect(email.locator(".delivery-state")).to_have_text("Delivered", timeout=15_000)

    decline_in_the_page(page)
    # received: e-mail, webhook; declined: customer, webhook; the webhook's two not sent: one note
    expect(deliveries(page)).to_have_count(3)
    customer = row(page, "The customer", "referral.declined")
    expect(customer).to_contain_text("127.0.0.1")
    expect(customer.locator(".delivery-state")).to_have_text(STATE)
    webhook = deliveries(page).filter(has_text="Your webhook")
    # Nowhere to send it: one note saying what would enable it, not failures to redeliver.
    expect(webhook.locator(".delivery-state")).to_have_text("Not sent", timeout=15_000)
    expect(webhook.locator(".delivery-meta")).to_contain_text("2 events: Declined, New lead")
    expect(webhook.locator(".delivery-note")).to_contain_text(NO_URL)
    expect(webhook.locator(".delivery-error")).to_have_count(0)
    expect(webhook.get_by_role("button")).to_have_count(0)
    expect(email.get_by_role("button")).to_have_count(0)  # delivered: nothing to redeliver
    shown = {d["id"] for d in log_of(seed, ref["id"])}
    assert len(shown) == 4
    # The page asks for this lead's notifications only, never the organisation's whole log.
    assert asked and all(f"referralId={ref['id']}" in url for url in asked)
    page.locator("#detail .notifications-part").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "notifications-laptop.png"))


def test_redeliver_requeues_an_undeliverable_notification_on_a_phone(open_page, seed):
    webhook_without_secret(seed)
    ref = seed.referral("Redeliver Lead")
    assert seed.admin.post(f"/referrals/{ref['id']}/decline", {"reason": "NotAFit"}).ok
    page = open_page(admin_user(seed.tenant), viewport=PHONE)
    page.get_by_label("Archived", exact=True).check()
    open_lead(page, "Redeliver Lead")
    webhook = row(page, "Your webhook", "referral.declined")
    expect(webhook.locator(".delivery-state")).to_have_text("Undeliverable", timeout=15_000)
    expect(webhook).to_contain_text("1 attempt")
    expect(webhook.locator(".delivery-error")).to_contain_text(NO_SECRET)
    page.locator("#detail .notifications-part").scroll_into_view_if_needed()
    page.locator("#detail .deliveries").screenshot(path=str(SHOTS / "phone-notifications.png"))
    assert no_sideways_scroll(page)

    webhook.get_by_role("button", name=re.compile("^Redeliver")).click()
    notice = page.locator("#detail .delivery-notice")
    expect(notice).to_have_text(re.compile("^Queued again: Declined to "))
    # Queued with the same event id: pending, then tried again (no secret: undeliverable).
    expect(webhook).to_contain_text(re.compile(r"Pending|2 attempts"), timeout=15_000)
    expect(webhook).to_contain_text("2 attempts", timeout=15_000)
    expect(page.locator("#notifications-title")).to_be_focused()
    declined = [d for d in log_of(seed, ref["id"]) if d["type"] == "referral.declined"
                and d["destination"] == "partner"]
    assert [d["attempts"] for d in declined] == [2]


def test_redeliver_answered_409_is_said_and_the_list_refreshed(open_page, seed):
    webhook_without_secret(seed)
    ref = seed.referral("Raced Lead")
    page = open_page(admin_user(seed.tenant))
    open_lead(page, "Raced Lead")
    webhook = row(page, "Your webhook", "referral.received")
    expect(webhook.locator(".delivery-state")).to_have_text("Undeliverable", timeout=15_000)
    page.route("**/api/notifications/*/redeliver", lambda route: route.fulfill(
        status=409, content_type="application/json",
        body='{"error": {"code": "invalidTransition", "message": "The notification changed '
             'meanwhile; read it again."}}'))
    webhook.get_by_role("button", name=re.compile("^Redeliver")).click()
    expect(page.locator("#detail .delivery-notice")).to_have_text(
        "Not redelivered: The notification changed meanwhile; read it again.")
    expect(webhook).to_contain_text("1 attempt")
    assert len(log_of(seed, ref["id"])) == 2


def test_a_referrals_user_gets_no_notifications(open_page, seed):
    ref = seed.referral("Team Only Lead", accepted=True)
    member = {"firstName": "Rita", "lastName": "Referrer", "email": "rita@contoso.example",
              "phoneNumber": "+31 20 555 0199"}
    assert seed.admin.post(f"/referrals/{ref['id']}/team", member).ok
    user = {"tenant": seed.tenant, "name": "Rita Referrer", "email": "rita@contoso.example",
            "role": "Referrals.User"}
    asked: list[str] = []
    page = open_page(user)
    page.on("request", lambda r: asked.append(r.url) if "/api/notifications" in r.url else None)
    open_lead(page, "Team Only Lead")
    expect(page.locator("#detail .timeline > li").first).to_be_visible()
    expect(page.locator("#notifications-title")).to_have_count(0)
    assert asked == []
