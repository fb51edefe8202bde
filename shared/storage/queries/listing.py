"""One page of a listing, read through index rows; shared by the Table and in-memory stores,
which only supply the two primitives of ``IndexReader``.

A plain listing reads ``top + 1`` index rows of one range (the extra one tells whether a
next page exists) and then the referrals themselves by id, 15 to a request: a fixed number
of round trips per page whatever the partner's history. A search reads word rows, whose
order is by word, and checks every other filter on the referrals it fetches; it examines at
most MAX_EXAMINED rows a page and may then return a short page with a cursor.
"""

from __future__ import annotations

from shared.storage.layout.indexes import plan, scan_from
from shared.storage.ports import ListQuery, Page, Stored
from shared.storage.queries.people import person_page
from shared.storage.queries.reader import FETCH_CHUNK, MAX_EXAMINED, IndexReader, fetch


def read_page(reader: IndexReader, partner_id: str, query: ListQuery, cursor: str | None,
              top: int) -> Page:
    if query.by_person:
        return person_page(reader, partner_id, query, cursor, top)
    if query.search or query.search_raw:
        return _search_page(reader, partner_id, query, cursor, top)
    rows: list[tuple[str, str]] = []
    for scan in scan_from(plan(query), cursor):
        rows += reader.index_rows(partner_id, scan, top + 1 - len(rows))
        if len(rows) > top:
            break
    page, more = rows[:top], len(rows) > top
    found = fetch(reader, partner_id, [ref for _, ref in page])
    items = [found[ref] for _, ref in page if ref in found]
    return Page(items, page[-1][0] if more and page else None)


def _search_page(reader: IndexReader, partner_id: str, query: ListQuery, cursor: str | None,
                 top: int) -> Page:
    items: list[Stored] = []
    seen: set[str] = set()
    rows = _SearchRows(reader, partner_id, query, cursor)
    while batch := rows.take(FETCH_CHUNK):
        found = fetch(reader, partner_id, [ref for _, ref in batch])
        for key, ref in batch:
            stored = found.get(ref)
            if stored and ref not in seen and query.matches(stored.referral):
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
