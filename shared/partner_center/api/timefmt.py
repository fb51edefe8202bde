"""Partner Center's date-times ("string in UTC date time format": ``2018-11-06T18:40:42.6178337Z``,
seven fractional digits, ``Z`` or an offset) read as aware UTC datetimes, and written back."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_instant(text: str) -> datetime | None:
    """An aware UTC datetime, or None when unreadable. A value without offset is UTC."""
    cleaned = _FRACTION.sub(r"\1", text.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def closing_date_time(day: date) -> str:
    """A local closing date as Partner Center's ``details.closingDateTime``."""
    return f"{day.isoformat()}T00:00:00Z"
