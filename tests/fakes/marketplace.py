"""Marketplace endpoints in memory, with the Table store's semantics
(shared/marketplace/store.py): the key row is the authority, one per partner."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from shared.marketplace.ports import Endpoint, KeyOwner


class MemoryEndpoints:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.endpoints: dict[str, Endpoint] = {}
        self.keys: dict[str, str] = {}  # key hash -> partner id

    def get(self, partner_id: str) -> Endpoint | None:
        with self._lock:
            return self.endpoints.get(partner_id)

    def owner(self, key_hash: str) -> KeyOwner | None:
        with self._lock:
            partner = self.keys.get(key_hash)
            if partner is None:
                return None
            found = self.endpoints[partner]
            return KeyOwner(partner, key_hash, found.last_lead, found.last_test_lead)

    def replace(self, endpoint: Endpoint) -> None:
        with self._lock:
            old = self.endpoints.get(endpoint.partner_id)
            if old is not None:
                self.keys.pop(old.key_hash, None)
            self.keys[endpoint.key_hash] = endpoint.partner_id
            self.endpoints[endpoint.partner_id] = replace(endpoint, last_lead=None,
                                                          last_test_lead=None)

    def remove(self, partner_id: str) -> None:
        with self._lock:
            old = self.endpoints.pop(partner_id, None)
            if old is not None:
                self.keys.pop(old.key_hash, None)

    def mark(self, owner: KeyOwner, when: datetime, *, test: bool) -> None:
        with self._lock:
            partner_id = self.keys.get(owner.key_hash)  # None: rotated or revoked meanwhile
            if partner_id is not None and (found := self.endpoints.get(partner_id)):
                self.endpoints[partner_id] = replace(found, last_test_lead=when) if test \
                    else replace(found, last_lead=when)
