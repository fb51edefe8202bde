"""Row and partition key helpers (see the package docstring for the design)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

REFERRALS_TABLE = "Referrals"
PROFILES_TABLE = "Profiles"
EXPIRY_INDEX_TABLE = "ExpiryIndex"
OUTBOX_INDEX_TABLE = "OutboxIndex"
REMINDER_INDEX_TABLE = "ReminderIndex"
REPEATABILITY_TABLE = "Repeatability"  # intake retries: one claim per (caller, request id)
TABLES = (REFERRALS_TABLE, PROFILES_TABLE, EXPIRY_INDEX_TABLE, OUTBOX_INDEX_TABLE,
          REMINDER_INDEX_TABLE, REPEATABILITY_TABLE)

PROFILE_ROW = "profile"
REFERRAL_PREFIX = "r"
OUTBOX_PREFIX = "o"
MAX_MS = 10**13 - 1  # epoch milliseconds fit in 13 digits until the year 2286
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


def outbox_row(event_id: str) -> str:
    return OUTBOX_PREFIX + event_id


def due_day(moment: datetime) -> str:
    return moment.strftime("%Y%m%d")


def hour_bucket(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H")


def index_row(partner_id: str, item_id: str) -> str:
    # Partner ids are validated to [A-Za-z0-9._-], so "|" cannot occur in them.
    return f"{partner_id}|{item_id}"


def split_index_row(row_key: str) -> tuple[str, str]:
    partner_id, _, item_id = row_key.partition("|")
    return partner_id, item_id
