"""Person listings ("my leads", a Referrals user's list): the person rows of one or two
people, merged newest first.

Each person's rows are ``p|<person>|<referral id>`` and ids sort newest first, so merging the
ranges by id keeps one global order, and the cursor is simply the last id consumed. Other
filters are checked on the fetched referrals (a person's own set is small); a page examines
at most MAX_EXAMINED rows of each person.
"""

from __future__ import annotations

import heapq

from shared.storage.layout.indexes import HIGH, Scan, person_keys, person_prefix
from shared.storage.ports import ListQuery, Page, Stored
from shared.storage.queries.reader import MAX_EXAMINED, IndexReader, fetched


def _ids(reader: IndexReader, partner_id: str, query: ListQuery, cursor: str | None
         ) -> tuple[list[str], str | None]:
    """The candidate ids in order, and the largest id safe to reach (None: no limit)."""
    streams, limit = [], None
    for person in person_keys(query):
        prefix = person_prefix(person)
        low = prefix + cursor if cursor else prefix
        refs = [ref for _, ref in reader.index_rows(partner_id, Scan(low, prefix + HIGH),
                                                    MAX_EXAMINED)]
        if len(refs) == MAX_EXAMINED:
            # This person has more rows past its last one read: nothing beyond it is safe
            # to return yet, or another person's later rows would jump the queue.
            limit = refs[-1] if limit is None else min(limit, refs[-1])
        streams.append(refs)
    merged: list[str] = []
    for ref in heapq.merge(*streams):
        if (limit is not None and ref > limit) or (merged and merged[-1] == ref):
            continue
        merged.append(ref)
    return merged, limit


def person_page(reader: IndexReader, partner_id: str, query: ListQuery, cursor: str | None,
                top: int) -> Page:
    ids, limit = _ids(reader, partner_id, query, cursor)
    items: list[Stored] = []
    for ref, stored in fetched(reader, partner_id, ids):
        if stored and query.matches(stored.referral):
            items.append(stored)
            if len(items) == top:
                more = ref != ids[-1] or limit is not None
                return Page(items, ref if more else None)
    return Page(items, limit)
