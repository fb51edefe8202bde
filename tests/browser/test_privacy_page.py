"""The admin's Privacy page: look up an address (any case) and see the referrals where the
person is a contact or a team member and the history entries naming them; a name opens the
lead; erase after a confirmation that names the counts; the erasure log marks the address's
row without showing the address. A Referrals user has no Privacy page."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.factories import intake_body

from .conftest import PHONE, SHOTS, Seed, admin_user
from .helpers import no_sideways_scroll

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


def person() -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    return {"firstName": "Zeb", "lastName": f"Quill{tag}", "email": f"zeb.{tag}@fabrikam.example",
            "phoneNumber": "+31 30 555 7777"}


def with_contact(seed: Seed, customer: str, contact: dict[str, str]) -> str:
    body = intake_body(seed.tenant)
    body["customerProfile"]["name"] = customer
    body["customerProfile"]["contacts"].append(contact)
    resp = seed.intake.post("/referrals", body)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def seed_person(seed: Seed) -> tuple[dict[str, str], dict[str, Any]]:
    """Zeb is a contact of two leads and joined the team of the accepted one."""
    zeb = person()
    accepted = with_contact(seed, "Quill Logistics", zeb)
    seed.admin.post(f"/referrals/{accepted}/accept", {"name": "Move", "dealValue": 100,
                                                      "currency": "EUR",
                                                      "closingDate": "2099-01-01"})
    assert seed.admin.post(f"/referrals/{accepted}/team", zeb).status_code == 200
    with_contact(seed, "Quill Bakery", zeb)
    seed.referral("Nobody Here")
    held = seed.admin.get(f"/privacy/people/{zeb['email']}").json()
    return zeb, held


def open_privacy(page: Any) -> Any:
    page.get_by_role("button", name="Privacy", exact=True).click()
    dialog = page.locator("#dlg-privacy")
    expect(dialog.get_by_label("E-mail address")).to_be_focused()
    return dialog


def look_up(dialog: Any, address: str) -> None:
    dialog.get_by_label("E-mail address").fill(address)
    dialog.get_by_role("button", name="Look up").click()


def test_look_up_open_a_lead_erase_and_the_log(open_page, seed: Seed):
    zeb, held = seed_person(seed)
    entries = len(held["historyEntries"])
    assert len(held["referrals"]) == 2 and entries >= 1
    page = open_page(admin_user(seed.tenant))
    dialog = open_privacy(page)
    expect(dialog.locator("#privacy-log")).to_have_text("No erasure yet.")
    look_up(dialog, zeb["email"].upper())
    summary = dialog.locator(".privacy-summary")
    expect(summary).to_have_text(f"{zeb['email'].upper()}: 2 referrals and {entries} history "
                                 f"{'entry' if entries == 1 else 'entries'}.")
    logistics = dialog.locator(".privacy-referral").filter(has_text="Quill Logistics")
    name = f"Zeb {zeb['lastName']}"
    expect(logistics.locator(".privacy-roles")).to_have_text(
        f"Customer contact: {name}, +31 30 555 7777Team member: {name}, +31 30 555 7777")
    expect(dialog.locator(".privacy-history")).to_contain_text("Added to the team · Quill Logistics"
                                                               " · by Ada Admin · Team")
    page.screenshot(path=str(SHOTS / "privacy-held.png"))
    dialog.get_by_role("button", name="Quill Bakery").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#detail-title")).to_have_text("Quill Bakery")
    _erase(page, zeb, entries)


def _erase(page: Any, zeb: dict[str, str], entries: int) -> None:
    dialog = open_privacy(page)
    look_up(dialog, zeb["email"])
    dialog.get_by_role("button", name="Erase this person…").click()
    confirm = page.locator("#dlg-confirm")
    expect(confirm.locator("h2")).to_have_text(f"Erase {zeb['email']}?")
    history = f"{entries} history {'entry' if entries == 1 else 'entries'}"
    expect(confirm).to_contain_text(f"This removes them from 2 referrals and {history}")
    page.screenshot(path=str(SHOTS / "privacy-confirm.png"))
    confirm.get_by_role("button", name="Erase").click()
    expect(dialog.locator("#privacy-said")).to_contain_text(
        f"{zeb['email']} was erased: removed from 2 referrals and {history}")
    expect(dialog.locator(".privacy-summary")).to_have_text(
        f"{zeb['email']}: no referral or history entry of your organisation holds this address.")
    row = dialog.locator(".privacy-log tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text("2")
    expect(row).to_contain_text("this address")
    expect(dialog.locator("#privacy-log")).not_to_contain_text(zeb["email"])
    page.screenshot(path=str(SHOTS / "privacy-erased.png"), full_page=True)
    dialog.get_by_role("button", name="Close").click()
    detail = page.locator("#detail")  # the lead opened before is read again
    expect(detail).to_contain_text("bo@fabrikam.example")
    expect(detail).not_to_contain_text(zeb["email"])


def test_on_a_phone_and_a_bad_address(open_page, seed: Seed):
    zeb, _ = seed_person(seed)
    page = open_page(admin_user(seed.tenant), viewport=PHONE)
    dialog = open_privacy(page)
    look_up(dialog, "not-an-address")
    expect(dialog.locator("#privacy-error")).to_have_text(
        "Nothing looked up: enter an e-mail address such as name@company.com.")
    look_up(dialog, zeb["email"])
    expect(dialog.locator(".privacy-referral")).to_have_count(2)
    expect(dialog.locator("#privacy-error")).to_be_hidden()
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "privacy-phone.png"), full_page=True)


def test_a_referrals_user_has_no_privacy_page(open_page, seed: Seed):
    user = {**admin_user(seed.tenant, "Referrals.User"), "email": "rita@contoso.example"}
    page = open_page(user)
    expect(page.locator("#who")).to_contain_text("Referrals.User")
    expect(page.get_by_role("button", name="Privacy", exact=True)).to_be_hidden()
    expect(page.locator("#dlg-privacy")).to_be_hidden()
