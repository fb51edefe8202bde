"""What listings read through: the two primitives a store supplies (``IndexReader``), and the
chunked point reads every listing shares.

A Table filter allows at most 15 discrete comparisons, so referrals are read by id 15 to a
request; a page examines at most MAX_EXAMINED index rows (of each person, for a person
listing) before it returns a short page with a cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from shared.storage.layout.indexes import Scan
from shared.storage.ports import Stored

MAX_EXAMINED = 1000
FETCH_CHUNK = 15  # a Table filter allows at most 15 discrete comparisons


class IndexReader(Protocol):
    def index_rows(self, partner_id: str, scan: Scan, limit: int) -> Iterator[tuple[str, str]]:
        """(RowKey, referral id) of the rows in ``scan``, in key order, at most ``limit``."""

    def referrals_by_id(self, partner_id: str, ids: list[str]) -> dict[str, Stored]: ...


def fetch(reader: IndexReader, partner_id: str, ids: list[str]) -> dict[str, Stored]:
    """The referrals of ``ids`` that exist, by id, FETCH_CHUNK to a request."""
    found: dict[str, Stored] = {}
    for start in range(0, len(ids), FETCH_CHUNK):
        found.update(reader.referrals_by_id(partner_id, ids[start:start + FETCH_CHUNK]))
    return found


def fetched(reader: IndexReader, partner_id: str, ids: list[str]
            ) -> Iterator[tuple[str, Stored | None]]:
    """Each id of ``ids`` in order with its referral (None when gone), read FETCH_CHUNK to a
    request and only as far as the caller goes on."""
    for start in range(0, len(ids), FETCH_CHUNK):
        chunk = ids[start:start + FETCH_CHUNK]
        found = reader.referrals_by_id(partner_id, chunk)
        for ref in chunk:
            yield ref, found.get(ref)
