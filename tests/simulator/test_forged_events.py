"""The simulation can send forged events, each wrong in one documented respect, so a
receiver's refusals can be tested; each fails this suite's own check where expected."""

from __future__ import annotations

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.x509.verification import VerificationError

from tools.partner_center_sim import DEFAULT_TENANT, FORGERIES

from .helpers import Receiver, sign_in
from .test_events import verify

FAILS_WITH = {"wrong-key": InvalidSignature, "self-signed": VerificationError,
              "expired": VerificationError, "wrong-organization": AssertionError,
              "disallowed-url": AssertionError, "other-algorithm": AssertionError,
              "missing-signature": KeyError, "missing-cert-url": KeyError}


def test_every_forgery_is_covered():
    assert set(FAILS_WITH) == set(FORGERIES)


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_event_fails_verification(sim, receiver: Receiver, forgery):
    lead = sim.create_referral(DEFAULT_TENANT, emit=False)
    sign_in(sim).post(f"{sim.webhook_api_url}/registration", timeout=5, json={
        "WebhookUrl": receiver.url, "WebhookEvents": ["referral-updated"]})
    answer = requests.post(
        f"{sim.url}/_sim/tenants/{DEFAULT_TENANT}/referrals/{lead['id']}/events",
        json={"forgery": forgery}, timeout=5)
    assert answer.status_code == 202
    [(headers, body)] = receiver.wait_for(1)
    with pytest.raises(FAILS_WITH[forgery]):
        verify(sim, headers, body)


def test_a_genuine_resend_verifies(sim, receiver: Receiver):
    lead = sim.create_referral(DEFAULT_TENANT, emit=False)
    sign_in(sim).post(f"{sim.webhook_api_url}/registration", timeout=5, json={
        "WebhookUrl": receiver.url, "WebhookEvents": ["referral-updated"]})
    for _ in range(2):  # a duplicate, as Partner Center may send
        requests.post(f"{sim.url}/_sim/tenants/{DEFAULT_TENANT}/referrals/{lead['id']}/events",
                      json={}, timeout=5)
    received = receiver.wait_for(2)
    assert len(received) == 2 and received[0][1] == received[1][1]
    verify(sim, *received[0])
