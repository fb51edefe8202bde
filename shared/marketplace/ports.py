"""Where a partner's marketplace endpoint is kept (store.py keeps it in the Profiles table;
tests/fakes/marketplace.py in memory)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Endpoint:
    """A partner's lead URL, by the hash of its key (the key itself is never stored)."""

    partner_id: str
    key_hash: str
    created: datetime
    last_lead: datetime | None = None
    last_test_lead: datetime | None = None


@dataclass(frozen=True)
class KeyOwner:
    """Whose key a hash is, and when leads last reached it: what a lead's verification
    reads (one point read gives both, so recording a lead needs no read of its own)."""

    partner_id: str
    key_hash: str
    last_lead: datetime | None = None
    last_test_lead: datetime | None = None


class EndpointStore(Protocol):
    def get(self, partner_id: str) -> Endpoint | None:
        """The partner's endpoint, or None when it has none."""

    def owner(self, key_hash: str) -> KeyOwner | None:
        """The partner whose current key has this hash (one point read), or None."""

    def replace(self, endpoint: Endpoint) -> None:
        """Make ``endpoint`` the partner's one endpoint; the previous key stops working
        before the new one starts (concurrent rotations: the last one wins)."""

    def remove(self, partner_id: str) -> None:
        """Revoke: the partner's key stops working before this returns. Idempotent."""

    def mark(self, owner: KeyOwner, when: datetime, *, test: bool) -> None:
        """Record a lead (or test lead) received at ``when`` by ``owner``'s key; nothing
        when that key no longer works (rotated or revoked meanwhile)."""
