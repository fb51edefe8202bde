"""Notifications and expiry end to end: devhost runs the queue and timer functions against
Azurite; a real HTTP receiver on 127.0.0.1 plays Microsoft, the customer and partners."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.bootstrap import build_context
from shared.domain.enums import EventType
from shared.domain.events import make_event
from shared.notifications.signing import verify
from shared.settings import AuthMode, Settings, StorageSettings
from shared.storage.ports import DeliveryState
from tests.support.azurite import Azurite
from tests.support.client import onboard, send_referral
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.factories import accept_body, new_tenant
from tests.support.hosting import SECRET, host_env
from tests.support.webhooks import WebhookReceiver

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def store(azurite: Azurite):
    """Direct access to the same storage, to inspect outbox rows as an operator would."""
    cfg = Settings(storage=StorageSettings(connection_string=azurite.connection_string),
                   auth_mode=AuthMode.LOCAL)
    return build_context(cfg)


@pytest.fixture(scope="module")
def short_window_host(azurite: Azurite, webhooks: WebhookReceiver, log_dir: Path
                      ) -> Iterator[DevHost]:
    host = start_devhost(host_env(azurite, webhooks, REFERRAL_RESPONSE_WINDOW="PT2S"), log_dir)
    yield host
    host.stop()


def wait_state(store, partner: str, event_id: str, state: DeliveryState, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = store.outbox.get(partner, event_id)
        if record is not None and record.state is state:
            return record
        time.sleep(0.2)
    raise AssertionError(f"outbox {event_id} never reached {state}: {record}")


def test_decline_notifies_customer_with_valid_signature(devhost, webhooks):
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    rid = send_referral(devhost.base, tenant)["id"]
    assert api.post(f"/referrals/{rid}/decline", {"reason": "NotAFit"}).status_code == 200
    [hook] = webhooks.wait_for("/customer", "referral.declined", referral_id=rid)
    assert verify(SECRET, hook.headers["X-Referrals-Timestamp"], hook.body,
                  hook.headers["X-Referrals-Signature"])
    assert hook.headers["Idempotency-Key"] == hook.json["id"]
    assert hook.json["referral"]["statusReason"] == "NotAFit"
    assert hook.json["referral"]["customerProfile"] == {"name": "Fabrikam"}


def test_intake_alerts_partner_webhook(devhost, webhooks):
    tenant = new_tenant()
    onboard(devhost.base, tenant, webhook=webhooks.url(f"/partner/{tenant}"))
    rid = send_referral(devhost.base, tenant)["id"]
    [hook] = webhooks.wait_for(f"/partner/{tenant}", "referral.received")
    assert hook.json["referral"]["id"] == rid


def test_expiry_refused_then_swept_and_sender_told_once(short_window_host, webhooks):
    host = short_window_host
    tenant, referrer = new_tenant(), new_tenant()
    api = onboard(host.base, tenant)
    onboard(host.base, referrer, webhook=webhooks.url(f"/partner/{referrer}"))
    from_msft = send_referral(host.base, tenant)["id"]
    from_partner = send_referral(host.base, tenant, sender=referrer)["id"]
    time.sleep(2.5)
    late = api.post(f"/referrals/{from_msft}/accept", accept_body())
    assert late.status_code == 409 and late.json()["error"]["code"] == "referralExpired"
    assert host.invoke("expire_referrals").status_code == 202
    # The timer only enqueues the due referrals; sweep_batch expires them moments later.
    assert len(webhooks.wait_for("/msft", "referral.expired", referral_id=from_msft)) == 1
    partner = webhooks.wait_for(f"/partner/{referrer}", "referral.expired")
    assert [h.json["referral"]["id"] for h in partner] == [from_partner]
    for rid in (from_msft, from_partner):
        body = api.get(f"/referrals/{rid}").json()
        assert (body["status"], body["substatus"], body["stage"]) == ("Closed", "Expired",
                                                                      "archived")
    assert host.invoke("expire_referrals").status_code == 202
    time.sleep(1.5)
    assert len(webhooks.received("/msft", "referral.expired", referral_id=from_msft)) == 1
    assert len(webhooks.received(f"/partner/{referrer}", "referral.expired")) == 1
    assert api.get(f"/referrals/{from_msft}").json()["substatus"] == "Expired"


def test_retries_keep_the_idempotency_key(devhost, webhooks, store):
    tenant = new_tenant()
    path = f"/partner/{tenant}"
    webhooks.script(path, [500, 500, 200])
    onboard(devhost.base, tenant, webhook=webhooks.url(path))
    send_referral(devhost.base, tenant)
    hooks = webhooks.wait_for(path, count=3, timeout=30)
    assert len({h.headers["Idempotency-Key"] for h in hooks}) == 1
    event_id = hooks[0].headers["Idempotency-Key"]
    record = wait_state(store, tenant, event_id, DeliveryState.DELIVERED)
    assert record.attempts == 3


def test_always_failing_receiver_ends_in_poison(devhost, webhooks, store, azurite):
    from azure.storage.queue import QueueClient

    tenant = new_tenant()
    path = f"/partner/{tenant}"
    webhooks.script(path, [500])
    onboard(devhost.base, tenant, webhook=webhooks.url(path))
    send_referral(devhost.base, tenant)
    hooks = webhooks.wait_for(path, count=5, timeout=40)
    event_id = hooks[0].headers["Idempotency-Key"]
    record = wait_state(store, tenant, event_id, DeliveryState.FAILED)
    assert "poison" in (record.last_error or "")
    poison = QueueClient.from_connection_string(azurite.connection_string, "notifications-poison")
    deadline = time.monotonic() + 10
    found = False
    while not found and time.monotonic() < deadline:
        found = any(event_id in _decode(m.content) for m in poison.peek_messages(max_messages=32))
        time.sleep(0.2)
    assert found
    time.sleep(1)
    assert len(webhooks.received(path)) == 5


def test_permanent_4xx_is_recorded_not_retried(devhost, webhooks, store):
    tenant = new_tenant()
    path = f"/partner/{tenant}"
    webhooks.script(path, [400])
    onboard(devhost.base, tenant, webhook=webhooks.url(path))
    send_referral(devhost.base, tenant)
    [hook] = webhooks.wait_for(path)
    record = wait_state(store, tenant, hook.headers["Idempotency-Key"], DeliveryState.FAILED)
    assert "400" in (record.last_error or "")
    time.sleep(1.5)
    assert len(webhooks.received(path)) == 1


def test_outbox_entry_without_enqueue_is_delivered_after_sweep(devhost, webhooks, store):
    """Simulate a crash between the committed state change and its enqueue."""
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    rid = send_referral(devhost.base, tenant)["id"]
    api.post(f"/referrals/{rid}/accept", accept_body())
    stored = store.referrals.get(tenant, rid)
    crashed_at = datetime.now(UTC) - timedelta(minutes=15)
    event = make_event(EventType.WON, stored.referral, crashed_at)
    # Commit the change and its outbox row exactly as the service does, but never enqueue.
    from shared.domain.commands import WinRequest
    from shared.domain.operations import win
    from shared.storage.ports import Change

    won, _ = win(stored.referral, WinRequest(), crashed_at)
    store.referrals.update(Change(stored, won, [event]))
    time.sleep(1)
    assert not webhooks.received("/msft", "referral.won", referral_id=rid)
    assert devhost.invoke("expire_referrals").status_code == 202
    [hook] = webhooks.wait_for("/msft", "referral.won", referral_id=rid)
    assert hook.json["id"] == event.id
    wait_state(store, tenant, event.id, DeliveryState.DELIVERED)


def _decode(content: str) -> str:
    import base64
    try:
        return base64.b64decode(content).decode()
    except ValueError:
        return content
