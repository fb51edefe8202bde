"""RefitMarks in memory: a counter stands in for the ETag."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from itertools import count


class MemoryRefitMarks:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens = count(1)
        self.marks: dict[str, tuple[datetime, str]] = {}

    def mark(self, partner_id: str, now: datetime) -> str:
        with self._lock:
            token = str(next(self._tokens))
            self.marks[partner_id] = (now, token)
            return token

    def clear(self, partner_id: str, token: str) -> None:
        with self._lock:
            if self.marks.get(partner_id, (None, None))[1] == token:
                del self.marks[partner_id]

    def stale(self, cutoff: datetime) -> Iterator[tuple[str, str]]:
        with self._lock:
            found = [(p, token) for p, (at, token) in self.marks.items() if at < cutoff]
        return iter(found)
