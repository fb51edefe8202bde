"""Sweep scaling: expiring the same due referrals among ever more stored ones.

``due`` received referrals (spread over ``due_partners`` of the ``partners`` partners) are
past their response window, with their ExpiryIndex rows in past day partitions, as intake
writes them.
The table is then grown with referrals that are not due (future expiration, index rows in
future day partitions, as the app would write them) to each total size in turn, and at each
size two things are timed, each on the same freshly reset due set (one Azurite per size,
all loaded first; sizes and variants run in a shuffled order, repeated):

* ``service``: ``shared.services.expiry.sweep`` on the Table/Queue-backed Context, with a
  fixed clock;
* ``raw``: the storage calls the sweep cannot do without, straight on the SDK: the index
  query, then per due referral a point read, an OutboxIndex upsert, a transaction (conditional
  replace + outbox row), an enqueue and the index row's delete; then the pending-outbox query.

Reported: seconds, expirations/s, service/raw, and growth from the smallest size (target:
service time at the largest size <= 1.2 x the smallest).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.data.tables import TableServiceClient, UpdateMode
from azure.storage.queue import QueueClient, TextBase64EncodePolicy
from requests.adapters import HTTPAdapter

from shared.domain.enums import EventType
from shared.domain.events import make_event
from shared.domain.models import Referral
from shared.notifications.queue import NOTIFICATIONS_QUEUE
from shared.services.expiry import REDISPATCH_AFTER
from shared.storage.keys import (
    EXPIRY_INDEX_TABLE,
    OUTBOX_INDEX_TABLE,
    REFERRALS_TABLE,
    due_day,
    hour_bucket,
    index_row,
    split_index_row,
)

from . import data
from .common import Report, azurite, parse_args, ratio, table_context, timed
from .sweep_serial import serial_sweep

SIZES: dict[str, dict[str, Any]] = {
    "small": {"due": 20, "totals": (20, 200), "partners": 20, "due_partners": 10, "reps": 1},
    "full": {"due": 1000, "totals": (1_000, 10_000, 100_000), "partners": 1000,
             "due_partners": 100, "reps": 2},
}
TARGET = 1.2


class RawSweep:
    """What one sweep must do to storage, on plain entities."""

    def __init__(self, connection_string: str, now: datetime) -> None:
        service = TableServiceClient.from_connection_string(connection_string)
        self.referrals = service.get_table_client(REFERRALS_TABLE)
        self.expiry = service.get_table_client(EXPIRY_INDEX_TABLE)
        self.outbox_index = service.get_table_client(OUTBOX_INDEX_TABLE)
        self.queue = QueueClient.from_connection_string(
            connection_string, NOTIFICATIONS_QUEUE, message_encode_policy=TextBase64EncodePolicy()
        )
        self.now = now
        sample = data.referral("p", now)
        event = make_event(EventType.EXPIRED, sample, now)
        self.event_template = (event.model_dump_json(), event.id, sample.id, "p")

    def run(self) -> int:
        import uuid

        now, expired = self.now, 0
        rows = self.expiry.query_entities(
            "PartitionKey le @today", parameters={"today": due_day(now)},
            select=["PartitionKey", "RowKey"],
        )
        text, sample_event, sample_rid, sample_partner = self.event_template
        for row in rows:
            partner, rid = split_index_row(row["RowKey"])
            e = self.referrals.get_entity(partner, rid)
            if e["status"] != "New" or e["expirationDateTime"] > now:
                continue
            event_id = str(uuid.uuid4())
            self.outbox_index.upsert_entity({"PartitionKey": hour_bucket(now),
                                             "RowKey": index_row(partner, event_id),
                                             "occurredDateTime": now})
            e.pop("expirationDateTime", None)
            e.update(status="Closed", substatus="Expired", stage="archived",
                     closedDateTime=now, updatedDateTime=now)
            event_json = (text.replace(sample_event, event_id).replace(sample_rid, rid)
                          .replace(f'"{sample_partner}"', json.dumps(partner)))
            self.referrals.submit_transaction([
                ("update", e, {"mode": UpdateMode.REPLACE, "etag": e.metadata["etag"],
                               "match_condition": MatchConditions.IfNotModified}),
                ("create", {"PartitionKey": partner, "RowKey": "o" + event_id,
                            "eventJson": event_json, "eventType": EventType.EXPIRED.value,
                            "referralId": rid, "deliveryState": "pending", "attempts": 0,
                            "occurredDateTime": now}),
            ])
            self.queue.send_message(json.dumps({"partnerId": partner, "eventId": event_id},
                                               separators=(",", ":")))
            self.expiry.delete_entity(row["PartitionKey"], row["RowKey"])
            expired += 1
        cutoff = now - REDISPATCH_AFTER
        list(self.outbox_index.query_entities(
            "PartitionKey le @bucket and occurredDateTime lt @cutoff",
            parameters={"bucket": hour_bucket(cutoff), "cutoff": cutoff},
        ))
        return expired


class RequestCounter:
    """Counts the HTTP requests this process sends (every storage call is one)."""

    def __init__(self) -> None:
        self.count = 0
        original = HTTPAdapter.send

        def counted(adapter: HTTPAdapter, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return original(adapter, *args, **kwargs)

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


def _extra(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", action="store_true",
                        help="profile the service sweep at the largest size (pyinstrument)")


class Instance:
    """One Azurite holding one table size, with the app's context and the raw sweeper."""

    def __init__(self, az: Any, total: int, size: dict[str, Any], now: datetime) -> None:
        self.az = az
        self.total = total
        self.ctx = table_context(az.connection_string, clock=lambda: now)
        self.raw = RawSweep(az.connection_string, now)
        self.fixture = Fixture(az.connection_string, now, size["partners"], size["due"],
                               size["due_partners"])
        self.fixture.load_due()
        self.load_s = self.fixture.grow_to(total)
        self.times: dict[str, list[float]] = {"raw": [], "service": []}
        self.calls: dict[str, int] = {}

    def sweep(self, variant: str, counter: RequestCounter, profile: bool) -> str:
        """Reset the due set, sweep it once; returns any profile text."""
        self.fixture.reset()
        before, text = counter.count, ""
        if variant == "raw":
            start = time.perf_counter()
            expired = self.raw.run()
            self.times["raw"].append(time.perf_counter() - start)
        else:
            profiler = None
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
            start = time.perf_counter()
            expired = serial_sweep(self.ctx)
            self.times["service"].append(time.perf_counter() - start)
            if profiler is not None:
                profiler.stop()
                text = profiler.output_text(unicode=False, color=False)
        self.calls[variant] = counter.count - before
        log(f"{self.total} stored: {variant} sweep {self.times[variant][-1]:.2f} s, "
            f"{self.calls[variant]} storage calls")
        if expired != len(self.fixture.due):
            raise RuntimeError(f"{variant} sweep expired {expired} of "
                               f"{len(self.fixture.due)} at {self.total} stored")
        return text


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("sweep", __doc__.splitlines()[0], argv, _extra)
    size = SIZES[args.size]
    due, totals, reps = size["due"], size["totals"], size["reps"]
    report = Report("sweep", args.size, params={
        "due": due, "stored": list(totals), "partners": size["partners"],
        "due_partners": size["due_partners"], "repetitions": reps,
        "target_growth_largest_vs_smallest": TARGET,
    })
    now = datetime.now(UTC).replace(microsecond=0)
    profile_text = ""
    counter = RequestCounter()
    rng = random.Random(2)
    with contextlib.ExitStack() as stack:
        # One Azurite per table size, all loaded first, so that every size is measured in
        # the same minutes: slow drift in the machine's speed cannot pass for growth.
        instances = []
        for total in totals:
            az = stack.enter_context(azurite())
            instances.append(Instance(az, total, size, now))
            log(f"{total} stored ({instances[-1].load_s:.1f} s to load)")
        for rep in range(reps):
            order = [(i, v) for i in instances for v in ("raw", "service")]
            rng.shuffle(order)
            for inst, variant in order:
                text = inst.sweep(variant, counter, args.profile and rep == 0
                                  and variant == "service" and inst is instances[-1])
                profile_text = text or profile_text
    rows: list[dict[str, Any]] = []
    for inst in instances:
        # Other work on the machine only ever adds time: the best run is the estimate.
        raw_s, svc_s = min(inst.times["raw"]), min(inst.times["service"])
        rows.append({
            "stored": inst.total, "due": due, "load_s": round(inst.load_s, 1),
            "raw_s": round(raw_s, 3), "service_s": round(svc_s, 3),
            "raw_runs_s": [round(t, 3) for t in inst.times["raw"]],
            "service_runs_s": [round(t, 3) for t in inst.times["service"]],
            "raw_calls": inst.calls["raw"], "service_calls": inst.calls["service"],
            "raw_per_s": round(due / raw_s, 1), "service_per_s": round(due / svc_s, 1),
            "service_over_raw": ratio(svc_s, raw_s),
        })
    first = rows[0]
    for row in rows:
        row["service_growth"] = ratio(row["service_s"], first["service_s"])
        row["raw_growth"] = ratio(row["raw_s"], first["raw_s"])
        row["relative_growth"] = ratio(row["service_over_raw"], first["service_over_raw"])
        report.add(**row)
    last = rows[-1]
    report.target(f"service sweep time, {last['stored']} vs {first['stored']} stored",
                  last["service_growth"], TARGET)
    report.target(f"service/raw at {last['stored']} vs at {first['stored']} stored",
                  last["relative_growth"], TARGET)
    report.notes.append(
        "raw_* is the same sweep's storage calls made directly: raw_growth is what Azurite "
        "itself costs more at the larger size (it evaluates every query by scanning the table)"
    )
    report.notes.append(
        "times are the best of the repetitions (other work on the machine only adds time); "
        "sizes and variants run in a shuffled order within each repetition; relative_growth "
        "is service_over_raw against the smallest size; *_calls are one sweep's requests"
    )
    doc = report.emit(["stored", "due", "load_s", "raw_s", "service_s", "service_calls",
                       "service_per_s", "raw_per_s", "service_over_raw", "raw_growth",
                       "service_growth", "relative_growth"], args.json)
    if profile_text:
        print("\n--- pyinstrument: service sweep at the largest size ---", file=sys.stderr)
        print(profile_text, file=sys.stderr)
    return doc


if __name__ == "__main__":
    run()
