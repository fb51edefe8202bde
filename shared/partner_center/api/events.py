"""The thin body of a Partner Center event (Microsoft's "Partner Center webhooks": ``{"EventName",
"ResourceUri", "ResourceName", "AuditUri", "ResourceChangeUtcDate"}``), read only after
``verification`` accepted the request.

The referral id is the last path segment of ``ResourceUri`` and must be a GUID. The URI
itself is never fetched: the referral is read from the configured API base by that id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from .errors import EventMalformed, UnsupportedEvent
from .ids import canonical_id
from .timefmt import parse_instant

REFERRAL_EVENTS = frozenset({"referral-created", "referral-updated"})


@dataclass(frozen=True)
class ReferralEvent:
    name: str  # referral-created | referral-updated
    referral_id: str  # canonical GUID (ids.canonical_id)
    changed_at: datetime | None  # ResourceChangeUtcDate, when readable


def parse_event(body: bytes) -> ReferralEvent:
    """The event, or EventMalformed (400) / UnsupportedEvent (another event name)."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise EventMalformed("the body is not JSON") from None
    if not isinstance(data, dict):
        raise EventMalformed("the body is not a JSON object")
    name = data.get("EventName")
    if not isinstance(name, str) or not name:
        raise EventMalformed("no EventName")
    if name not in REFERRAL_EVENTS:
        raise UnsupportedEvent(name)
    uri = data.get("ResourceUri")
    if not isinstance(uri, str):
        raise EventMalformed("no ResourceUri")
    referral_id = canonical_id(urlsplit(uri).path.rsplit("/", 1)[-1])
    if referral_id is None:
        raise EventMalformed("ResourceUri does not end in a referral id (a GUID)")
    changed = data.get("ResourceChangeUtcDate")
    return ReferralEvent(name, referral_id,
                         parse_instant(changed) if isinstance(changed, str) else None)
