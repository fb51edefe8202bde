"""Webhook delivery with `responses` standing in for the receivers."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import responses

from shared.domain.commands import DeclineRequest, IntakeRequest
from shared.domain.models import ProfileInput
from shared.notifications.delivery import (
    MAX_DEQUEUE_COUNT,
    USER_AGENT,
    Outcome,
    RetryableDelivery,
    deliver,
)
from shared.notifications.signing import verify
from shared.services import profiles
from shared.services import referrals as svc
from shared.storage.ports import DeliveryState
from tests.support.factories import intake_body, profile_body
from tests.support.memory_app import MemoryApp

CUSTOMER = "https://customers.example/notify"
PARTNER_HOOK = "https://contoso.example/hooks/referrals"
SECRET = "s3cret"


@pytest.fixture
def app() -> MemoryApp:
    a = MemoryApp()
    a.settings = replace(a.settings, customer_notification_url=CUSTOMER,
                         microsoft_notification_url="https://msft.example/hook",
                         signing_secret=SECRET)
    profiles.put_profile(a.ctx, "p1", ProfileInput.model_validate_json(
        json.dumps(profile_body(PARTNER_HOOK))))
    return a


def declined_event(app: MemoryApp) -> tuple[str, str]:
    stored = svc.intake(app.ctx, IntakeRequest.model_validate_json(json.dumps(intake_body("p1"))))
    svc.perform(app.ctx, "p1", stored.referral.id,
                DeclineRequest.model_validate_json('{"reason": "NotAFit"}'), None)
    return app.store.sent[-1]


@responses.activate
def test_signed_webhook_with_idempotency_key(app):
    partner, event_id = declined_event(app)
    responses.post(CUSTOMER, status=204)
    assert deliver(app.ctx, requests.Session(), partner, event_id) is Outcome.DELIVERED
    call = responses.calls[0].request
    assert call.headers["Idempotency-Key"] == event_id
    assert call.headers["User-Agent"] == USER_AGENT
    assert verify(SECRET, call.headers["X-Referrals-Timestamp"], call.body,
                  call.headers["X-Referrals-Signature"])
    body = json.loads(call.body)
    assert body["id"] == event_id and body["type"] == "referral.declined"
    assert body["referral"]["substatus"] == "Declined"
    assert body["referral"]["statusReason"] == "NotAFit"
    assert app.ctx.outbox.get(partner, event_id).state is DeliveryState.DELIVERED
    # A duplicate message for a settled event sends nothing.
    assert deliver(app.ctx, requests.Session(), partner, event_id) is Outcome.SKIPPED
    assert len(responses.calls) == 1


@responses.activate
def test_received_goes_to_partner_profile_webhook(app):
    svc.intake(app.ctx, IntakeRequest.model_validate_json(json.dumps(intake_body("p1"))))
    partner, event_id = app.store.sent[-1]
    responses.post(PARTNER_HOOK, status=200)
    assert deliver(app.ctx, requests.Session(), partner, event_id) is Outcome.DELIVERED
    assert json.loads(responses.calls[0].request.body)["type"] == "referral.received"


@pytest.mark.parametrize("status", [500, 503, 408, 429])
@responses.activate
def test_retryable_statuses_raise_and_stay_pending(app, status):
    partner, event_id = declined_event(app)
    responses.post(CUSTOMER, status=status)
    with pytest.raises(RetryableDelivery):
        deliver(app.ctx, requests.Session(), partner, event_id, dequeue_count=1)
    record = app.ctx.outbox.get(partner, event_id)
    assert record.state is DeliveryState.PENDING and str(status) in record.last_error


@responses.activate
def test_network_error_is_retryable(app):
    partner, event_id = declined_event(app)
    responses.post(CUSTOMER, body=requests.ConnectionError("refused"))
    with pytest.raises(RetryableDelivery):
        deliver(app.ctx, requests.Session(), partner, event_id)


@responses.activate
def test_last_attempt_records_failure(app):
    partner, event_id = declined_event(app)
    responses.post(CUSTOMER, status=500)
    with pytest.raises(RetryableDelivery):
        deliver(app.ctx, requests.Session(), partner, event_id, dequeue_count=MAX_DEQUEUE_COUNT)
    record = app.ctx.outbox.get(partner, event_id)
    assert record.state is DeliveryState.FAILED and "poison" in record.last_error


@responses.activate
def test_other_4xx_is_permanent(app):
    partner, event_id = declined_event(app)
    responses.post(CUSTOMER, status=400)
    assert deliver(app.ctx, requests.Session(), partner, event_id) is Outcome.FAILED
    assert app.ctx.outbox.get(partner, event_id).state is DeliveryState.FAILED


def test_missing_url_is_recorded_undeliverable(app):
    app.settings = replace(app.settings, customer_notification_url=None)
    partner, event_id = declined_event(app)
    assert deliver(app.ctx, requests.Session(), partner, event_id) is Outcome.UNDELIVERABLE
    assert app.ctx.outbox.get(partner, event_id).state is DeliveryState.UNDELIVERABLE


def test_max_dequeue_count_matches_host_json():
    host = json.loads((Path(__file__).resolve().parents[2] / "host.json").read_text())
    assert host["extensions"]["queues"]["maxDequeueCount"] == MAX_DEQUEUE_COUNT
    assert host["extensions"]["queues"]["messageEncoding"] == "base64"
