"""Opaque continuation tokens for the listings (referrals, a referral's history, the delivery
log).

A token carries where the next page starts (a storage cursor: the last index key read) and an
HMAC-SHA256 tag, keyed with CONTINUATION_TOKEN_KEY, over the cursor, the tenant and a
fingerprint of the query (which, for a Referrals user, includes who asks). So a token cannot
be forged, and one from another tenant or another query is refused as bad input (400) before
its cursor is read. The cursor is also only ever used as a lower bound inside the query's own
index ranges, so even a token signed with a leaked key cannot reach other rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from shared.domain.errors import FieldError, RuleViolation

from .context import Context

CURSOR = re.compile(r"[0-9A-Za-z|.~_-]{1,512}")
# What TokenScope.encode writes: base64url without padding. The decoder would skip anything
# else (a trailing newline, spaces), so one token could be spelled many ways.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,2048}")
TAG_BYTES = 16  # 128 bits of HMAC-SHA256: forging one is out of reach
VERSION = "v3"  # v2 tokens (unsigned) are refused: a client starts its listing again


@dataclass(frozen=True)
class TokenScope:
    """The tokens of one query of one tenant: ``encode`` a cursor, ``decode`` a token."""

    key: bytes
    tenant: str
    query: str

    def encode(self, after: str) -> str:
        raw = self._tag(after) + after.encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str) -> str:
        bad = RuleViolation(
            "The continuation token is not valid for this query.",
            [FieldError("invalidValue", "not a token issued for this query",
                        "continuation_token")],
        )
        if not TOKEN.fullmatch(token):
            raise bad
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            after = raw[TAG_BYTES:].decode()
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise bad from None
        if not hmac.compare_digest(raw[:TAG_BYTES], self._tag(after)) \
                or not CURSOR.fullmatch(after):
            raise bad
        return after

    def _tag(self, after: str) -> bytes:
        # JSON: unambiguous whatever the parts hold (no part can end where another begins).
        message = json.dumps([VERSION, self.tenant, self.query, after]).encode()
        return hmac.new(self.key, message, hashlib.sha256).digest()[:TAG_BYTES]


def scope(ctx: Context, tenant: str, query: str) -> TokenScope:
    return TokenScope(ctx.settings.continuation_token_key, tenant, query)
