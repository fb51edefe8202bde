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
from shared.notifications.signing import sign
from shared.settings import AuthMode, Settings, StorageSettings
from shared.storage.ports import DeliveryState
from shared.storage.ports.ids import delivery_ids
from tests.support.azurite import Azurite
from tests.support.client import Api, onboard, send_referral
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.factories import accept_body, new_tenant
from tests.support.hosting import SECRET, host_env
from tests.support.webhooks import WebhookReceiver, verifies

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


def wait_state(store, partner: str, delivery_id: str, state: DeliveryState,
               timeout: float = 20):
    deadline = time.monotonic() + timeout
    record = None
    while time.monotonic() < deadline:
        record = store.outbox.get(partner, delivery_id)
        if record is not None and record.state is state:
            return record
        time.sleep(0.2)
    raise AssertionError(f"delivery {delivery_id} never reached {state}: {record}")


@pytest.fixture(scope="module", autouse=True)
def trusted(webhooks: WebhookReceiver) -> None:
    """Microsoft and the customer endpoint verify with NOTIFICATION_SIGNING_SECRET."""
    webhooks.trust("/msft", SECRET)
    webhooks.trust("/customer", SECRET)


def partner_with_secret(base: str, webhooks: WebhookReceiver) -> tuple[str, Api, str, str]:
    tenant = new_tenant()
    path = f"/partner/{tenant}"
    api = onboard(base, tenant, webhook=webhooks.url(path))
    resp = api.post("/profile/webhook/secret")
    assert resp.status_code == 200, resp.text
    secret = resp.json()["secret"]
    webhooks.trust(path, secret)
    return tenant, api, path, secret


def log(api: Api, **query: str) -> list[dict]:
    resp = api.get("/notifications", params=query)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["value"])


