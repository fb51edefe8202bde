"""The sweep benchmark's data and instruments: the due set grown with referrals that are not
due (as intake would write them), reset between runs; and a count of storage requests."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient
from requests.adapters import HTTPAdapter

from shared.domain.models import Referral
from shared.notifications.queue import NOTIFICATIONS_QUEUE
from shared.storage.layout.keys import (
    EXPIRY_INDEX_TABLE,
    OUTBOX_INDEX_TABLE,
    REFERRALS_TABLE,
    split_index_row,
)
from shared.storage.tables.sweep_queue import SWEEP_QUEUE

from . import data
from .common import timed


@dataclass(frozen=True, order=True)
class Run:
    """One timed run (ordered by time: the best run is the smallest)."""

    seconds: float
    requests: int
    handoffs: int  # of the requests: enqueues of notification deliveries
    client_cpu_s: float  # the bench's and the workers' processes
    azurite_cpu_s: float


class RequestCounter:
    """Counts the HTTP requests this process sends (every storage call is one); ``handoffs``
    counts those among them that enqueue a notification delivery (one message each)."""

    def __init__(self) -> None:
        self.count = self.handoffs = 0
        original = HTTPAdapter.send
        handoff = f"/{NOTIFICATIONS_QUEUE}/messages"

        def counted(adapter: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            if request.method == "POST" and handoff in request.url:
                self.handoffs += 1
            return original(adapter, request, *args, **kwargs)

        HTTPAdapter.send = counted  # type: ignore[method-assign,assignment]


def log(message: str) -> None:
    print(f"[sweep {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Fixture:
    """The stored data: a fixed due set, grown with referrals that are not due."""

    def __init__(self, connection_string: str, now: datetime, partners: int, due: int,
                 due_partners: int) -> None:
        self.conn = connection_string
        self.now = now
        self.partners = [data.new_partner() for _ in range(partners)]
        service = TableServiceClient.from_connection_string(connection_string)
        self.outbox_index = service.get_table_client(OUTBOX_INDEX_TABLE)
        self.queue = QueueClient.from_connection_string(connection_string, NOTIFICATIONS_QUEUE)
        self.sweep_queue = QueueClient.from_connection_string(connection_string, SWEEP_QUEUE)
        # Past due by 1 to 20 hours: today's and (early in the day) yesterday's partitions;
        # spread over the first ``due_partners`` partners.
        self.due: list[Referral] = [
            data.referral(self.partners[k % due_partners],
                          now - data.WINDOW - timedelta(hours=1 + k % 20, seconds=k),
                          now - timedelta(hours=1 + k % 20, seconds=k))
            for k in range(due)
        ]
        self.stored = 0
        self._grown = 0

    def load_due(self) -> None:
        data.write(self.conn, REFERRALS_TABLE, data.referral_entities(self.due))
        data.write(self.conn, EXPIRY_INDEX_TABLE, [data.expiry_row(r) for r in self.due])
        self.stored = len(self.due)

    def grow_to(self, total: int) -> float:
        """Add referrals that are not due until ``total`` are stored; returns seconds taken."""
        add = total - self.stored
        if add <= 0:
            return 0.0
        tomorrow = (self.now + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                          microsecond=0)
        span = (self.now + data.WINDOW - tomorrow).total_seconds() - 1
        fresh = []
        for k in range(add):
            n = self._grown + k
            # Expiration from tomorrow 00:00 to now + 14 days: a future day partition.
            expiration = tomorrow + timedelta(seconds=(n * 7919) % int(span))
            fresh.append(data.referral(self.partners[n % len(self.partners)],
                                       expiration - data.WINDOW, expiration))
        self._grown += add

        def load() -> None:
            data.write(self.conn, REFERRALS_TABLE, data.referral_entities(fresh))
            data.write(self.conn, EXPIRY_INDEX_TABLE, [data.expiry_row(r) for r in fresh])

        seconds = timed(load)
        self.stored = total
        return seconds

    def reset(self) -> None:
        """Put the due set back as received, and clear what the last sweep left behind."""
        data.write(self.conn, REFERRALS_TABLE, data.referral_entities(self.due), op="upsert")
        data.write(self.conn, EXPIRY_INDEX_TABLE, [data.expiry_row(r) for r in self.due],
                   op="upsert")
        # The outbox rows and their index rows: delivery would settle and remove them.
        index = list(self.outbox_index.list_entities(select=["PartitionKey", "RowKey"]))
        outbox = [{"PartitionKey": p, "RowKey": "o" + e}
                  for p, e in (split_index_row(r["RowKey"]) for r in index)]
        data.write(self.conn, REFERRALS_TABLE, outbox, op="delete")
        data.write(self.conn, OUTBOX_INDEX_TABLE,
                   [{"PartitionKey": r["PartitionKey"], "RowKey": r["RowKey"]} for r in index],
                   op="delete")
        self.queue.clear_messages()
        self.sweep_queue.clear_messages()
