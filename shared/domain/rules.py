"""Business rules on single values, shared by request validation and the operations."""

from __future__ import annotations

from datetime import date

# Each member is an index row written in the change's own transaction (at most 100
# operations): the team stays small enough that an accept with a full team still fits.
MAX_TEAM = 20


def closing_date_problem(closing: date, today: date) -> str | None:
    return "must be today or later" if closing < today else None
