"""Endpoint keys: the secret part of a partner's marketplace lead URL.

A key is 32 random bytes, URL-safe base64 (43 characters). Only its SHA-256 is stored, so a
copy of the tables opens no endpoint. Looking a key up costs the same whatever is sent: the
key is hashed and the hash read at one point, with no early exit on a malformed or nearly
right key, so the answer's timing says nothing about how close a guess was.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

KEY_BYTES = 32  # the contract asks for at least 32
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")  # what token_urlsafe(32) gives
LEADS_PATH = "/api/marketplace/leads/"


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def key_hash(key: str) -> str:
    """The stored form of a key (hex SHA-256). Any text hashes, well-formed or not."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(stored: str | None, presented: str) -> bool:
    """Whether the stored hash is the presented one, compared in constant time (a missing
    row compares against a dummy of the same length, so both paths do the same work)."""
    return hmac.compare_digest((stored or "0" * len(presented)).encode(),
                               presented.encode()) and stored is not None


def lead_url(public_base_url: str, key: str) -> str:
    return public_base_url.rstrip("/") + LEADS_PATH + key