def wait_log(api: Api, event_id: str, state: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = [n for n in log(api) if n["eventId"] == event_id and n["destination"] == "partner"]
        if rows and rows[0]["state"] == state:
            return rows[0]
        time.sleep(0.2)
    raise AssertionError(f"{event_id} never {state}: {log(api)}")


def test_decline_is_a_verified_cloudevent_for_partner_and_customer(devhost, webhooks):
    tenant, api, path, secret = partner_with_secret(devhost.base, webhooks)
    other_secret = partner_with_secret(devhost.base, webhooks)[3]
    rid = send_referral(devhost.base, tenant)["id"]
    assert api.post(f"/referrals/{rid}/decline", {"reason": "NotAFit"}).status_code == 200
    [customer] = webhooks.wait_for("/customer", "referral.declined", referral_id=rid)
    [mine] = webhooks.wait_for(path, "referral.declined", referral_id=rid)
    assert customer.verified and mine.verified
    event = customer.event
    assert (event["specversion"], event["source"], event["subject"]) == (
        "1.0", f"/partners/{tenant}", rid)
    assert customer.headers["webhook-id"] == event["id"] == mine.json["id"]
    assert customer.headers["Content-Type"] == "application/cloudevents+json"
    assert event.data == {"id": rid, "status": "Closed", "substatus": "Declined",
                          "statusReason": "NotAFit", "customerProfile": {"name": "Fabrikam"},
                          "partner": {"companyName": "Contoso Cloud"}}
    assert mine.event.data == api.get(f"/referrals/{rid}").json()  # exactly as GET answers
    # What a receiver refuses: a tampered body, a wrong secret, another partner's secret,
    # and a signature made more than 5 minutes ago.
    assert not verifies(secret, mine.headers, mine.body.replace(b"NotAFit", b"Other00"))
    assert not verifies(SECRET, mine.headers, mine.body)
    assert not verifies(other_secret, mine.headers, mine.body)
    stale = int(time.time()) - 301
    old = {**mine.headers, "webhook-timestamp": str(stale),
           "webhook-signature": sign(secret, mine.headers["webhook-id"], stale, mine.body)}
    assert not verifies(secret, old, mine.body)


def test_privacy_rule_on_every_event_type(devhost, webhooks):
    tenant, api, path, _ = partner_with_secret(devhost.base, webhooks)
    rid = send_referral(devhost.base, tenant)["id"]
    assert api.post(f"/referrals/{rid}/accept", accept_body()).status_code == 200
    etag = api.get(f"/referrals/{rid}").headers["ETag"]
    assert api.call("PATCH", f"/referrals/{rid}", {"name": "Bigger deal"},
                    headers={"If-Match": etag}).status_code == 200
    assert api.post(f"/referrals/{rid}/win", {"notes": "signed"}).status_code == 200
    for kind in ("referral.received", "referral.accepted", "referral.updated",
                 "referral.won"):
        [hook] = webhooks.wait_for(path, kind, referral_id=rid)
        assert hook.verified and "details" in hook.json["data"], kind
        if kind != "referral.received":
            [ms] = webhooks.wait_for("/msft", kind, referral_id=rid)
            assert ms.verified and "details" in ms.json["data"], kind
    lost_id = send_referral(devhost.base, tenant)["id"]
    api.post(f"/referrals/{lost_id}/accept", accept_body())
    api.post(f"/referrals/{lost_id}/lose", {"reason": "NoBudget"})
    [hook] = webhooks.wait_for("/msft", "referral.lost", referral_id=lost_id)
    assert hook.json["data"]["statusReason"] == "NoBudget"


def test_webhook_test_event_and_partner_without_secret(devhost, webhooks):
    _tenant, api, path, _ = partner_with_secret(devhost.base, webhooks)
    resp = api.post("/profile/webhook/test")
    assert resp.status_code == 202
    [hook] = webhooks.wait_for(path, "webhook.test")
    assert hook.verified and hook.json["id"] == resp.json()["eventId"]
    assert "note" not in resp.json()  # there is somewhere to send it
    bare = new_tenant()
    bare_api = onboard(devhost.base, bare, webhook=webhooks.url(f"/partner/{bare}"))
    send_referral(devhost.base, bare)
    deadline = time.monotonic() + 20
    while not log(bare_api, state="undeliverable") and time.monotonic() < deadline:
        time.sleep(0.2)
    [row] = log(bare_api, state="undeliverable")
    assert "no webhook signing secret" in row["lastError"]
    assert not webhooks.received(f"/partner/{bare}")


def test_a_test_event_without_a_webhook_url_says_so_and_is_recorded_once(devhost):
    api = onboard(devhost.base, new_tenant())  # a profile without webhookUrl
    resp = api.post("/profile/webhook/test")
    assert resp.status_code == 202
    assert "no webhookUrl" in resp.json()["note"] and "PUT /api/profile" in resp.json()["note"]
    row = wait_log(api, resp.json()["eventId"], "undeliverable")
    assert row["lastError"].startswith("not sent: the partner's profile has no webhookUrl")
    assert row["attempts"] == 1 and row["recipient"] is None
    assert [n["eventId"] for n in log(api)] == [resp.json()["eventId"]]


def test_500_then_200_429_and_410_then_redeliver(devhost, webhooks):
    tenant, api, path, _ = partner_with_secret(devhost.base, webhooks)
    webhooks.script(path, [500, 429, 200])
    send_referral(devhost.base, tenant)
    hooks = webhooks.wait_for(path, "referral.received", count=3, timeout=30)
    assert len({h.headers["webhook-id"] for h in hooks}) == 1
    row = wait_log(api, hooks[0].headers["webhook-id"], "delivered")
    assert row["attempts"] == 3 and row["recipient"] == "127.0.0.1"
    webhooks.script(path, [410, 200])
    rid = send_referral(devhost.base, tenant)["id"]
    [gone] = webhooks.wait_for(path, "referral.received", referral_id=rid)
    failed = wait_log(api, gone.headers["webhook-id"], "failed")
    assert "410" in failed["lastError"]
    assert [n["id"] for n in log(api, state="failed")] == [failed["id"]]
    assert api.post(f"/notifications/{failed['id']}/redeliver").status_code == 202
    again = webhooks.wait_for(path, "referral.received", referral_id=rid, count=2)
    assert again[1].headers["webhook-id"] == gone.headers["webhook-id"]
    assert wait_log(api, gone.headers["webhook-id"], "delivered")["attempts"] == 2
    late = api.post(f"/notifications/{failed['id']}/redeliver")
    assert late.status_code == 409 and late.json()["error"]["code"] == "invalidTransition"


def test_expiry_refused_then_swept_and_sender_told_once(short_window_host, webhooks):
    host = short_window_host
    tenant = new_tenant()
    api = onboard(host.base, tenant)
    referrer, _, referrer_path, _ = partner_with_secret(host.base, webhooks)
    from_msft = send_referral(host.base, tenant)["id"]
    from_partner = send_referral(host.base, tenant, sender=referrer)["id"]
    time.sleep(2.5)
    late = api.post(f"/referrals/{from_msft}/accept", accept_body())
    assert late.status_code == 409 and late.json()["error"]["code"] == "referralExpired"
    assert host.invoke("expire_referrals").status_code == 202
    # The timer only enqueues the due referrals; sweep_batch expires them moments later.
    assert len(webhooks.wait_for("/msft", "referral.expired", referral_id=from_msft)) == 1
    [told] = webhooks.wait_for(referrer_path, "referral.expired")
    assert told.verified and told.json["subject"] == from_partner
    # The referring partner is another organisation: the minimal data only.
    assert set(told.json["data"]) == {"id", "status", "substatus", "statusReason",
                                      "customerProfile", "partner"}
    for rid in (from_msft, from_partner):
        body = api.get(f"/referrals/{rid}").json()
        assert (body["status"], body["substatus"], body["stage"]) == ("Closed", "Expired",
                                                                      "archived")
    assert host.invoke("expire_referrals").status_code == 202
    time.sleep(1.5)
    assert len(webhooks.received("/msft", "referral.expired", referral_id=from_msft)) == 1
    assert len(webhooks.received(referrer_path, "referral.expired")) == 1


def test_always_failing_receiver_ends_in_poison(devhost, webhooks, azurite):
    from azure.storage.queue import QueueClient

    tenant, api, path, _ = partner_with_secret(devhost.base, webhooks)
    webhooks.script(path, [500])
    send_referral(devhost.base, tenant)
    hooks = webhooks.wait_for(path, count=5, timeout=40)
    row = wait_log(api, hooks[0].headers["webhook-id"], "failed")
    assert "poison" in (row["lastError"] or "") and row["attempts"] == 5
    poison = QueueClient.from_connection_string(azurite.connection_string, "notifications-poison")
    deadline = time.monotonic() + 10
    found = False
    while not found and time.monotonic() < deadline:
        found = any(row["id"] in _decode(m.content)
                    for m in poison.peek_messages(max_messages=32))
        time.sleep(0.2)
    assert found
    time.sleep(1)
    assert len(webhooks.received(path)) == 5


def test_outbox_entry_without_enqueue_is_delivered_after_sweep(devhost, webhooks, store):
    """Simulate a crash between the committed state change and its enqueue."""
    tenant = new_tenant()
    api = onboard(devhost.base, tenant)
    rid = send_referral(devhost.base, tenant)["id"]
    api.post(f"/referrals/{rid}/accept", accept_body())
    stored = store.referrals.get(tenant, rid)
    crashed_at = datetime.now(UTC) - timedelta(minutes=15)
    event = make_event(EventType.WON, stored.referral, crashed_at)
    # Commit the change and its delivery rows exactly as the service does, but never enqueue.
    from shared.domain.commands import WinRequest
    from shared.domain.operations import win
    from shared.storage.ports import Change

    won, _ = win(stored.referral, WinRequest(), crashed_at)
    store.referrals.update(Change(stored, won, [event]))
    time.sleep(1)
    assert not webhooks.received("/msft", "referral.won", referral_id=rid)
    assert devhost.invoke("expire_referrals").status_code == 202
    [hook] = webhooks.wait_for("/msft", "referral.won", referral_id=rid)
    assert hook.json["id"] == event.id and hook.verified
    microsoft = next(d for d in delivery_ids(event) if d.endswith("-microsoft"))
    wait_state(store, tenant, microsoft, DeliveryState.DELIVERED)


def _decode(content: str) -> str:
    import base64
    try:
        return base64.b64decode(content).decode()
    except ValueError:
        return content
