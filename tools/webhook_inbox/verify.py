"""Standard Webhooks verification, written from the specification with hmac alone (the app's
own signing code is not reused, so a mistake there cannot agree with itself here):
``webhook-signature`` holds space-separated ``v1,<base64 HMAC-SHA256>`` signatures over
``"<webhook-id>.<webhook-timestamp>.<raw body>"``, keyed with the bytes of the ``whsec_``
secret's base64; the timestamp must be within 5 minutes of the moment of receipt."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

TOLERANCE_SECONDS = 5 * 60


@dataclass(frozen=True)
class Verdict:
    verified: bool
    text: str  # what the page says: which secret verified it, or why none did


def key_of(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret; ValueError if it is not one."""
    raw = secret.strip().removeprefix("whsec_")
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not a whsec_ secret (base64 after the prefix)") from None
    if not key:
        raise ValueError("an empty secret")
    return key


def _signatures(header: str) -> list[bytes]:
    found = []
    for part in header.split():
        version, _, value = part.partition(",")
        if version == "v1":
            try:
                found.append(base64.b64decode(value, validate=True))
            except (binascii.Error, ValueError):
                continue
    return found


def verify(secrets: dict[str, str], headers: dict[str, str], body: bytes,
           received: float) -> Verdict:
    """``secrets``: label -> ``whsec_`` secret; ``headers`` with lower-case names;
    ``received``: unix seconds when the delivery arrived."""
    msg_id, stamp = headers.get("webhook-id"), headers.get("webhook-timestamp", "")
    given = _signatures(headers.get("webhook-signature", ""))
    if not msg_id or not stamp.isdigit() or not given:
        return Verdict(False, "not signed: webhook-id, webhook-timestamp or a v1 "
                              "webhook-signature is missing")
    if abs(received - int(stamp)) > TOLERANCE_SECONDS:
        return Verdict(False, "refused: webhook-timestamp is more than 5 minutes from "
                              "the moment it arrived")
    if not secrets:
        return Verdict(False, "cannot tell yet: no secret given (paste the partner's "
                              "secret above)")
    signed = f"{msg_id}.{stamp}.".encode() + body
    for label, secret in secrets.items():
        mac = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
        if any(hmac.compare_digest(mac, sig) for sig in given):
            return Verdict(True, f"verified with {label}")
    return Verdict(False, "does not verify with " + " or ".join(secrets))
