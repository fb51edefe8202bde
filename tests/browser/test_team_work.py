"""Working a lead as a team: assigning an owner, the activity timeline, removing a team
member, "My leads", and losing with a reason from the list."""

from __future__ import annotations

import pytest

from .conftest import PHONE, SHOTS, admin_user
from .helpers import change, events, lead, local_object_id, names, open_accepted

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

GRACE = "grace@contoso.example"  # on the team of every lead accept_body() accepts


def test_assign_an_owner_from_the_team_then_a_typed_person_then_unassign(open_page, seed):
    ref = seed.referral("Owner Lead", accepted=True)
    page = open_page(admin_user(seed.tenant))
    open_accepted(page, "Owner Lead")
    owner = page.locator("#detail .owner-part")
    expect(owner).to_contain_text("No owner yet.")
    owner.get_by_role("button", name="Assign an owner").click()
    dialog = page.locator("#dlg-assign")
    dialog.get_by_label("People on this lead or seen as owners").select_option(label=f"Grace Hopper · {GRACE}")
    expect(dialog.get_by_label("Email")).to_have_value(GRACE)
    dialog.get_by_role("button", name="Assign", exact=True).click()
    expect(dialog).not_to_be_visible()
    expect(owner).to_contain_text(f"Grace Hopper{GRACE}")
    expect(page.locator("#notice")).to_have_text("Grace Hopper now owns this lead.")
    expect(lead(page, "Owner Lead")).to_contain_text("Owner: Grace Hopper")
    stored = seed.get(ref["id"])["owner"]
    assert stored == {"id": local_object_id(GRACE), "name": "Grace Hopper", "email": GRACE}

    owner.get_by_role("button", name="Change owner").click()
    dialog.get_by_label("Name").fill("Rita Referrer")
    dialog.get_by_role("button", name="Assign", exact=True).click()
    expect(dialog.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator(".field-error")).to_have_text("This field is required.")
    dialog.get_by_label("Email").fill("rita@contoso.example")
    dialog.get_by_label("Object id").fill("0a1b2c3d-0000-4000-8000-000000000001")
    page.screenshot(path=str(SHOTS / "assign-owner-dialog.png"))
    dialog.get_by_role("button", name="Assign", exact=True).click()
    expect(owner).to_contain_text("Rita Referrer")
    assert seed.get(ref["id"])["owner"]["id"] == "0a1b2c3d-0000-4000-8000-000000000001"

    owner.get_by_role("button", name="Unassign Rita Referrer").click()
    expect(owner).to_contain_text("No owner yet.")
    expect(events(page).last).to_contain_text("Removed the owner")
    expect(events(page).last).to_contain_text(change("Owner", "Rita Referrer (rita@contoso.example)", "—"))
    assert seed.get(ref["id"])["owner"] is None


def test_the_timeline_grows_after_each_action(open_page, seed):
    seed.referral("Timeline Lead", accepted=True)
    page = open_page(admin_user(seed.tenant))
    open_accepted(page, "Timeline Lead")
    expect(events(page)).to_have_count(2)
    expect(events(page).nth(0)).to_contain_text("Lead arrived")
    expect(events(page).nth(1)).to_contain_text("Accepted the lead by Ada Admin")
    expect(events(page).nth(1)).to_contain_text(change("Deal name", "—", "Fabrikam migration"))

    page.get_by_role("button", name="Edit", exact=True).click()
    page.locator("#dlg-edit").get_by_label("Estimated deal value").fill("30000")
    page.locator("#dlg-edit").get_by_role("button", name="Save changes").click()
    expect(events(page)).to_have_count(3)
    expect(events(page).last).to_contain_text("Edited the deal by Ada Admin")
    expect(events(page).last).to_contain_text(change("Deal value", "€25,000.50", "€30,000.00"))

    page.locator("#detail").get_by_role("button", name="Favorite: Timeline Lead").click()
    expect(events(page)).to_have_count(4)
    expect(events(page).last).to_contain_text("Added to favorites")
    page.locator("#detail .timeline").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "timeline-laptop.png"))


