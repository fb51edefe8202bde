"""Intake claims in memory, with the Table store's semantics (shared/storage/tables/claims.py)."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import datetime

from shared.storage.ports.claims import Claim


class MemoryClaims:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._etags = itertools.count(1)
        self.rows: dict[tuple[str, str], Claim] = {}

    def _put(self, c: Claim) -> Claim:
        stored = replace(c, etag=f'W/"{next(self._etags)}"')
        self.rows[(c.caller, c.request_id)] = stored
        return stored

    def claim(self, new: Claim) -> Claim:
        with self._lock:
            return self.rows.get((new.caller, new.request_id)) or self._put(new)

    def replace(self, old: Claim, new: Claim) -> Claim | None:
        with self._lock:
            if self.rows.get((old.caller, old.request_id)) != old:
                return None
            return self._put(new)

    def release(self, claim: Claim) -> None:
        with self._lock:
            if self.rows.get((claim.caller, claim.request_id)) == claim:
                del self.rows[(claim.caller, claim.request_id)]

    def forget_before(self, cutoff: datetime) -> int:
        with self._lock:
            old = [key for key, c in self.rows.items() if c.claimed < cutoff]
            for key in old:
                del self.rows[key]
            return len(old)
