"""Row and partition key helpers (see the package docstring for the design)."""

from __future__ import annotations

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
OUTBOX_PREFIX = "o"


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
