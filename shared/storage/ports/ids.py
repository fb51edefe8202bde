"""Ids that the services and the HTTP edge hand to storage: referral ids and delivery ids.

Both are public (they appear in URLs) and both are storage keys: a referral id is the
referral row's RowKey, and a delivery id follows ``o`` in its delivery row's RowKey. Their
leading 13 digits are an *inverted* epoch millisecond, so ascending keys list newest first.
Made here, inside storage, so that nothing outside it builds a key.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from shared.domain.events import Event, Recipient

MAX_MS = 10**13 - 1  # epoch milliseconds fit in 13 digits until the year 2286
REFERRAL_PREFIX = "r"
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case: URL-safe
# [0-9], not \d (which takes any Unicode digit); checked with fullmatch, since "$" alone
# also matches before a final newline.
REFERRAL_ID = re.compile(r"r[0-9]{13}[0-9a-z]{10}")


def new_referral_id(now: datetime) -> str:
    inverted = MAX_MS - int(now.timestamp() * 1000)
    suffix = "".join(secrets.choice(_ALPHABET) for _ in range(10))
    return f"{REFERRAL_PREFIX}{inverted:013d}{suffix}"


def is_referral_id(value: str) -> bool:
    return REFERRAL_ID.fullmatch(value) is not None


DELIVERY_ID = re.compile(r"^\d{13}-[0-9a-f-]{36}-[a-z0-9.]{1,64}$")


def delivery_id(event: Event, recipient: Recipient) -> str:
    inverted = MAX_MS - int(event.occurred.timestamp() * 1000)
    return f"{inverted:013d}-{event.id}-{recipient.key}"


def is_delivery_id(value: str) -> bool:
    return bool(DELIVERY_ID.match(value))


def delivery_ids(event: Event) -> list[str]:
    return [delivery_id(event, r) for r in event.recipients]
