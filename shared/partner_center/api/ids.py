"""Partner Center referral ids: GUIDs, compared and stored in one canonical form (lower
case, hyphenated), whether they come from the API's ``id`` or an event's ``ResourceUri``."""

from __future__ import annotations

import re

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def canonical_id(value: object) -> str | None:
    """The id in canonical form, or None when ``value`` is not a hyphenated GUID."""
    if not isinstance(value, str) or not _GUID.fullmatch(value):
        return None
    return value.lower()
