"""Webhook signatures per the Standard Webhooks specification (contract section 5).

``webhook-signature: v1,<base64 of HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>">``
keyed with the decoded bytes of a ``whsec_<base64>`` secret, so receivers verify with the
specification's published libraries (the e2e tests do, with the ``standardwebhooks`` package).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60  # what the reference libraries accept either side of now


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret: the bytes its base64 stands for."""
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, msg_id, timestamp, body)}


def verify(secret: str, headers_in: dict[str, str], body: bytes, now: int) -> bool:
    """What a receiver does (the published libraries do the same): the timestamp within
    5 minutes of ``now``, and one of the space-separated v1 signatures matching."""
    h = {k.lower(): v for k, v in headers_in.items()}
    try:
        stamp = int(h["webhook-timestamp"])
        expected = sign(secret, h["webhook-id"], stamp, body)
    except (KeyError, ValueError, binascii.Error):
        return False
    if abs(now - stamp) > TOLERANCE_SECONDS:
        return False
    return any(hmac.compare_digest(expected, s) for s in h.get("webhook-signature", "").split())
