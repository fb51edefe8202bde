"""Webhook delivery with `responses` standing in for the receivers: CloudEvents bodies signed
as Standard Webhooks (verified with the `standardwebhooks` package), per-recipient rows, the
privacy rule, and how each receiver answer is recorded."""

import base64
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import responses
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from shared.domain.commands import DeclineRequest, IntakeRequest
from shared.domain.models import ProfileInput
from shared.notifications import transport
from shared.notifications.delivery import (
    MAX_DEQUEUE_COUNT,
    USER_AGENT,
    Outcome,
    deliver,
)
from shared.notifications.targets import NO_SECRET
from shared.services import profiles, webhooks
from shared.services import referrals as svc
from shared.settings import AuthMode
from shared.storage.ports import DeliveryState, Stored
from tests.support.factories import intake_body, profile_body
from tests.support.memory_app import MemoryApp

CUSTOMER = "https://customers.example/notify"
PARTNER_HOOK = "https://contoso.example/hooks/referrals"
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef01234567").decode()
KEY = base64.b64encode(bytes(range(32))).decode()


def plain_post(url, body, headers, *, allow_loopback, **_):
    """No DNS in unit tests: `responses` answers by URL (transport is tested below)."""
    return requests.post(url, data=body, headers=headers, timeout=5, allow_redirects=False)


def render(stored: Stored) -> dict:
    return {"id": stored.referral.id, "full": True, "details": {"notes": "secret deal"}}


@pytest.fixture
def app() -> MemoryApp:
    a = MemoryApp()
    a.settings = replace(a.settings, customer_notification_url=CUSTOMER,
                         microsoft_notification_url="https://msft.example/hook",
                         signing_secret=SECRET, webhook_secrets_key=base64.b64decode(KEY))
    profiles.put_profile(a.ctx, "p1", ProfileInput.model_validate_json(
        json.dumps(profile_body(PARTNER_HOOK))))
    return a


def sent_to(app: MemoryApp, destination: str) -> tuple[str, str]:
    return next(m for m in app.store.sent
                if app.ctx.outbox.get(*m).recipient.destination.value == destination)


def declined(app: MemoryApp) -> tuple[str, str]:
    stored = svc.intake(app.ctx, IntakeRequest.model_validate_json(json.dumps(intake_body("p1"))))
    svc.perform(app.ctx, "p1", stored.referral.id,
                DeclineRequest.model_validate_json('{"reason": "NotAFit"}'), None)
    return sent_to(app, "customer")


def run(app: MemoryApp, message: tuple[str, str], attempt: int = 1) -> Outcome:
    return deliver(app.ctx, render, *message, attempt, post=plain_post)


@responses.activate
def test_customer_gets_a_signed_cloudevent_with_minimal_data(app):
    message = declined(app)
    responses.post(CUSTOMER, status=204)
    assert run(app, message) is Outcome.DELIVERED
    call = responses.calls[0].request
    assert call.headers["Content-Type"] == "application/cloudevents+json"
    assert call.headers["User-Agent"] == USER_AGENT
    body = Webhook(SECRET).verify(call.body, dict(call.headers))
    record = app.ctx.outbox.get(*message)
    assert call.headers["webhook-id"] == body["id"] == record.event.id
    assert (body["specversion"], body["type"], body["source"], body["subject"]) == (
        "1.0", "referral.declined", "/partners/p1", record.event.referral_id)
    assert body["data"] == {"id": record.event.referral_id, "status": "Closed",
                            "substatus": "Declined", "statusReason": "NotAFit",
                            "customerProfile": {"name": "Fabrikam"},
                            "partner": {"companyName": "Contoso Cloud"}}
    assert (record.state, record.attempts, record.recipient_label) == (
        DeliveryState.DELIVERED, 1, "customers.example")
    assert run(app, message) is Outcome.SKIPPED  # a duplicate message sends nothing
    assert len(responses.calls) == 1


@responses.activate
def test_partner_webhook_is_signed_with_its_own_secret_and_gets_the_full_referral(app):
    secret = webhooks.create_secret(app.ctx, "p1")
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24
    assert secret not in json.dumps(app.secrets.sealed)  # sealed at rest
    svc.intake(app.ctx, IntakeRequest.model_validate_json(json.dumps(intake_body("p1"))))
    responses.post(PARTNER_HOOK, status=200)
    assert run(app, sent_to(app, "partner")) is Outcome.DELIVERED
    call = responses.calls[0].request
    assert Webhook(secret).verify(call.body, dict(call.headers))["data"]["full"] is True
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(call.body, dict(call.headers))


def test_partner_without_secret_is_undeliverable_saying_so(app):
    svc.intake(app.ctx, IntakeRequest.model_validate_json(json.dumps(intake_body("p1"))))
    message = sent_to(app, "partner")
    assert run(app, message) is Outcome.UNDELIVERABLE
    record = app.ctx.outbox.get(*message)
    assert record.state is DeliveryState.UNDELIVERABLE and record.last_error == NO_SECRET


def test_secret_of_another_partner_does_not_open(app):
    webhooks.create_secret(app.ctx, "p1")
    app.secrets.sealed["p2"] = app.secrets.sealed["p1"]  # copied across partitions
    with pytest.raises(Exception, match="does not open"):
        webhooks.partner_secret(app.ctx, "p2")


