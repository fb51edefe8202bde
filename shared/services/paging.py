"""Opaque continuation tokens for the listing.

A token carries the last referral id of the previous page and the query it belongs to;
one from another query (or tampered with) is refused as bad input, never passed to storage.
"""

from __future__ import annotations

import base64
import binascii
import json

from shared.domain.errors import FieldError, RuleViolation
from shared.storage.keys import is_referral_id


def encode_token(after: str, query: str) -> str:
    raw = json.dumps({"v": 1, "a": after, "q": query}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, query: str) -> str:
    bad = RuleViolation(
        "The continuation token is not valid for this query.",
        [FieldError("invalidValue", "not a token issued for this query", "continuation_token")],
    )
    if len(token) > 512:
        raise bad
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if (
        not isinstance(data, dict)
        or data.get("v") != 1
        or data.get("q") != query
        or not isinstance(data.get("a"), str)
        or not is_referral_id(data["a"])
    ):
        raise bad
    return str(data["a"])
