"""Local sign-in as a Referrals user: only the leads it owns or is on the team of, and none of
the admin-only controls (accept, decline, assign, profile, insights, sort, CSV)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.support.factories import member_body

from .conftest import PHONE, SHOTS
from .helpers import local_object_id, names, open_lead

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

RITA = "rita@contoso.example"


def seed_leads(seed) -> None:
    """Rita owns one lead, is on the team of another; a third is someone else's."""
    owned = seed.referral("Rita Owns", accepted=True)
    owner = {"id": local_object_id(RITA), "name": "Rita Referrer", "email": RITA}
    assert seed.admin.post(f"/referrals/{owned['id']}/assign", {"owner": owner}).ok
    team = seed.referral("Rita Helps", accepted=True)
    assert seed.admin.post(f"/referrals/{team['id']}/team", member_body(RITA.upper())).ok
    seed.referral("Not Rita's", accepted=True)
    seed.referral("Still Waiting")


def sign_in_as_rita(page, tenant: str) -> None:
    page.get_by_role("button", name="Local sign-in").first.click()
    dialog = page.locator("#dlg-signin")
    dialog.get_by_label("Tenant (partner organisation) id").fill(tenant)
    dialog.get_by_label("Name", exact=True).fill("Rita Referrer")
    dialog.get_by_label("Email").fill("")
    dialog.get_by_label("Role").select_option("Referrals.User")
    dialog.get_by_role("button", name="Sign in", exact=True).click()
    expect(dialog.get_by_label("Email")).to_have_attribute("aria-invalid", "true")  # needed
    dialog.get_by_label("Email").fill(RITA)
    dialog.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.locator("#who")).to_have_text("Rita Referrer · Referrals.User")


def test_a_referrals_user_sees_only_its_leads_and_no_admin_controls(open_page, seed):
    seed_leads(seed)
    page = open_page()
    principals: list[str] = []
    page.on("request", lambda r: principals.append(r.headers["x-ms-client-principal"])
            if "/api/referrals?" in r.url else None)
    sign_in_as_rita(page, seed.tenant)

    expect(page.get_by_label("Accepted", exact=True)).to_be_checked()  # its leads are accepted
    expect(names(page)).to_have_text(["Rita Helps", "Rita Owns"])
    claims = {c["typ"]: c["val"] for c in json.loads(base64.b64decode(principals[-1]))["claims"]}
    assert claims["preferred_username"] == RITA
    assert claims["http://schemas.microsoft.com/identity/claims/objectidentifier"] == local_object_id(RITA)
    for hidden in ("Business profile", "Download CSV"):
        expect(page.get_by_role("button", name=hidden)).to_be_hidden()
    expect(page.get_by_role("heading", name="Insights")).to_be_hidden()
    expect(page.get_by_label("Sort")).to_be_hidden()
    expect(page.get_by_label("My leads")).to_be_hidden()

    open_lead(page, "Rita Owns")
    detail = page.locator("#detail")
    expect(detail.locator(".owner-part")).to_contain_text("Rita Referrer")
    expect(detail.get_by_role("button", name="Change owner")).to_have_count(0)
    expect(detail.get_by_role("button", name="Unassign Rita Referrer")).to_have_count(0)
    for allowed in ("Edit", "Add your employees", "Won", "Lost"):
        expect(detail.get_by_role("button", name=allowed, exact=True)).to_be_visible()
    expect(detail.locator(".timeline > li").last).to_contain_text("Assigned an owner")
    page.screenshot(path=str(SHOTS / "referrals-user-laptop.png"))

    page.get_by_label("Received", exact=True).check()
    expect(page.locator("#empty")).to_be_visible()  # received leads have no owner or team
    expect(page.locator("#notice")).to_be_hidden()  # no 400 from a sort it may not use


def test_a_referrals_user_on_a_phone(open_page, seed):
    seed_leads(seed)
    user = {"tenant": seed.tenant, "name": "Rita Referrer", "email": RITA, "role": "Referrals.User"}
    page = open_page(user, viewport=PHONE)
    expect(names(page)).to_have_text(["Rita Helps", "Rita Owns"])
    expect(page.get_by_role("button", name="Business profile")).to_be_hidden()
    open_lead(page, "Rita Helps")
    page.get_by_role("button", name="Remove Grace Hopper from the team").click()  # its own lead
    page.locator("#dlg-confirm").get_by_role("button", name="Remove", exact=True).click()
    expect(page.locator("#notice")).to_have_text("Grace Hopper removed from the team.")
    expect(page.locator("#detail .timeline > li").last).to_contain_text("Removed from the team by Rita Referrer")
    page.get_by_role("button", name="Remove Alan Turing from the team").click()  # Rita herself
    expect(page.locator("#dlg-confirm")).to_contain_text("You will no longer see this lead.")
    page.locator("#dlg-confirm").get_by_role("button", name="Cancel").click()
    page.screenshot(path=str(SHOTS / "referrals-user-phone.png"), full_page=True)
