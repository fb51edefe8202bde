"""What Partner Center's side looks like on the page: its events held by another connector
(shown with that host, taken over after a confirmation), a conflict Partner Center won
(the lead's badge, its Partner Center part and the timeline say so), and a refused sign-in
(reconnect required, then Reconnect through the simulation's sign-in)."""

from __future__ import annotations

import re

import pytest
import requests

from tests.support.devhost_proc import DevHost
from tests.support.factories import accept_body
from tests.support.partner_center_flow import connect, imported, wait_for
from tools.partner_center_sim import SimulatorHandle

from .conftest import SHOTS, Seed
from .helpers import open_lead
from .partner_center_steps import (
    customer,
    dashboard_is_this_devhost,
    new_leads,
    open_panel,
    signed_in,
)

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api").expect

CRM = "https://crm.fabrikam.example/partner-center/events"


def test_held_events_a_conflict_and_a_reconnect(open_page, seed: Seed, devhost: DevHost,
                                               partner_center: SimulatorHandle):
    partner_center.simulator.webhooks.register(seed.tenant, {  # a CRM's connector was first
        "WebhookUrl": CRM, "WebhookEvents": ["referral-created", "referral-updated"]}, update=False)
    pc, other = new_leads(partner_center, seed.tenant, 2)
    api = connect(devhost, seed.tenant, profile=False)
    local = wait_for(lambda: imported(api).get(pc["id"]), "the lead imported")
    waiting = wait_for(lambda: imported(api).get(other["id"]), "the other lead imported")
    partner_center.change_referral(seed.tenant, pc["id"], {"status": "Closed", "substatus": "Expired"},
                                   emit=False)  # closed there first; the CRM got the event
    assert api.post(f"/referrals/{local['id']}/accept", accept_body()).status_code == 200
    wait_for(lambda: api.get(f"/referrals/{local['id']}").json()["partnerCenter"]["syncState"]
             == "conflict", "the conflict")
    page = signed_in(open_page, seed.tenant)
    dashboard_is_this_devhost(page, devhost)
    _take_over(page, seed, devhost, partner_center)
    _conflict_is_explained(page, pc)
    _reconnect_delivers_what_was_held(page, seed, api, partner_center, waiting, other)


def _take_over(page, seed: Seed, devhost: DevHost, partner_center: SimulatorHandle) -> None:
    dialog = open_panel(page)
    expect(dialog.locator(".pc-webhook")).to_have_text("Held by another connector")
    expect(dialog.locator(".pc-host")).to_have_text("crm.fabrikam.example")
    page.screenshot(path=str(SHOTS / "partner-center-held-by-another.png"))
    dialog.get_by_role("button", name="Take over").click()
    confirm = page.locator("#dlg-confirm")
    expect(confirm).to_contain_text("crm.fabrikam.example will stop receiving them")
    confirm.get_by_role("button", name="Take over").click()
    expect(dialog.locator(".pc-webhook")).to_have_text("Registered", timeout=15_000)
    assert partner_center.simulator.webhooks.registration(seed.tenant)["WebhookUrl"].startswith(
        devhost.base)
    dialog.get_by_role("button", name="Close").click()


def _conflict_is_explained(page, pc) -> None:
    page.get_by_label("Archived", exact=True).check()
    open_lead(page, customer(pc))
    detail = page.locator("#detail")
    expect(detail.locator(".badges .pc-badge")).to_have_text("Partner Center · Conflict")
    expect(detail.locator(".pc-message")).to_contain_text("Partner Center had already closed it as Expired")
    note = detail.locator(".timeline .by-partner-center .event-note.conflict")
    expect(note).to_contain_text("Conflict: Partner Center had already closed it as Expired")
    expect(detail.locator(".timeline .event").last).to_contain_text("Expired in Partner Center")
    note.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "partner-center-conflict.png"))
    page.get_by_role("button", name="Table").click()
    badge = page.locator("#lead-table .pc-badge")
    expect(badge).to_contain_text("from Partner Center, Conflict")
    page.screenshot(path=str(SHOTS / "partner-center-table.png"))


def _reconnect_delivers_what_was_held(page, seed: Seed, api, partner_center: SimulatorHandle,
                                      waiting, other) -> None:
    partner_center.revoke(seed.tenant)  # the sign-in is withdrawn in Microsoft's identity platform
    requests.post(f"{partner_center.url}/_sim/tenants/{seed.tenant}/expire-access-tokens",
                  timeout=10)
    # An answer given here is what finds out (its write-back refreshes the sign-in).
    assert api.post(f"/referrals/{waiting['id']}/accept", accept_body()).status_code == 200
    wait_for(lambda: api.get("/partner-center/connection").json()["state"] == "reconnectRequired",
             "reconnect required")
    dialog = open_panel(page)
    expect(dialog.locator(".pc-connection")).to_have_text("Reconnect required")
    expect(dialog.locator(".pc-reconnect")).to_contain_text("Nothing is lost")
    page.screenshot(path=str(SHOTS / "partner-center-reconnect.png"))
    dialog.get_by_role("button", name="Reconnect").click()
    page.wait_for_url(re.compile(r"/api/ui$"))
    expect(dialog.locator(".pc-connection")).to_have_text("Connected")
    expect(dialog.get_by_role("button", name="Reconnect")).to_have_count(0)
    wait_for(lambda: (partner_center.referral(seed.tenant, other["id"]) or {}).get("status")
             == "Active", "the answer held meanwhile reaching Partner Center", timeout=60)
