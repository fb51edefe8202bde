"""What the customer-data room (shared/privacy) needs from storage: shared/privacy/store.py
and archive_index.py keep it on Table Storage, tests/fakes/privacy.py in memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.domain.history import HistoryEntry
from shared.storage.ports import Delivery
from shared.storage.ports.sweeps import DueIndex


@dataclass(frozen=True)
class HistoryRow:
    key: str  # the row's RowKey: a rewrite replaces the entry in place
    entry: HistoryEntry


@dataclass(frozen=True)
class Erasure:
    """One erasure, as the log keeps it: who asked, when, whose (a hash), how much."""

    id: str
    requested_by: str
    at: datetime
    subject: str  # SHA-256 of the lowercased address: the log holds no personal data
    referrals: int
    history_entries: int
    deliveries: int


class PersonalData(Protocol):
    def referral_ids(self, partner_id: str, address: str) -> list[str]:
        """The referrals whose address rows or team person rows name ``address`` (a few
        range reads: the cost follows the matches)."""

    def history(self, partner_id: str, referral_id: str) -> list[HistoryRow]:
        """Every entry of one referral's history, oldest first."""

    def rewrite_history(self, partner_id: str, rows: Sequence[HistoryRow]) -> None:
        """Replace these entries in place (idempotent)."""

    def drop_address_rows(self, partner_id: str, referral_id: str,
                          addresses: Iterable[str]) -> None:
        """Delete the referral's address rows of these addresses (missing ones are fine)."""

    def deliveries_mentioning(self, partner_id: str, address: str) -> Iterator[Delivery]:
        """The partner's delivery records that hold ``address`` anywhere."""

    def rewrite_delivery(self, before: Delivery, after: Delivery) -> None:
        """Store ``after``'s recipient, event, label, error and state; a delivery no longer
        pending leaves the redispatch index."""

    def log(self, partner_id: str, erasure: Erasure) -> None: ...

    def erasures(self, partner_id: str) -> list[Erasure]:
        """The partner's erasure log, newest first."""


@dataclass(frozen=True)
class PrivacyPorts:
    store: PersonalData
    archive: DueIndex  # ArchiveIndex: archived referrals by archive day (retention)
