"""The archive index: archived referrals by the day they were archived, so the daily
retention sweep (shared/privacy/retention.py) reads only the days that are due, never the
referrals.

Kept in the ``ExpiryIndex`` table in partitions of its own: PartitionKey ``archived|YYYYMMDD``
(the referral's ``closedDateTime``), RowKey ``<partner>|<id>``. ``archived|`` sorts after every
``YYYYMMDD`` due day (the expiry sweep's ``PartitionKey le <day>`` never reaches it) and before
``fold|`` (layout/summaries.py). Written, like the expiry row, before the transaction that
archives the referral: a crash in between leaves a stale row, which the sweep drops when it
finds the referral not archived; the other order could leave a referral keeping its data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.domain.enums import Stage
from shared.domain.lifecycle import stage_of
from shared.domain.models import Referral
from shared.storage.layout.keys import due_day, index_row

ARCHIVE_INDEX = "archived|"


def archive_partition(moment: datetime) -> str:
    return ARCHIVE_INDEX + due_day(moment)


def archived_now(before: Referral | None, after: Referral) -> bool:
    archived = stage_of(after.status) is Stage.ARCHIVED
    return archived and (before is None or stage_of(before.status) is not Stage.ARCHIVED)


def archive_row(r: Referral) -> dict[str, Any]:
    return {"PartitionKey": archive_partition(r.closed_date_time or r.updated_date_time),
            "RowKey": index_row(r.partner_id, r.id)}


def archive_key(before: Referral | None, after: Referral) -> tuple[str, str, str] | None:
    """(partition, partner, id) when this change archives the referral, else None."""
    if not archived_now(before, after):
        return None
    return archive_row(after)["PartitionKey"], after.partner_id, after.id
