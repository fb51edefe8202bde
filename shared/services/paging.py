"""Opaque continuation tokens for the listing.

A token carries where the next page starts (a storage cursor: the last index key read) and
a fingerprint of the query it belongs to; one from another query (or tampered with) is
refused as bad input. The cursor is only ever used as a lower bound inside the query's own
index ranges, so even a forged one cannot reach other rows.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from shared.domain.errors import FieldError, RuleViolation

CURSOR = re.compile(r"[0-9A-Za-z|.~_-]{1,512}")
# What encode_token writes: base64url without padding. The decoder would skip anything else
# (a trailing newline, spaces), so one token could be spelled many ways.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,2048}")


def encode_token(after: str, query: str) -> str:
    raw = json.dumps({"v": 2, "a": after, "q": query}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, query: str) -> str:
    bad = RuleViolation(
        "The continuation token is not valid for this query.",
        [FieldError("invalidValue", "not a token issued for this query", "continuation_token")],
    )
    if not TOKEN.fullmatch(token):
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if (
        not isinstance(data, dict)
        or data.get("v") != 2
        or data.get("q") != query
        or not isinstance(data.get("a"), str)
        or not CURSOR.fullmatch(data["a"])
    ):
        raise bad
    return str(data["a"])
