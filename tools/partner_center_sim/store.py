"""Each tenant's referrals in memory, kept in ``updatedDateTime`` order so that listing is a
slice, even with 10,000 of them.

Every change (through the API's PATCH or the control API) gives the referral a new
``eTag`` and a new, strictly later ``updatedDateTime``, as "Referral resources" describes
(``eTag`` for concurrency, ``updatedDateTime`` the last change).
"""

from __future__ import annotations

import bisect
import copy
import random
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .leads import make_referral, seeded_history
from .timefmt import Ticker, fmt, parse

Key = tuple[datetime, str]


def new_etag() -> str:
    return f'"{uuid.uuid4()}"'


@dataclass
class TenantReferrals:
    """One partner organisation's referrals. Not thread-safe alone: the Simulator's lock."""

    tenant: str
    organization: dict[str, str]
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[Key] = field(default_factory=list)

    def _key(self, referral: dict[str, Any]) -> Key:
        return (parse(referral["updatedDateTime"]), referral["id"])

    def put(self, referral: dict[str, Any]) -> None:
        old = self.by_id.get(referral["id"])
        if old is not None:
            index = bisect.bisect_left(self.order, self._key(old))
            del self.order[index]
        self.by_id[referral["id"]] = referral
        bisect.insort(self.order, self._key(referral))

    def iter_ordered(self, descending: bool = False) -> Iterator[dict[str, Any]]:
        keys = reversed(self.order) if descending else iter(self.order)
        return (self.by_id[key[1]] for key in keys)

    def iter_after(self, key: Key, descending: bool = False) -> Iterator[dict[str, Any]]:
        """Referrals strictly after ``key`` in the order (a continuation token's place)."""
        if descending:
            start = bisect.bisect_left(self.order, key)
            return (self.by_id[k[1]] for k in reversed(self.order[:start]))
        start = bisect.bisect_right(self.order, key)
        return (self.by_id[k[1]] for k in self.order[start:])


class ReferralStore:
    """All tenants' referrals, and the stamping of every change."""

    def __init__(self, links_base: str) -> None:
        self.links_base = links_base.rstrip("/")
        self.lock = threading.RLock()
        self.ticker = Ticker()
        self._tenants: dict[str, TenantReferrals] = {}

    def tenant(self, tenant: str) -> TenantReferrals:
        with self.lock:
            if tenant not in self._tenants:
                org = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, "sim-org/" + tenant)),
                       "name": f"Simulated Partner {tenant[:8]}"}
                self._tenants[tenant] = TenantReferrals(tenant, org)
            return self._tenants[tenant]

    def reset(self) -> None:
        with self.lock:
            self._tenants.clear()

    def _links(self, referral: dict[str, Any]) -> dict[str, Any]:
        base = f"{self.links_base}/v1.0/engagements/referrals"
        return {"relatedReferrals": {
                    "uri": f"{base}?$filter=engagementId eq '{referral['engagementId']}'",
                    "method": "GET"},
                "self": {"uri": f"{base}/{referral['id']}", "method": "GET"}}

    def stamp(self, tenant: str, referral: dict[str, Any]) -> dict[str, Any]:
        """Store ``referral`` as changed now: new eTag, new updatedDateTime (and
        ``acceptedDateTime`` when it has just become Active)."""
        with self.lock:
            now = self.ticker.now()
            referral["updatedDateTime"] = fmt(now)
            if referral.get("status") == "Active" and not referral.get("acceptedDateTime"):
                referral["acceptedDateTime"] = fmt(now)
            referral["eTag"] = new_etag()
            referral["links"] = self._links(referral)
            self.tenant(tenant).put(referral)
            return copy.deepcopy(referral)

    def create(self, tenant: str, kind: str, rng: random.Random,
               overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """A referral that arrives now (what an event announces as referral-created)."""
        with self.lock:
            now = self.ticker.now()
            referral = make_referral(rng, kind, now, self.tenant(tenant).organization)
            referral.update(copy.deepcopy(overrides or {}))
            return self.stamp(tenant, referral)

    def get(self, tenant: str, referral_id: str) -> dict[str, Any] | None:
        with self.lock:
            found = self.tenant(tenant).by_id.get(referral_id)
            return copy.deepcopy(found) if found is not None else None

    def seed(self, tenant: str, count: int, seed: int, kinds: dict[str, float],
             days: float = 12.0) -> list[str]:
        """``count`` referrals created and last updated over the past ``days``, kinds drawn
        with the given weights; no events (history that already happened)."""
        rng, now = random.Random(seed), self.ticker.now()
        names, weights = list(kinds), list(kinds.values())
        with self.lock:
            store, ids = self.tenant(tenant), []
            for _ in range(count):
                created = now - timedelta(seconds=rng.uniform(60, days * 86400))
                referral = make_referral(rng, rng.choices(names, weights)[0], created,
                                         store.organization)
                referral.update(seeded_history(rng, referral, now))
                updated = created + (now - created) * rng.uniform(0.0, 0.9)
                referral["updatedDateTime"] = fmt(updated)
                referral["eTag"] = new_etag()
                referral["links"] = self._links(referral)
                store.put(referral)
                ids.append(referral["id"])
            return ids
