"""Sealed webhook secrets in memory (shared/storage/tables/secrets.py is the Table store)."""

from __future__ import annotations

import threading


class MemorySecrets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sealed: dict[str, str] = {}

    def get(self, partner_id: str) -> str | None:
        with self._lock:
            return self.sealed.get(partner_id)

    def put(self, partner_id: str, sealed: str) -> None:
        with self._lock:
            self.sealed[partner_id] = sealed
