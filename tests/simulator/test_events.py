"""Webhook registration and signed events as "Partner Center webhooks" documents them:
one registration per account, a thin body, an RSA-SHA256 signature in ``Authorization:
Signature``, the certificate at ``x-ms-certificate-url`` issued to ``Microsoft
Corporation`` (here by the simulation's CA), 10 attempts and then dropped. The verification
below is this test's own, written with ``cryptography``: it shows the events are checkable
the way the docs describe, not how the product checks them."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import NameOID
from cryptography.x509.verification import PolicyBuilder, Store

from tools.partner_center_sim import DEFAULT_TENANT

from .helpers import Receiver, sign_in

EVENTS = ["referral-created", "referral-updated"]


def _register(sim, receiver: Receiver, events=EVENTS) -> None:
    answer = sign_in(sim).post(f"{sim.webhook_api_url}/registration", timeout=5,
                               json={"WebhookUrl": receiver.url, "WebhookEvents": events})
    assert answer.status_code == 200, answer.text


def verify(sim, headers: dict[str, str], body: bytes) -> x509.Certificate:
    """Raise unless the event is signed as documented by a certificate chaining to the CA."""
    assert headers["x-ms-signature-algorithm"] == "rsa-sha256"
    scheme, signature = headers["authorization"].split(" ", 1)
    assert scheme == "Signature"
    url = headers["x-ms-certificate-url"]
    assert url.startswith(sim.cert_url_prefix) and url.endswith(".cer")
    cert = x509.load_der_x509_certificate(requests.get(url, timeout=5).content)
    roots = x509.load_pem_x509_certificates(sim.ca_pem_path.read_bytes())
    verifier = PolicyBuilder().store(Store(roots)).time(datetime.now(UTC)).build_client_verifier()
    verifier.verify(cert, [])
    orgs = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    assert [o.value for o in orgs] == ["Microsoft Corporation"]
    cert.public_key().verify(base64.b64decode(signature), body, padding.PKCS1v15(),
                             hashes.SHA256())
    return cert


def test_registration_get_post_put_delete(sim):
    session, url = sign_in(sim), f"{sim.webhook_api_url}/registration"
    assert session.get(url, timeout=5).status_code == 404
    created = session.post(url, json={"WebhookUrl": "https://a.example/hook",
                                      "WebhookEvents": EVENTS}, timeout=5)
    assert created.status_code == 200 and created.json()["SubscriberId"]
    assert created.json()["WebhookUrl"] == "https://a.example/hook"
    assert session.post(url, json={"WebhookUrl": "https://b.example", "WebhookEvents": EVENTS},
                        timeout=5).status_code == 409
    assert session.get(url, timeout=5).json() == {"WebhookUrl": "https://a.example/hook",
                                                  "WebhookEvents": EVENTS}
    updated = session.put(url, json={"WebhookUrl": "https://b.example/hook",
                                     "WebhookEvents": ["referral-updated"]}, timeout=5)
    assert updated.json()["SubscriberId"] == created.json()["SubscriberId"]
    assert session.get(url, timeout=5).json()["WebhookUrl"] == "https://b.example/hook"
    assert session.delete(url, timeout=5).status_code == 204
    assert session.get(url, timeout=5).status_code == 404
    assert session.put(url, json={"WebhookUrl": "x", "WebhookEvents": []},
                       timeout=5).status_code == 404


def test_a_new_lead_is_announced_by_a_signed_thin_event(sim, receiver):
    _register(sim, receiver)
    created = requests.post(f"{sim.url}/_sim/tenants/{DEFAULT_TENANT}/referrals",
                            json={"kind": "lead"}, timeout=5).json()
    [(headers, body)] = receiver.wait_for(1)
    verify(sim, headers, body)
    event = json.loads(body)
    assert set(event) == {"EventName", "ResourceUri", "ResourceName", "AuditUri",
                          "ResourceChangeUtcDate"}
    assert event["EventName"] == "referral-created" and event["ResourceName"] == "referral"
    assert event["ResourceUri"] == f"{sim.url}/engagements/v1/referrals/{created['id']}"
    assert event["ResourceChangeUtcDate"].endswith("+00:00")


def test_a_change_in_partner_center_is_announced_as_referral_updated(sim, receiver):
    lead = sim.create_referral(DEFAULT_TENANT, emit=False)
    _register(sim, receiver)
    answer = requests.patch(f"{sim.url}/_sim/tenants/{DEFAULT_TENANT}/referrals/{lead['id']}",
                            json={"status": "Closed", "substatus": "Declined",
                                  "statusReason": "Not a fit"}, timeout=5)
    assert answer.status_code == 200 and answer.json()["eTag"] != lead["eTag"]
    [(headers, body)] = receiver.wait_for(1)
    verify(sim, headers, body)
    event = json.loads(body)
    assert event["EventName"] == "referral-updated"
    changed = datetime.fromisoformat(event["ResourceChangeUtcDate"])
    assert changed == datetime.fromisoformat(answer.json()["updatedDateTime"])


def test_only_subscribed_events_are_sent(sim, receiver):
    _register(sim, receiver, events=["referral-updated"])
    lead = sim.create_referral(DEFAULT_TENANT)
    sim.change_referral(DEFAULT_TENANT, lead["id"], {"name": "x"})
    time.sleep(0.2)
    assert [json.loads(b)["EventName"] for _, b in receiver.received] == ["referral-updated"]


def test_failed_deliveries_are_retried_and_delivered(sim, receiver):
    receiver.statuses = [500, 503, 404]
    _register(sim, receiver)
    sim.create_referral(DEFAULT_TENANT)
    received = receiver.wait_for(4)
    assert len(received) == 4 and len({b for _, b in received}) == 1
    [log] = sim.deliveries(DEFAULT_TENANT)
    assert log["state"] == "delivered"
    assert [a["status"] for a in log["attempts"]] == [500, 503, 404, 200]


def test_after_ten_failed_attempts_an_event_is_dropped(sim, receiver):
    receiver.statuses = [500] * 12
    _register(sim, receiver)
    sim.create_referral(DEFAULT_TENANT)
    deadline = time.monotonic() + 5
    while sim.deliveries()[0]["state"] == "pending" and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert len(receiver.received) == 10
    assert sim.deliveries()[0]["state"] == "dropped"


def test_the_signature_can_be_asked_for_in_x_ms_signature(sim, receiver):
    answer = sign_in(sim).post(f"{sim.webhook_api_url}/registration", timeout=5, json={
        "WebhookUrl": receiver.url, "WebhookEvents": EVENTS,
        "signatureTokenToMsSignatureHeader": True})
    assert answer.json()["signatureTokenToMsSignatureHeader"] is True
    sim.create_referral(DEFAULT_TENANT)
    [(headers, body)] = receiver.wait_for(1)
    assert "authorization" not in headers and headers["x-ms-signature"].startswith("Signature ")
    verify(sim, {**headers, "authorization": headers["x-ms-signature"]}, body)
