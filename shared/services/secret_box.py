"""Sealing partners' webhook secrets at rest: AES-256-GCM with WEBHOOK_SECRETS_KEY.

The partner id is the associated data, so a sealed secret copied to another partner's row
does not open there. The stored form is ``v1.<base64 of nonce + ciphertext>``: the version
leaves room to rotate the key later.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = "v1."
_NONCE = 12


class SealBroken(Exception):
    """The sealed secret does not open with this key (another key, or tampered with)."""


def seal(key: bytes, partner_id: str, secret: str) -> str:
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, secret.encode(), partner_id.encode())
    return _VERSION + base64.b64encode(nonce + sealed).decode()


def unseal(key: bytes, partner_id: str, stored: str) -> str:
    if not stored.startswith(_VERSION):
        raise SealBroken("unknown sealed-secret format")
    raw = base64.b64decode(stored.removeprefix(_VERSION))
    try:
        return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], partner_id.encode()).decode()
    except InvalidTag:
        raise SealBroken("the sealed secret does not open with WEBHOOK_SECRETS_KEY") from None
