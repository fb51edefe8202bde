"""Request counters, next-response faults and an optional rate limit: what tests and the
benchmark use to see and shape how a client talks to the simulation.

Endpoint names: ``authorize``, ``token``, ``openid``, ``list``, ``get``, ``patch``,
``registration.get`` / ``.post`` / ``.put`` / ``.delete``, ``cert``. A fault applies to
the next requests of one endpoint (or ``any`` API endpoint), optionally of one tenant.
Throttling answers like Partner Center: 429 with ``Retry-After`` (seconds).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

API_ENDPOINTS = {"list", "get", "patch", "registration.get", "registration.post",
                 "registration.put", "registration.delete"}


@dataclass
class Fault:
    endpoint: str
    status: int
    count: int = 1
    tenant: str | None = None
    retry_after: float | None = None
    body: Any = None
    oauth_error: str | None = None  # for authorize: redirect with error=...

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        if not isinstance(data, dict) or not isinstance(data.get("endpoint"), str):
            raise ValueError("a fault needs an endpoint")
        return cls(endpoint=data["endpoint"], status=int(data.get("status", 503)),
                   count=int(data.get("count", 1)), tenant=data.get("tenant"),
                   retry_after=data.get("retryAfter"), body=data.get("body"),
                   oauth_error=data.get("oauthError"))


@dataclass
class Traffic:
    """Counters, the pending faults, and the rate limit; thread-safe."""

    max_rps: float | None = None
    counts: Counter[str] = field(default_factory=Counter)
    by_tenant: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    peak_rps: dict[str, int] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    _recent: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, endpoint: str, tenant: str | None) -> None:
        with self._lock:
            self.counts[endpoint] += 1
            if tenant:
                self.by_tenant[tenant][endpoint] += 1

    def record_status(self, endpoint: str, status: int) -> None:
        with self._lock:
            self.statuses[endpoint][str(status)] += 1

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def take_fault(self, endpoint: str, tenant: str | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                api_any = fault.endpoint == "any" and endpoint in API_ENDPOINTS
                if (fault.endpoint == endpoint or api_any) and fault.tenant in (None, tenant):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def over_rate(self, tenant: str) -> bool:
        """Count this API request in the tenant's last second; True when it exceeds
        ``max_rps`` (then it is answered 429 and does not count toward the peak)."""
        now = time.monotonic()
        with self._lock:
            window = self._recent[tenant]
            while window and now - window[0] >= 1.0:
                window.popleft()
            if self.max_rps is not None and len(window) + 1 > self.max_rps:
                return True
            window.append(now)
            self.peak_rps[tenant] = max(self.peak_rps.get(tenant, 0), len(window))
            return False

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total": dict(self.counts),
                    "tenants": {t: dict(c) for t, c in self.by_tenant.items()},
                    "statuses": {e: dict(c) for e, c in self.statuses.items()},
                    "peakRequestsPerSecond": dict(self.peak_rps),
                    "pendingFaults": len(self.faults)}

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.by_tenant.clear()
            self.statuses.clear()
            self.peak_rps.clear()
            self._recent.clear()

    def reset(self) -> None:
        self.reset_counts()
        with self._lock:
            self.faults.clear()
            self.max_rps = None
