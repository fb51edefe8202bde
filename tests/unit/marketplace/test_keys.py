"""Endpoint keys: random enough, URL-safe, stored only as a hash, compared in constant
time."""

from __future__ import annotations

import base64
import hashlib

from shared.marketplace.keys import KEY_PATTERN, key_hash, lead_url, new_key, same_hash


def test_a_key_is_32_random_bytes_url_safe():
    keys = {new_key() for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        assert KEY_PATTERN.fullmatch(key)
        padded = key + "=" * (-len(key) % 4)
        assert len(base64.urlsafe_b64decode(padded)) == 32


def test_the_stored_form_is_the_sha256_not_the_key():
    key = new_key()
    assert key_hash(key) == hashlib.sha256(key.encode()).hexdigest()
    assert key not in key_hash(key)


def test_any_text_hashes_even_a_malformed_key():
    assert len(key_hash("../../etc/passwd\udcff")) == 64


def test_same_hash():
    h = key_hash(new_key())
    assert same_hash(h, h)
    assert not same_hash(key_hash(new_key()), h)
    assert not same_hash(None, h)  # no row: compared against a dummy, still refused


def test_lead_url():
    assert lead_url("https://referrals.contoso.example/", "k") == (
        "https://referrals.contoso.example/api/marketplace/leads/k")
