"""``PARTNER_CENTER_MAX_RPS`` across every worker: the next free request slot of each partner
is one row of the ``PartnerCenter`` table (RowKey ``rate``), advanced with ETags. A worker
reserves a slot (two storage requests), then sleeps until it; workers on any instance share
the one schedule, so together they never exceed the rate. Storage requests are far cheaper
than a 429 from Partner Center, and a sync needs only ceil(N/100) Partner Center requests."""

from __future__ import annotations

import time
from collections.abc import Callable

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

RATE_ROW = "rate"
MAX_TRIES = 20


class TableRateLimiter:
    def __init__(self, table: TableClient, rate: float, *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._t, self._gap = table, 1.0 / rate
        self._clock, self._sleep = clock, sleep

    def acquire(self, partner_id: str) -> None:
        for _ in range(MAX_TRIES):
            slot = self._reserve(partner_id)
            if slot is not None:
                wait = slot - self._clock()
                if wait > 0:
                    self._sleep(wait)
                return
        raise RuntimeError("could not reserve a Partner Center request slot")

    def _reserve(self, partner_id: str) -> float | None:
        """The reserved slot's time, or None when another worker won the race."""
        now = self._clock()
        try:
            row = self._t.get_entity(partner_id, RATE_ROW)
        except ResourceNotFoundError:
            try:
                self._t.create_entity({"PartitionKey": partner_id, "RowKey": RATE_ROW,
                                       "next": now + self._gap})
            except ResourceExistsError:
                return None
            return now
        slot = max(now, float(row["next"]))
        try:
            self._t.update_entity({"PartitionKey": partner_id, "RowKey": RATE_ROW,
                                   "next": slot + self._gap}, mode=UpdateMode.REPLACE,
                                  etag=row.metadata["etag"],
                                  match_condition=MatchConditions.IfNotModified)
        except ResourceModifiedError:
            return None
        return slot
