"""Steps the Partner Center browser tests share: the dashboard's public address mapped to the
session devhost, opening the panel, and leads made in the session's simulated Partner Center."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.devhost_proc import DevHost
from tests.support.hosting import DASHBOARD_URL
from tools.partner_center_sim import SimulatorHandle

from .conftest import LOCAL_USER_KEY, admin_user

expect = pytest.importorskip("playwright.sync_api").expect


def signed_in(open_page: Any, tenant: str, **kw: Any) -> Any:
    """The dashboard, signed in as an admin by the local sign-in's storage. (Not open_page's
    init script: it would run in every document of the sign-in's round trip too.)"""
    page = open_page(**kw)
    page.evaluate("([key, user]) => localStorage.setItem(key, JSON.stringify(user))",
                  [LOCAL_USER_KEY, admin_user(tenant)])
    page.reload()
    return page


def dashboard_is_this_devhost(page: Any, devhost: DevHost) -> None:
    """The callback sends the browser to DASHBOARD_URL (a public address in the session's
    settings): answer it with a redirect to the same page on this devhost, as a reverse proxy
    in front of the app would."""
    def redirect(route: Any) -> None:
        query = route.request.url.split("?", 1)[1] if "?" in route.request.url else ""
        route.fulfill(status=302, headers={"Location": f"{devhost.base}/ui?{query}"})
    page.context.route(f"{DASHBOARD_URL}*", redirect)


def open_panel(page: Any) -> Any:
    page.get_by_role("button", name="Partner Center", exact=True).click()
    dialog = page.locator("#dlg-partner-center")
    expect(dialog.locator(".pc-part").first).to_be_visible()
    return dialog


def count(dialog: Any, label: str) -> Any:
    """The figure of the last sync under `label` (Imported, Updated, ...)."""
    return dialog.locator(".pc-counts > div").filter(
        has=dialog.page.locator("dt", has_text=label)).locator("dd")


def new_leads(sim: SimulatorHandle, tenant: str, n: int) -> list[dict[str, Any]]:
    """Customer inquiries that arrived in Partner Center (no event: a sync finds them)."""
    return [sim.create_referral(tenant, "lead", {"qualification": "Direct"}, emit=False)
            for _ in range(n)]


def customer(pc_referral: dict[str, Any]) -> str:
    return str(pc_referral["customerProfile"]["name"])