@pytest.mark.parametrize("status", [500, 503, 408, 429])
@responses.activate
def test_retryable_statuses_are_queued_again_after_a_backoff(app, status):
    message = declined(app)
    responses.post(CUSTOMER, status=status)
    assert run(app, message, 2) is Outcome.RETRYING
    record = app.ctx.outbox.get(*message)
    assert record.state is DeliveryState.PENDING and str(status) in record.last_error
    assert "attempt 3 in" in record.last_error
    partner, did, attempt, delay = app.store.scheduled[-1]
    # Attempt 2 failed: between half and all of base * 2 (base: one minute by default).
    assert (partner, did, attempt) == (*message, 3)
    assert timedelta(minutes=1) <= delay <= timedelta(minutes=2)


@pytest.mark.parametrize(("status", "header", "wait"), [
    (429, "120", timedelta(seconds=120)),
    (503, "Tue, 03 Nov 2026 09:30:00 GMT", timedelta(hours=1)),  # capped (clock: Nov 2 9:00)
    (429, "Mon, 02 Nov 2026 09:10:00 GMT", timedelta(minutes=10)),
])
@responses.activate
def test_retry_after_on_429_and_503_is_honoured(app, status, header, wait):
    message = declined(app)
    responses.post(CUSTOMER, status=status, headers={"Retry-After": header})
    assert run(app, message) is Outcome.RETRYING
    assert app.store.scheduled[-1][2:] == (2, wait)


@responses.activate
def test_retry_after_on_500_is_not_a_reason_to_wait(app):
    message = declined(app)
    responses.post(CUSTOMER, status=500, headers={"Retry-After": "3000"})
    assert run(app, message) is Outcome.RETRYING
    assert app.store.scheduled[-1][3] <= timedelta(minutes=1)


@responses.activate
def test_network_error_is_retryable(app):
    message = declined(app)
    responses.post(CUSTOMER, body=requests.ConnectionError("refused"))
    assert run(app, message) is Outcome.RETRYING


@responses.activate
def test_last_attempt_records_failure_then_redeliver_queues_it_again(app):
    message = declined(app)
    responses.post(CUSTOMER, status=500)
    sent = len(app.store.sent)
    assert run(app, message, MAX_DEQUEUE_COUNT) is Outcome.FAILED
    assert app.store.poisoned == [(*message, MAX_DEQUEUE_COUNT)] and len(app.store.sent) == sent
    record = app.ctx.outbox.get(*message)
    assert record.state is DeliveryState.FAILED and "poison" in record.last_error
    again = webhooks.redeliver(app.ctx, "p1", record.id)
    assert again.state is DeliveryState.PENDING and again.event.id == record.event.id
    assert app.store.sent[-1] == message and app.store.scheduled[-1][2] == 1


@responses.activate
def test_other_4xx_is_permanent(app):
    message = declined(app)
    responses.post(CUSTOMER, status=410)
    assert run(app, message) is Outcome.FAILED
    assert app.ctx.outbox.get(*message).state is DeliveryState.FAILED


def test_missing_url_is_recorded_undeliverable(app):
    app.settings = replace(app.settings, customer_notification_url=None)
    message = declined(app)
    assert run(app, message) is Outcome.UNDELIVERABLE
    assert app.ctx.outbox.get(*message).state is DeliveryState.UNDELIVERABLE


def test_refused_address_is_a_permanent_failure(app):
    app.settings = replace(app.settings, customer_notification_url="https://intranet.example/x")
    message = declined(app)
    outcome = deliver(app.ctx, render, *message, post=lambda *a, **kw: transport.post(
        *a, **kw, resolver=lambda host, port: ["10.1.2.3"]))
    record = app.ctx.outbox.get(*message)
    assert outcome is Outcome.FAILED and "private" in record.last_error


def test_https_to_a_name_resolving_to_loopback_is_refused_even_locally(app):
    # Locally only plain http may reach loopback: a name answering 127.0.0.1 is checked
    # again at delivery and gets no more than the literal would.
    app.settings = replace(app.settings, auth_mode=AuthMode.LOCAL,
                           customer_notification_url="https://rebind.example/x")
    message = declined(app)
    outcome = deliver(app.ctx, render, *message, post=lambda *a, **kw: transport.post(
        *a, **kw, resolver=lambda host, port: ["127.0.0.1"]))
    record = app.ctx.outbox.get(*message)
    assert outcome is Outcome.FAILED and "loopback" in record.last_error


def test_pinned_url_connects_to_the_checked_address():
    url, host, name = transport.pinned_url("https://hooks.example:8443/a?b=1",
                                           allow_loopback=False,
                                           resolver=lambda h, p: ["93.184.215.14"])
    assert (url, host, name) == ("https://93.184.215.14:8443/a?b=1", "hooks.example:8443",
                                 "hooks.example")
    with pytest.raises(transport.AddressRefused):  # one bad answer is enough to refuse
        transport.pinned_url("https://x.example/", allow_loopback=False,
                             resolver=lambda h, p: ["93.184.215.14", "169.254.169.254"])
    with pytest.raises(transport.AddressRefused):
        transport.pinned_url("http://127.0.0.1:9/", allow_loopback=False)
    for answer in ("168.63.129.16", "::ffff:0:7f00:1"):  # a name resolving there
        with pytest.raises(transport.AddressRefused, match=r"Azure platform|SIIT"):
            transport.pinned_url("https://x.example/", allow_loopback=True,
                                 resolver=lambda host, port, a=answer: [a])
    assert transport.pinned_url("http://127.0.0.1:9/", allow_loopback=True)[1] == "127.0.0.1:9"


def test_max_dequeue_count_matches_host_json():
    host = json.loads((Path(__file__).resolve().parents[2] / "host.json").read_text())
    assert host["extensions"]["queues"]["maxDequeueCount"] == MAX_DEQUEUE_COUNT
    assert host["extensions"]["queues"]["messageEncoding"] == "base64"
