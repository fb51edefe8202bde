"""The inbox's own verification agrees with the standardwebhooks library (the reference
implementation of the specification) on what verifies and what does not."""

from __future__ import annotations

import base64
import os
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tools.webhook_inbox.verify import verify


def _secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def _signed(secret: str, body: bytes, stamp: int, msg_id: str = "evt_1") -> dict[str, str]:
    sig = Webhook(secret).sign(msg_id, datetime.fromtimestamp(stamp, tz=UTC),
                               body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp), "webhook-signature": sig}


def _library_says(secret: str, headers: dict[str, str], body: bytes) -> bool:
    try:
        Webhook(secret).verify(body, headers, json_parse=False)
    except WebhookVerificationError:
        return False
    return True


def _cases(secret: str, other: str, now: int) -> list[tuple[str, dict[str, str], bytes]]:
    body = '{"type": "referral.received", "data": {"name": "Fäbrikam"}}'.encode()
    good = _signed(secret, body, now)
    rotated = _signed(other, body, now)
    return [
        ("signed", good, body),
        ("body changed", good, body.replace(b"received", b"accepted")),
        ("another secret", rotated, body),
        ("one of two signatures", {**good, "webhook-signature":
                                   rotated["webhook-signature"] + " " + good["webhook-signature"]},
         body),
        ("id changed", {**good, "webhook-id": "evt_2"}, body),
        ("ten minutes old", _signed(secret, body, now - 600), body),
        ("ten minutes ahead", _signed(secret, body, now + 600), body),
        ("v2 only", {**good, "webhook-signature": good["webhook-signature"].replace("v1,", "v2,")},
         body),
    ]


@pytest.mark.parametrize("index", range(8))
def test_the_inbox_and_the_reference_library_agree(index):
    secret, other, now = _secret(), _secret(), int(time.time())
    name, headers, body = _cases(secret, other, now)[index]
    ours = verify({"the partner's secret": secret}, headers, body, now).verified
    assert ours == _library_says(secret, headers, body), name
    assert ours == (name in ("signed", "one of two signatures")), name


def test_the_verdict_says_which_secret_verified_it_or_why_none_did():
    secret, other, now = _secret(), _secret(), int(time.time())
    body = b'{"type": "webhook.test"}'
    headers = _signed(secret, body, now)
    both = {"NOTIFICATION_SIGNING_SECRET": other, "the partner's secret": secret}
    assert verify(both, headers, body, now).text == "verified with the partner's secret"
    refused = verify({"NOTIFICATION_SIGNING_SECRET": other}, headers, body, now)
    assert not refused.verified and "NOTIFICATION_SIGNING_SECRET" in refused.text
    unknown = verify({}, headers, body, now)
    assert not unknown.verified and "no secret given" in unknown.text
    bare = verify(both, {}, body, now)
    assert not bare.verified and bare.text.startswith("not signed")
