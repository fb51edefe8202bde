"""History rows: ``h|<referral id>|<UTC time to the microsecond>|<random>`` in the referral's
partition, written in the same transaction as the change they record. Ascending RowKeys are
oldest first, the order the history route pages in."""

from __future__ import annotations

import secrets
from typing import Any

from shared.domain.history import HistoryEntry

PREFIX = "h|"


def history_prefix(referral_id: str) -> str:
    return f"{PREFIX}{referral_id}|"


def history_row(referral_id: str, entry: HistoryEntry) -> dict[str, Any]:
    key = f"{history_prefix(referral_id)}{entry.at:%Y%m%d%H%M%S%f}|{secrets.token_hex(3)}"
    return {"RowKey": key, "entryJson": entry.model_dump_json()}


def entry_from_row(props: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry.model_validate_json(str(props["entryJson"]))