def test_remove_a_team_member_after_confirming_on_a_phone(open_page, seed):
    ref = seed.referral("Team Lead", accepted=True)
    page = open_page(admin_user(seed.tenant), viewport=PHONE)
    open_accepted(page, "Team Lead")
    remove = page.get_by_role("button", name="Remove Grace Hopper from the team")
    remove.click()
    confirm = page.locator("#dlg-confirm")
    expect(confirm).to_contain_text(f"Grace Hopper ({GRACE}) will no longer be on this lead's team.")
    confirm.get_by_role("button", name="Cancel").click()
    expect(remove).to_be_visible()  # nothing happened

    remove.click()
    page.screenshot(path=str(SHOTS / "phone-remove-member-confirm.png"))
    confirm.get_by_role("button", name="Remove", exact=True).click()
    expect(page.locator("#notice")).to_have_text("Grace Hopper removed from the team.")
    expect(page.locator("#detail")).to_contain_text("No one from your company yet.")
    expect(page.locator("#team-title")).to_be_focused()
    expect(events(page).last).to_contain_text("Removed from the team")
    expect(events(page).last).to_contain_text(f"Team: Grace Hopper ({GRACE}) left")
    page.screenshot(path=str(SHOTS / "phone-timeline.png"), full_page=True)
    assert seed.get(ref["id"])["team"] == []


def test_my_leads_lists_the_leads_i_own(open_page, seed):
    seed.referral("Mine Lead", accepted=True)
    seed.referral("Theirs Lead", accepted=True)
    seed.referral("Waiting Lead")
    me = {**admin_user(seed.tenant), "email": "ada@contoso.example"}
    page = open_page(me)
    open_accepted(page, "Mine Lead")
    page.locator("#detail").get_by_role("button", name="Assign an owner").click()
    dialog = page.locator("#dlg-assign")
    dialog.get_by_label("People on this lead or seen as owners").select_option(
        label="Ada Admin · ada@contoso.example (you)")
    dialog.get_by_role("button", name="Assign", exact=True).click()
    expect(page.locator("#detail .owner-part")).to_contain_text("Ada Admin")

    page.get_by_label("Received", exact=True).check()
    expect(names(page)).to_have_text(["Waiting Lead"])
    page.get_by_label("My leads").check()  # owners come with accepting: Accepted it is
    expect(page.get_by_label("Accepted", exact=True)).to_be_checked()
    expect(names(page)).to_have_text(["Mine Lead"])
    expect(page.get_by_label("Sort")).to_be_disabled()
    expect(page.locator("#sort-note")).to_have_text("Your leads come newest first.")
    page.get_by_label("Archived", exact=True).check()
    expect(page.locator("#empty")).to_contain_text("You own no archived marketplace leads.")
    page.get_by_role("button", name="Clear filters").click()
    expect(page.get_by_label("My leads")).not_to_be_checked()


def test_lose_with_a_reason_from_the_list(open_page, seed):
    ref = seed.referral("Lost Lead", accepted=True)
    page = open_page(admin_user(seed.tenant))
    open_accepted(page, "Lost Lead")
    page.get_by_role("button", name="Lost", exact=True).click()
    dialog = page.locator("#dlg-lose")
    reason = dialog.get_by_label("Reason")
    expect(reason.locator("option")).to_have_text([
        "Choose a reason", "Price", "Chose a competitor", "No budget", "No decision was made",
        "Timing", "Not a technical fit", "The customer stopped responding",
        "Other (tell us in the notes)"])
    submit = dialog.get_by_role("button", name="Mark as lost")
    submit.click()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_be_focused()
    reason.select_option("Other")
    submit.click()
    expect(dialog.get_by_label("Notes")).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator(".field-error")).to_have_text("Notes are required when reason is Other.")
    reason.select_option(label="Chose a competitor")
    submit.click()
    detail = page.locator("#detail")
    expect(detail).to_contain_text("This lead is archived (Lost) and read-only.")
    expect(detail.locator(".facts", has_text="Deal name")).to_contain_text("ReasonChose a competitor")
    expect(events(page).last).to_contain_text(change("Reason", "—", "Chose a competitor"))
    assert seed.get(ref["id"])["statusReason"] == "ChoseCompetitor"
