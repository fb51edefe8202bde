"""What a newcomer sees locally: the demo data's e-mail alerts in MailDev's web inbox.

Its own Azurite, MailDev (from package.json) and devhost, so the session's hosts (which all
share one notifications queue and one test SMTP server) are not involved."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.azurite import ROOT, free_port, start_azurite
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.hosting import host_env
from tests.support.webhooks import WebhookReceiver

from .conftest import SHOTS

MAILDEV = ROOT / "node_modules" / ".bin" / "maildev"
TENANT = "22222222-3333-4444-5555-666666666666"


def _emails(web: int) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"http://127.0.0.1:{web}/api/email", timeout=5) as resp:
        return list(json.load(resp))


@pytest.fixture(scope="module")
def maildev() -> Iterator[tuple[int, int]]:
    if not MAILDEV.exists():
        pytest.skip("MailDev is missing: npm ci installs it")
    smtp, web = free_port(), free_port()
    proc = subprocess.Popen([str(MAILDEV), "--silent", "--ip", "127.0.0.1", "--smtp", str(smtp),
                             "--web-ip", "127.0.0.1", "--web", str(web)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _emails(web)
                break
            except OSError:
                assert time.monotonic() < deadline, "MailDev did not start"
                time.sleep(0.3)
        yield smtp, web
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def mail_host(maildev: tuple[int, int], tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[DevHost]:
    azurite, webhooks = start_azurite(), WebhookReceiver()
    env = host_env(azurite, webhooks, EMAIL_MODE="smtp", SMTP_HOST="127.0.0.1",
                   SMTP_PORT=str(maildev[0]), EMAIL_SENDER="referrals@localhost")
    host = start_devhost(env, tmp_path_factory.mktemp("maildev-host"))
    try:
        yield host
    finally:
        host.stop()
        webhooks.stop()
        azurite.stop()


def test_demo_data_alerts_arrive_in_the_maildev_inbox(browser, maildev, mail_host):
    done = subprocess.run([sys.executable, "-m", "tools.demo_data", "--base", mail_host.base,
                           "--tenant", TENANT], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    deadline = time.monotonic() + 60
    while len(_emails(maildev[1])) < 30:  # 30 referrals, at least one contact each
        assert time.monotonic() < deadline, f"{len(_emails(maildev[1]))} e-mails so far"
        time.sleep(0.5)
    subjects = {m["subject"] for m in _emails(maildev[1])}
    assert "New referral: Fabrikam" in subjects

    page = browser.new_page(viewport={"width": 1280, "height": 860})
    try:
        page.goto(f"http://127.0.0.1:{maildev[1]}/")
        page.get_by_text("New referral: Fabrikam").first.click()
        page.get_by_text("respond", exact=False).first.wait_for()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / "maildev-inbox.png"), full_page=True)
    finally:
        page.close()
