"""One page of a listing, read through index rows; shared by the Table and in-memory stores,
which only supply the two primitives of ``IndexReader``.

A plain listing reads ``top + 1`` index rows of one range (the extra one tells whether a
next page exists) and then the referrals themselves by id, 15 to a request: a fixed number
of round trips per page whatever the partner's history. A search reads word rows, whose
order is by word, and checks every other filter on the referrals it fetches; it examines at
most MAX_EXAMINED rows a page and may then return a short page with a cursor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from shared.domain.lifecycle import stage_of
from shared.domain.models import Referral
from shared.domain.text import fold, words

from .indexes import Scan, plan, scan_from
from .people import person_page
from .ports import ListQuery, Page, Stored

MAX_EXAMINED = 1000
FETCH_CHUNK = 15  # a Table filter allows at most 15 discrete comparisons


class IndexReader(Protocol):
    def index_rows(self, partner_id: str, scan: Scan, limit: int) -> Iterator[tuple[str, str]]:
        """(RowKey, referral id) of the rows in ``scan``, in key order, at most ``limit``."""

    def referrals_by_id(self, partner_id: str, ids: list[str]) -> dict[str, Stored]: ...


def read_page(reader: IndexReader, partner_id: str, query: ListQuery, cursor: str | None,
              top: int) -> Page:
    if query.people:
        return person_page(reader, partner_id, query, cursor, top)
    if query.search or query.search_raw:
        return _search_page(reader, partner_id, query, cursor, top)
    rows: list[tuple[str, str]] = []
    for scan in scan_from(plan(query), cursor):
        rows += reader.index_rows(partner_id, scan, top + 1 - len(rows))
        if len(rows) > top:
            break
    page, more = rows[:top], len(rows) > top
    found = _fetch(reader, partner_id, [ref for _, ref in page])
    items = [found[ref] for _, ref in page if ref in found]
    return Page(items, page[-1][0] if more and page else None)


def _search_page(reader: IndexReader, partner_id: str, query: ListQuery, cursor: str | None,
                 top: int) -> Page:
    items: list[Stored] = []
    seen: set[str] = set()
    rows = _SearchRows(reader, partner_id, query, cursor)
    while batch := rows.take(FETCH_CHUNK):
        found = _fetch(reader, partner_id, [ref for _, ref in batch])
        for key, ref in batch:
            stored = found.get(ref)
            if stored and ref not in seen and referral_matches(query, stored.referral):
                seen.add(ref)
                items.append(stored)
                if len(items) == top:
                    return Page(items, key)
    # Out of rows: the last page. At the cap: a short page, continuing after the last row.
    return Page(items, rows.last if rows.capped else None)


class _SearchRows:
    """The search's index rows from ``cursor`` on, at most MAX_EXAMINED of them."""

    def __init__(self, reader: IndexReader, partner_id: str, query: ListQuery,
                 cursor: str | None) -> None:
        self._rows = (row for scan in scan_from(plan(query), cursor)
                      for row in reader.index_rows(partner_id, scan, MAX_EXAMINED))
        self.examined = 0
        self.last: str | None = None

    @property
    def capped(self) -> bool:
        return self.examined >= MAX_EXAMINED

    def take(self, n: int) -> list[tuple[str, str]]:
        batch: list[tuple[str, str]] = []
        while len(batch) < n and not self.capped:
            row = next(self._rows, None)
            if row is None:
                break
            batch.append(row)
            self.examined += 1
            self.last = row[0]
        return batch


def _fetch(reader: IndexReader, partner_id: str, ids: list[str]) -> dict[str, Stored]:
    found: dict[str, Stored] = {}
    for start in range(0, len(ids), FETCH_CHUNK):
        found.update(reader.referrals_by_id(partner_id, ids[start:start + FETCH_CHUNK]))
    return found


def referral_matches(query: ListQuery, r: Referral) -> bool:
    """Every filter of ``query``, checked on a referral (searches are checked this way)."""
    visible = query.viewer is None or query.viewer.may_see(r)
    return visible and _search_matches(query, r) and _filters_match(query, r)


def _search_matches(query: ListQuery, r: Referral) -> bool:
    if not query.search and not query.search_raw:
        return True
    if query.search_raw and r.external_reference_id \
            and fold(r.external_reference_id.strip()) == fold(query.search_raw.strip()):
        return True
    own = words(r.customer_profile.name, r.name)
    return bool(query.search) and all(any(w.startswith(s) for w in own) for s in query.search)


def _filters_match(query: ListQuery, r: Referral) -> bool:
    checks: list[Any] = [
        query.group in ("all", r.qualification.category.value)
        or (query.group == "favorites" and r.favorite),
        query.stage is None or stage_of(r.status) is query.stage,
        query.qualification is None or r.qualification is query.qualification,
        query.country is None or (r.customer_profile.address is not None
                                  and r.customer_profile.address.country == query.country),
        query.created_from is None or r.created_date_time.date() >= query.created_from,
        query.created_to is None or r.created_date_time.date() <= query.created_to,
    ]
    return all(checks)
