"""Write the index and summary rows of referrals stored before they existed (or repair them),
and the reminder and per-referral delivery rows of referrals and deliveries older than those.

    .venv/bin/python -m tools.reindex [--partner TENANT_ID ...] [--dry-run]

Reads AzureWebJobsStorage like the app (environment, else local.settings.json's Values).
Without --partner it does every partner that has a business profile. Idempotent: a second
run reports 0 rows written; run it again if it reports conflicts (referrals that changed
while it ran, which their own change already indexed).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from shared.bootstrap import table_service
from shared.settings import Settings
from shared.storage.layout.keys import (
    EXPIRY_INDEX_TABLE,
    PROFILE_ROW,
    PROFILES_TABLE,
    REFERRALS_TABLE,
    REMINDER_INDEX_TABLE,
)
from shared.storage.tables.reindex import reindex_partner

ROOT = Path(__file__).resolve().parents[1]


def _local_settings() -> None:
    path = ROOT / "local.settings.json"
    if path.exists():
        for name, value in json.loads(path.read_text(encoding="utf-8-sig")).get(
                "Values", {}).items():
            os.environ.setdefault(name, str(value))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partner", action="append", help="a partner (tenant) id; repeatable")
    parser.add_argument("--dry-run", action="store_true", help="report, write nothing")
    args = parser.parse_args(argv)
    _local_settings()
    service = table_service(Settings.from_env().storage)
    # Profile rows only: the Profiles table also holds rows that are not a partner's
    # (a marketplace key's lookup row, PartitionKey "mkey:<hash>").
    partners = args.partner or sorted({str(e["PartitionKey"]) for e in service.get_table_client(
        PROFILES_TABLE).query_entities("RowKey eq @row", parameters={"row": PROFILE_ROW},
                                       select=["PartitionKey"])})
    table = service.get_table_client(REFERRALS_TABLE)
    index = service.get_table_client(EXPIRY_INDEX_TABLE)  # archive index rows live there
    reminders = service.get_table_client(REMINDER_INDEX_TABLE)
    conflicts = 0
    for partner in partners:
        report = reindex_partner(table, partner, dry_run=args.dry_run, index=index,
                                 reminders=reminders)
        conflicts += len(report.conflicts)
        print(f"{partner}: {report.referrals} referrals, {report.migrated} migrated, "
              f"{report.rows_written} rows written, {report.rows_deleted} stale rows deleted, "
              f"{len(report.conflicts)} conflicts")
    return 1 if conflicts else 0


if __name__ == "__main__":
    sys.exit(main())
