"""Browser tests: Debian's Chromium driven by Playwright against devhost + Azurite.

Playwright's own browser download is never used (`playwright install` cannot work here):
the tests launch the machine's Chromium (CHROMIUM_PATH, else chromium or chromium-browser on
PATH), which scripts/setup-tests installs when missing. Each test leaves a
screenshot in .artifacts/screenshots/ (ignored by git).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.azurite import ROOT
from tests.support.client import Api, onboard
from tests.support.devhost_proc import DevHost
from tests.support.factories import ADMIN, INTAKE, accept_body, intake_body, new_tenant

CHROMIUM = (os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
            or shutil.which("chromium-browser") or "/usr/bin/chromium")
SHOTS = ROOT / ".artifacts" / "screenshots"
LAPTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
LOCAL_USER_KEY = "referrals.localPrincipal"

# `devhost` (AUTH_MODE=local, over the session's Azurite) comes from tests/conftest.py.


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: scripts/setup-tests installs Debian's chromium "
                    "(as root), or set CHROMIUM_PATH")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


class Seed:
    """The test's partner organisation, onboarded, and helpers to give it referrals."""

    def __init__(self, host: DevHost) -> None:
        self.host, self.tenant = host, new_tenant()
        self.admin = onboard(host.base, self.tenant)
        self.intake = Api(host.base, "msft-systems", INTAKE)

    def referral(self, customer: str, qualification: str = "Direct", *,
                 contact_me: bool = True, accepted: bool = False) -> dict[str, Any]:
        body = intake_body(self.tenant, qualification, contact_me=contact_me)
        body["customerProfile"]["name"] = customer
        resp = self.intake.post("/referrals", body)
        assert resp.status_code == 201, resp.text
        ref = dict(resp.json())
        if accepted:
            done = self.admin.post(f"/referrals/{ref['id']}/accept", accept_body())
            assert done.status_code == 200, done.text
            ref = dict(done.json())
        return ref

    def get(self, rid: str) -> dict[str, Any]:
        resp = self.admin.get(f"/referrals/{rid}")
        assert resp.status_code == 200, resp.text
        return dict(resp.json())


@pytest.fixture
def seed(devhost: DevHost) -> Seed:
    return Seed(devhost)


@pytest.fixture
def open_page(browser: Any, devhost: DevHost, request: pytest.FixtureRequest
              ) -> Iterator[Callable[..., Any]]:
    """open_page(user=None | {"tenant", "name", "role"}, viewport=LAPTOP) -> a Page showing
    the dashboard. With a user, the page starts signed in (as the local sign-in stores it)."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_(user: dict[str, str] | None = None, viewport: dict[str, int] = LAPTOP,
              path: str = "/ui") -> Any:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        if user:
            value = json.dumps(json.dumps(user))
            context.add_init_script(
                f"if (!localStorage.getItem('{LOCAL_USER_KEY}')) "
                f"localStorage.setItem('{LOCAL_USER_KEY}', {value});")
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(devhost.base + path)
        return page

    yield open_
    SHOTS.mkdir(parents=True, exist_ok=True)
    for i, context in enumerate(contexts):
        for page in context.pages:
            suffix = f"-{i}" if i else ""
            page.screenshot(path=str(SHOTS / f"{request.node.name}{suffix}.png"), full_page=True)
        context.close()
    assert not errors, errors


def admin_user(tenant: str, role: str = ADMIN) -> dict[str, str]:
    return {"tenant": tenant, "name": "Ada Admin", "role": role}
