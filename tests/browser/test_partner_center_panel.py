"""The admin's Partner Center panel against the session's simulated Partner Center, for real:
Connect leaves for the sign-in (the simulation approves at once) and comes back through the
callback; the leads come in with the Partner Center badge; Sync now finds a lead that arrived
meanwhile; Disconnect, after a confirmation, leaves the leads here. A refused sign-in is said
plainly, and a Referrals user has no panel."""

from __future__ import annotations

import re

import pytest

from tests.support.devhost_proc import DevHost
from tools.partner_center_sim import SimulatorHandle

from .conftest import PHONE, SHOTS, Seed
from .helpers import lead, no_sideways_scroll, open_lead
from .partner_center_steps import (
    count,
    customer,
    dashboard_is_this_devhost,
    new_leads,
    open_panel,
    signed_in,
)

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect


def test_connect_import_sync_now_and_disconnect(open_page, seed: Seed, devhost: DevHost,
                                                partner_center: SimulatorHandle):
    arrived = new_leads(partner_center, seed.tenant, 3)
    partner_center.create_referral(seed.tenant, "cosell", emit=False)  # not a lead: skipped
    page = signed_in(open_page, seed.tenant)
    dashboard_is_this_devhost(page, devhost)
    _connect(page)
    _imported_leads_have_the_badge(page, arrived)
    later = new_leads(partner_center, seed.tenant, 1)[0]  # its event never comes: Sync now finds it
    _sync_now_finds(page, later)
    _disconnect_keeps_the_leads(page, seed, later)


def _connect(page) -> None:
    dialog = open_panel(page)
    expect(dialog.locator(".pc-connection")).to_have_text("Not connected")
    page.screenshot(path=str(SHOTS / "partner-center-disconnected.png"))
    dialog.get_by_role("button", name="Connect to Partner Center").click()
    page.wait_for_url(re.compile(r"/api/ui$"))  # back, and the outcome taken off the address
    said = dialog.locator("#pc-said")
    expect(said).to_have_text("Partner Center is connected. Its first sync finished: 3 imported, "
                              "0 updated, 0 unchanged, 1 skipped, 0 failed.", timeout=30_000)
    expect(page.locator("#notice")).to_have_text(said.text_content() or "")
    expect(dialog.locator(".pc-connection")).to_have_text("Connected")
    expect(dialog.locator(".pc-state-line")).to_contain_text("by Ada Admin")
    expect(dialog.locator(".pc-webhook")).to_have_text("Registered")
    expect(count(dialog, "Imported")).to_have_text("3")
    expect(count(dialog, "Skipped")).to_have_text("1")
    page.screenshot(path=str(SHOTS / "partner-center-connected.png"))
    dialog.get_by_role("button", name="Close").click()


def _imported_leads_have_the_badge(page, arrived) -> None:
    for pc in arrived:  # the list was read again when the import finished
        expect(lead(page, customer(pc)).locator(".pc-badge")).to_have_text("Partner Center · Synced")
    open_lead(page, customer(arrived[0]))
    detail = page.locator("#detail")
    expect(detail.locator(".badges .pc-badge")).to_have_text("Partner Center · Synced")
    expect(detail.locator(".pc-lead")).to_contain_text(arrived[0]["id"])
    expect(detail.locator(".timeline .event").first).to_contain_text("Lead arrived from Partner Center")
    page.screenshot(path=str(SHOTS / "partner-center-leads.png"), full_page=True)


def _sync_now_finds(page, later) -> None:
    dialog = open_panel(page)
    dialog.get_by_role("button", name="Sync now").click()
    expect(dialog.locator("#pc-said")).to_contain_text("Partner Center sync finished: 1 imported",
                                                       timeout=30_000)
    expect(count(dialog, "Imported")).to_have_text("1")
    dialog.get_by_role("button", name="Close").click()
    expect(lead(page, customer(later)).locator(".pc-badge")).to_have_text("Partner Center · Synced")


def _disconnect_keeps_the_leads(page, seed: Seed, later) -> None:
    dialog = open_panel(page)
    dialog.get_by_role("button", name="Disconnect").click()
    confirm = page.locator("#dlg-confirm")
    expect(confirm).to_contain_text("The leads already here stay")
    confirm.get_by_role("button", name="Disconnect").click()
    expect(dialog.locator(".pc-connection")).to_have_text("Not connected", timeout=15_000)
    expect(dialog.locator("#pc-said")).to_have_text(
        "Partner Center is disconnected. The leads already here stay.")
    expect(dialog.get_by_role("button", name="Connect to Partner Center")).to_be_visible()
    assert seed.admin.get("/partner-center/connection").json()["state"] == "disconnected"
    dialog.get_by_role("button", name="Close").click()
    expect(lead(page, customer(later))).to_be_visible()  # the leads stay


def test_a_refused_sign_in_is_said_plainly_on_a_phone(open_page, seed: Seed, devhost: DevHost,
                                                     partner_center: SimulatorHandle):
    partner_center.add_fault("authorize", 400, tenant=seed.tenant)  # the admin says no
    page = signed_in(open_page, seed.tenant, viewport=PHONE)
    dashboard_is_this_devhost(page, devhost)
    dialog = open_panel(page)
    dialog.get_by_role("button", name="Connect to Partner Center").click()
    page.wait_for_url(re.compile(r"/api/ui$"))
    expect(dialog.locator("#pc-said")).to_have_text(
        "Partner Center was not connected. The sign-in to Partner Center was cancelled or "
        "refused. Nothing was changed.")
    expect(dialog.locator(".pc-connection")).to_have_text("Not connected")
    page.screenshot(path=str(SHOTS / "phone-partner-center-refused.png"))
    assert no_sideways_scroll(page)
    page.reload()  # said once: the outcome left the address
    expect(page.locator("#dlg-partner-center")).not_to_be_visible()
    expect(page.locator("#notice")).to_be_hidden()


def test_a_referrals_user_has_no_partner_center_panel(open_page, seed: Seed):
    page = open_page({"tenant": seed.tenant, "name": "Rita", "email": "rita@contoso.example",
                      "role": "Referrals.User"})
    expect(page.locator("#who")).to_have_text("Rita · Referrals.User")
    expect(page.get_by_role("button", name="Partner Center", exact=True)).to_be_hidden()
