"""The Leads dashboard in a real browser: tabs, favorites, accept, decline, edit, win."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from .conftest import PHONE, SHOTS, admin_user

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


def lead(page, customer):
    return page.locator("li.lead").filter(has=page.locator(".lead-name", has_text=customer))


def open_lead(page, customer):
    lead(page, customer).locator(".lead-open").click()
    expect(page.locator("#detail-title")).to_have_text(customer)


def test_local_sign_in_tabs_stage_filter_and_empty_states(open_page, seed):
    seed.referral("Alpha Direct", "Direct")
    seed.referral("Beta Sales", "SalesQualified", contact_me=False)
    seed.referral("Gamma Marketing", "MarketingQualified", contact_me=False)
    page = open_page()
    expect(page.get_by_role("heading", name="Sign in to see your leads")).to_be_visible()
    page.get_by_role("button", name="Local sign-in").first.click()
    sign_in = page.locator("#dlg-signin")
    sign_in.get_by_label("Tenant (partner organisation) id").fill(seed.tenant)
    sign_in.get_by_label("Name", exact=True).fill("Ada Admin")
    sign_in.get_by_label("Role").select_option("Partner.Admin")
    sign_in.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#who")).to_have_text("Ada Admin · Partner.Admin")

    expect(page.locator("li.lead")).to_have_count(1)
    alpha = lead(page, "Alpha Direct")
    expect(alpha).to_contain_text("Customer inquiry")
    expect(alpha).to_contain_text("14 days left to respond")
    expect(alpha.locator(".alert.urgent")).to_be_visible()

    qualified = page.get_by_role("tab", name="Qualified leads")
    qualified.click()
    expect(qualified).to_have_attribute("aria-selected", "true")
    expect(page.locator(".lead-name")).to_have_text(["Gamma Marketing", "Beta Sales"])  # newest first
    expect(page.locator("li.lead .alert")).to_have_count(0)

    qualified.press("ArrowRight")  # keyboard: the tabs follow the ARIA pattern
    favorites = page.get_by_role("tab", name="Favorites")
    expect(favorites).to_be_focused()
    expect(favorites).to_have_attribute("aria-selected", "true")
    expect(page.locator("#empty")).to_contain_text("No received favorites.")

    qualified.click()
    page.get_by_label("Accepted", exact=True).check()
    expect(page.locator("#empty")).to_contain_text("No accepted qualified leads.")
    page.get_by_label("All", exact=True).check()
    expect(page.locator("li.lead")).to_have_count(2)

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in to see your leads")).to_be_visible()


def test_local_sign_in_never_appears_outside_local_mode(open_page, seed, devhost):
    assert requests.get(f"{devhost.base}/ui/config", timeout=10).json() == {
        "authMode": "local", "localSignIn": True}
    page = open_page(path="/health")  # a page on the origin, to register the route first
    sent_principal: list[str] = []
    page.on("request", lambda r: sent_principal.append(r.url)
            if "x-ms-client-principal" in r.headers else None)
    page.route("**/api/ui/config", lambda route: route.fulfill(json={
        "authMode": "easyauth", "localSignIn": False,
        "loginUrl": "/.auth/login/aad?post_login_redirect_uri=/api/ui",
        "logoutUrl": "/.auth/logout?post_logout_redirect_uri=/api/ui"}))
    page.evaluate("localStorage.setItem('referrals.localPrincipal', JSON.stringify("
                  f"{{tenant: '{seed.tenant}', name: 'Eve', role: 'Referrals.Admin'}}))")
    page.goto(f"{devhost.base}/ui")
    # The API (local mode here) sees no principal, answers 401: the platform sign-in is offered.
    expect(page.get_by_role("heading", name="Sign in to see your leads")).to_be_visible()
    expect(page.locator("#signed-out-action")).to_have_text("Sign in")
    expect(page.get_by_role("button", name="Local sign-in")).to_have_count(0)
    expect(page.locator("#dlg-signin")).to_have_count(0)
    assert sent_principal == []


def test_favorite_and_unfavorite(open_page, seed):
    ref = seed.referral("Delta Favorite")
    page = open_page(admin_user(seed.tenant))
    heart = lead(page, "Delta Favorite").get_by_role("button", name="Favorite: Delta Favorite")
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_be_focused()  # focus stays on the redrawn heart
    assert seed.get(ref["id"])["favorite"] is True

    page.get_by_role("tab", name="Favorites").click()
    expect(page.locator("li.lead")).to_have_count(1)
    lead(page, "Delta Favorite").get_by_role("button", name="Favorite: Delta Favorite").click()
    expect(page.locator("li.lead")).to_have_count(0)
    expect(page.locator("#empty")).to_contain_text("No received favorites.")
    assert seed.get(ref["id"])["favorite"] is False


def test_accept_shows_field_error_then_succeeds(open_page, seed):
    ref = seed.referral("Epsilon Accept")
    page = open_page(admin_user(seed.tenant))
    open_lead(page, "Epsilon Accept")
    page.get_by_role("button", name="Accept", exact=True).click()
    dialog = page.locator("#dlg-accept")
    dialog.get_by_label("Deal name").fill("Epsilon cloud move")
    dialog.get_by_label("Estimated deal value").fill("12000")
    dialog.get_by_label("Currency").fill("usd")
    closing = dialog.get_by_label("Estimated closing date")
    closing.fill((date.today() - timedelta(days=2)).isoformat())
    dialog.get_by_label("CRM id").fill("CRM-7")
    dialog.get_by_role("button", name="Add a contact", exact=True).click()
    row = dialog.locator("[data-list=team] .row")
    row.get_by_label("First name").fill("Grace")
    row.get_by_label("Last name").fill("Hopper")
    row.get_by_label("Email").fill("grace@contoso.example")
    row.get_by_label("Phone").fill("+31 20 555 0101")
    dialog.get_by_role("button", name="Accept", exact=True).click()

    expect(closing).to_have_attribute("aria-invalid", "true")
    error = closing.locator("xpath=following-sibling::p[1]")
    expect(error).to_have_class("field-error")
    expect(error).to_have_text("Must be today or later.")
    expect(closing).to_be_focused()
    page.screenshot(path=str(SHOTS / "accept-field-error.png"))

    closing.fill((date.today() + timedelta(days=30)).isoformat())
    expect(closing).not_to_have_attribute("aria-invalid", "true")  # cleared while typing
    dialog.get_by_role("button", name="Accept", exact=True).click()
    expect(dialog).not_to_be_visible()
    expect(page.locator("#notice")).to_have_text("Lead accepted.")
    detail = page.locator("#detail")
    expect(detail.locator(".badge")).to_have_text("Accepted")
    expect(detail).to_contain_text("$12,000.00")
    expect(detail).to_contain_text("Grace Hopper")
    expect(lead(page, "Epsilon Accept")).to_have_count(0)  # no longer in "Received"
    stored = seed.get(ref["id"])
    assert (stored["stage"], stored["name"], stored["details"]["currency"]) == (
        "accepted", "Epsilon cloud move", "USD")


def test_decline(open_page, seed):
    ref = seed.referral("Zeta Decline")
    page = open_page(admin_user(seed.tenant))
    open_lead(page, "Zeta Decline")
    page.get_by_role("button", name="Decline", exact=True).click()
    dialog = page.locator("#dlg-decline")
    dialog.get_by_label("Reason").select_option("Other")
    dialog.get_by_role("button", name="Decline", exact=True).click()
    # The API names the field (target "notes"), so the message sits next to Notes.
    expect(dialog.locator(".field-error")).to_have_text("Notes are required when reason is Other.")
    dialog.get_by_label("Reason").select_option("NotAFit")
    dialog.get_by_label("Notes").fill("We do not work in this region.")
    dialog.get_by_role("button", name="Decline", exact=True).click()
    expect(dialog).not_to_be_visible()
    detail = page.locator("#detail")
    expect(detail).to_contain_text("This lead is archived (Declined) and read-only.")
    expect(detail).to_contain_text("Not a fit for us")
    expect(detail.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
    assert seed.get(ref["id"])["substatus"] == "Declined"


def test_edit_conflict_shows_412_message_and_reloads(open_page, seed):
    ref = seed.referral("Eta Conflict", "SalesQualified", accepted=True)
    page = open_page(admin_user(seed.tenant))
    page.get_by_role("tab", name="Qualified leads").click()
    page.get_by_label("Accepted", exact=True).check()
    open_lead(page, "Eta Conflict")
    page.get_by_role("button", name="Edit", exact=True).click()
    dialog = page.locator("#dlg-edit")
    expect(dialog.get_by_label("Deal name")).to_have_value("Fabrikam migration")
    dialog.get_by_label("Estimated deal value").fill("31000")

    # Meanwhile a colleague changes the same lead over HTTP.
    other = seed.admin.call("PATCH", f"/referrals/{ref['id']}", {"name": "Changed elsewhere",
                                                                "dealValue": 45000},
                            headers={"If-Match": ref["eTag"]})
    assert other.status_code == 200, other.text
    dialog.get_by_role("button", name="Save changes", exact=True).click()

    expect(dialog).not_to_be_visible()
    notice = page.locator("#detail-notice")
    expect(notice).to_contain_text("Someone else changed this lead")
    expect(notice).to_be_focused()
    expect(page.locator("#detail")).to_contain_text("Changed elsewhere")
    expect(page.locator("#detail")).to_contain_text("€45,000.00")
    assert seed.get(ref["id"])["details"]["dealValue"] == 45000  # ours was not saved

    page.get_by_role("button", name="Edit", exact=True).click()  # with the fresh eTag it now works
    dialog.get_by_label("Estimated deal value").fill("31000")
    dialog.get_by_role("button", name="Save changes", exact=True).click()
    expect(page.locator("#detail")).to_contain_text("€31,000.00")


def test_team_and_win_on_a_phone(open_page, seed):
    ref = seed.referral("Theta Winner", accepted=True)
    page = open_page(admin_user(seed.tenant), viewport=PHONE)
    page.get_by_label("Accepted", exact=True).check()
    expect(page.locator("#detail")).to_be_hidden()  # phone: the list first, then the lead
    open_lead(page, "Theta Winner")
    expect(page.locator("#leads")).to_be_hidden()

    page.get_by_role("button", name="Add your employees", exact=True).click()
    team = page.locator("#dlg-team")
    team.get_by_label("First name").fill("Alan")
    team.get_by_label("Last name").fill("Turing")
    team.get_by_label("Email").fill("alan@contoso")
    team.get_by_label("Phone number").fill("+44 20 555 0102")
    team.get_by_role("button", name="Add to the team", exact=True).click()
    expect(team.locator(".field-error")).to_have_text(
        "Enter an email address such as name@company.com.")
    team.get_by_label("Email").fill("alan@contoso.example")
    team.get_by_role("button", name="Add to the team", exact=True).click()
    expect(page.locator("#detail")).to_contain_text("Alan Turing")

    page.get_by_role("button", name="Won", exact=True).click()
    page.locator("#dlg-win").get_by_label("Notes").fill("Signed for three years.")
    page.locator("#dlg-win").get_by_role("button", name="Mark as won", exact=True).click()
    detail = page.locator("#detail")
    expect(detail).to_contain_text("This lead is archived (Won) and read-only.")
    expect(detail.get_by_role("button", name="Edit", exact=True)).to_have_count(0)
    expect(detail).to_contain_text("Signed for three years.")
    page.screenshot(path=str(SHOTS / "phone-won-detail.png"), full_page=True)
    assert seed.get(ref["id"])["substatus"] == "Won"

    page.get_by_role("button", name="Back to the list", exact=True).click()
    expect(page.locator("#leads")).to_be_visible()


def test_profile_form_and_insights(open_page, seed):
    seed.referral("Iota Insight", accepted=True)
    page = open_page(admin_user(seed.tenant))
    insights = page.locator("#insights")
    expect(insights).to_contain_text("Acceptance rate")
    expect(insights).to_contain_text("100%")
    expect(insights).to_contain_text("€25,000.50")

    page.get_by_role("button", name="Business profile", exact=True).click()
    dialog = page.locator("#dlg-profile")
    expect(dialog.get_by_label("Company name")).to_have_value("Contoso Cloud")
    expect(dialog.get_by_label("1 to 50 employees")).to_be_checked()
    contact = dialog.locator("[data-path='locations.0.contacts.0']")
    expect(contact.get_by_label("Email")).to_have_value("ada@contoso.example")
    contact.get_by_label("Email").fill("ada-at-contoso")
    dialog.get_by_label("Keywords").fill("azure, data, ai")
    dialog.get_by_role("button", name="Save profile", exact=True).click()
    expect(contact.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(contact.locator(".field-error")).to_be_visible()
    page.screenshot(path=str(SHOTS / "profile-field-error.png"))
    contact.get_by_label("Email").fill("ada@contoso.example")
    dialog.get_by_role("button", name="Save profile", exact=True).click()
    expect(dialog).not_to_be_visible()
    expect(page.locator("#notice")).to_have_text("Business profile saved.")
    assert seed.admin.get("/profile").json()["keywords"] == ["azure", "data", "ai"]


def test_load_more_follows_next_link(open_page, seed):
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: seed.referral(f"Lead {i:02d}", contact_me=False), range(23)))
    page = open_page(admin_user(seed.tenant))
    expect(page.locator("li.lead")).to_have_count(20)
    more = page.get_by_role("button", name="Load more")
    more.click()
    expect(page.locator("li.lead")).to_have_count(23)
    expect(more).to_be_hidden()
    names = page.locator(".lead-name").all_inner_texts()
    assert len(set(names)) == 23  # nothing repeated across pages


def test_reminder_banner_and_deadline(open_page, seed):
    ref = seed.referral("Kappa Reminder")
    soon = (datetime.now(UTC) + timedelta(hours=20)).isoformat().replace("+00:00", "Z")
    page = open_page(admin_user(seed.tenant), path="/health")

    def reminder(route):  # what the API answers once CONTACT_ALERT_WINDOW has passed
        body = route.fetch().json()
        for item in body["value"]:
            item.update(contactAlert="reminder", expirationDateTime=soon)
        route.fulfill(json=body)

    page.route("**/api/referrals?*", reminder)
    page.goto(f"{seed.host.base}/ui")
    item = lead(page, "Kappa Reminder")
    expect(item.locator(".alert.reminder")).to_have_text("Reminder: contact the customer")
    expect(item.locator(".alert.urgent")).to_have_count(0)
    expect(item.locator(".due.soon")).to_have_text("1 day left to respond")
    assert ref["contactAlert"] == "urgent"
