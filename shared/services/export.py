"""The listing as a download: every referral a query matches, up to EXPORT_CAP of them.

Read through the listing's own pages (index rows, then the referrals by id), 1,000 at a
time, so its cost follows the rows exported; a query matching more than the cap is refused
as soon as the cap is passed.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.domain.errors import FieldError, RuleViolation
from shared.storage.ports import ListQuery, Stored

from .context import Context
from .referrals import by_id_search

EXPORT_CAP = 10_000
PAGE = 1000  # a Table query returns at most 1,000 entities a round trip


def export(ctx: Context, partner_id: str, query: ListQuery) -> Iterator[Stored]:
    """The matching referrals in the query's order; RuleViolation if more than the cap."""
    found = by_id_search(ctx, partner_id, query)
    if found is not None:
        return iter(found)
    items: list[Stored] = []
    cursor: str | None = None
    while True:
        page = ctx.referrals.page(partner_id, query, cursor, PAGE)
        items += page.items
        if len(items) > EXPORT_CAP:
            raise RuleViolation(
                f"More than {EXPORT_CAP:,} referrals match; narrow the query "
                "(for example by stage, createdFrom/createdTo or qualification).",
                [FieldError("tooMany", f"more than {EXPORT_CAP:,} matches", None)])
        if page.cursor is None:
            return iter(items)
        cursor = page.cursor
