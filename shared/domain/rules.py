"""Business rules on single values, shared by request validation and the operations."""

from __future__ import annotations

from datetime import date

MAX_TEAM = 50


def closing_date_problem(closing: date, today: date) -> str | None:
    return "must be today or later" if closing < today else None
