"""The fan-out sweeps end to end: devhost runs the timers (invoked like an operator does) and
the queue function sweep_batch against Azurite; webhooks arrive at the session's receiver.

The host here has an 8-second response window and a 6-second reminder lead, so a referral
is due a reminder 2 seconds after it arrives and expires 8 seconds after."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.azurite import Azurite
from tests.support.client import onboard, send_referral
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.factories import accept_body, new_tenant
from tests.support.hosting import host_env
from tests.support.webhooks import WebhookReceiver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def host(azurite: Azurite, webhooks: WebhookReceiver, log_dir: Path) -> Iterator[DevHost]:
    env = host_env(azurite, webhooks, REFERRAL_RESPONSE_WINDOW="PT8S",
                   RESPONSE_REMINDER_BEFORE="PT6S")
    host = start_devhost(env, log_dir)
    yield host
    host.stop()


def test_one_reminder_while_received_then_expiry(host, webhooks):
    tenant = new_tenant()
    path = f"/partner/{tenant}"
    api = onboard(host.base, tenant, webhook=webhooks.url(path))
    secret = api.post("/profile/webhook/secret")
    assert secret.status_code == 200, secret.text
    webhooks.trust(path, secret.json()["secret"])  # the receiver verifies every webhook
    arrived = time.monotonic()
    waiting = send_referral(host.base, tenant)["id"]
    answered = send_referral(host.base, tenant)["id"]
    assert api.post(f"/referrals/{answered}/accept", accept_body()).status_code == 200
    sleep_until(arrived + 2.5)  # 6 seconds or less are left now: the reminder is due

    assert host.invoke("send_reminders").status_code == 202
    [hook] = webhooks.wait_for(path, "referral.reminder", referral_id=waiting)
    assert hook.verified
    assert hook.json["data"]["status"] == "New"  # the partner's own webhook: the referral
    assert hook.json["data"]["expirationDateTime"].endswith("Z")
    assert host.invoke("send_reminders").status_code == 202  # again: nothing more to send
    time.sleep(1.5)
    assert [h.json["subject"] for h in webhooks.received(path, "referral.reminder")] \
        == [waiting]

    sleep_until(arrived + 8.5)  # the window has closed
    assert host.invoke("expire_referrals").status_code == 202
    webhooks.wait_for("/msft", "referral.expired", referral_id=waiting)
    assert api.get(f"/referrals/{waiting}").json()["substatus"] == "Expired"
    assert api.get(f"/referrals/{answered}").json()["substatus"] == "Accepted"
    assert not webhooks.received("/msft", "referral.expired", referral_id=answered)
    assert len(webhooks.received(path, "referral.reminder")) == 1


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))
