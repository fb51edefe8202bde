"""Sweep: the fan-out expiry sweep with 1, 4 and 8 workers against the old serial loop.

``due`` received referrals (``due`` / ``due_partners`` per partner) are past their response
window, with their ExpiryIndex rows in past day partitions, as intake writes them. The table
is grown with referrals that are not due (future expiration, future day partitions) to each
total size in turn (one Azurite per size, all loaded first). At each size, on the same
freshly reset due set, in a shuffled order per repetition:

* ``serial``: the expiry sweep as it was before the fan-out (bench/sweep_serial.py): one
  process, one referral at a time;
* ``fanout-N``: ``expiry.start`` (the timer) enqueues batches on the ``sweep-batches`` queue
  and N worker processes run ``sweep_batch``'s work on them (bench/sweep_workers.py).

A second due set, one referral per partner (``sparse``), shows the cost when batches cannot
share a partner's read and transactions. Reported: seconds, expirations/s, storage requests
per expired referral (every request of the timer and the workers, queue traffic included),
the speed-up over serial, growth from the smallest size, and what one worker's range read of
a partner's due referrals costs Azurite at that size.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ServiceResponseError

from shared.storage.ports import MAX_BATCH_CHANGES

from . import sweep_report
from .common import Report, azurite, parse_args, process_cpu_seconds, table_context
from .sweep_fixture import Fixture, RequestCounter, Run, log
from .sweep_serial import serial_sweep
from .sweep_workers import run_fan_out

TRANSIENT_ATTEMPTS = 3
SIZES: dict[str, dict[str, Any]] = {
    "small": {"due": 40, "totals": (40, 400), "partners": 40, "due_partners": 4, "reps": 1,
              "workers": (1, 2)},
    # 100,000 stored no longer: with ~13 listing index rows per referral it is 1.4 million
    # entities, over 30 minutes to load into Azurite.
    "full": {"due": 1000, "totals": (1_000, 10_000), "partners": 1000,
             "due_partners": 100, "reps": 2, "workers": (1, 4, 8)},
}


class Instance:
    """One Azurite holding one table size and one due set, and the runs made on it."""

    def __init__(self, az: Any, total: int, size: dict[str, Any], due_partners: int,
                 now: datetime, variants: Sequence[str]) -> None:
        self.az, self.total, self.now, self.variants = az, total, now, list(variants)
        self.shape = "sparse" if due_partners == size["due"] else "dense"
        self.ctx = table_context(az.connection_string, clock=lambda: now)
        self.fixture = Fixture(az.connection_string, now, max(size["partners"], due_partners),
                               size["due"], due_partners)
        self.fixture.load_due()
        self.load_s = self.fixture.grow_to(total)
        self.runs: dict[str, list[Run]] = {v: [] for v in self.variants}
        self.range_read_ms = self._time_range_read()
        self.batches: dict[str, int] = {}
        self.repeated = 0  # runs repeated after a dropped connection

    def _time_range_read(self) -> float:
        """One partner's due referrals read as a worker reads them: Azurite evaluates every
        query by scanning the whole table, so this grows with the table (Azure serves a
        PartitionKey + RowKey range from its index)."""
        partner = self.fixture.due[0].partner_id
        ids = [r.id for r in self.fixture.due if r.partner_id == partner]
        times = []
        for _ in range(5):
            start = time.perf_counter()
            self.ctx.sweeps.reads.get_many(partner, ids)
            times.append(time.perf_counter() - start)
        return round(sorted(times)[2] * 1000, 1)

    def run(self, variant: str, counter: RequestCounter) -> None:
        """One timed run; repeated from a fresh reset when Azurite drops a connection under
        load (a transaction POST is not retried by azure-core; the host would retry the
        message, the bench repeats the run)."""
        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            try:
                self._run_once(variant, counter)
                return
            except (ServiceResponseError, RuntimeError) as exc:
                if attempt == TRANSIENT_ATTEMPTS or "Connection" not in str(exc):
                    raise
                self.repeated += 1
                log(f"{self.total} stored: {variant} hit a dropped connection; run repeated")

    def _run_once(self, variant: str, counter: RequestCounter) -> None:
        self.fixture.reset()
        before, handed = counter.count, counter.handoffs
        azurite_cpu = process_cpu_seconds(self.az.process.pid)
        if variant == "serial":
            start, cpu = time.perf_counter(), time.process_time()
            serial_sweep(self.ctx)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            requests, handoffs = counter.count - before, counter.handoffs - handed
        else:
            workers = int(variant.split("-")[1])
            done = run_fan_out(self.ctx, self.az.connection_string, self.now, workers, counter)
            seconds, requests, handoffs = done.seconds, done.requests, done.handoffs
            cpu = done.client_cpu_s
            self.batches[variant] = done.batches
        azurite_cpu = process_cpu_seconds(self.az.process.pid) - azurite_cpu
        left = sum(1 for _ in self.ctx.sweeps.expiry.due(self.now))
        if left:
            raise RuntimeError(f"{variant} left {left} due referrals at {self.total} stored")
        self.runs[variant].append(Run(seconds, requests, handoffs, cpu, azurite_cpu))
        log(f"{self.total} stored ({self.shape}): {variant} {seconds:.2f} s, "
            f"{requests} requests")


def _extra(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--due", type=int, metavar="N",
                        help="instead: one run of N due referrals (10 per partner) with the "
                             "most workers, e.g. --due 100000 for the contract's backlog")


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args("sweep", __doc__.splitlines()[0], argv, _extra)
    size = dict(SIZES[args.size])
    if args.due:
        size.update(due=args.due, totals=(args.due,), partners=args.due // 10,
                    due_partners=args.due // 10, reps=1, workers=(max(size["workers"]),))
    fanouts = [f"fanout-{w}" for w in size["workers"]]
    report = Report("sweep", args.size, params={
        **{k: v for k, v in size.items() if k != "totals"}, "stored": list(size["totals"]),
        "max_batch_changes": MAX_BATCH_CHANGES,
        "targets": {"requests_per_expired": sweep_report.TARGET_REQUESTS,
                    "growth_largest_vs_smallest": sweep_report.TARGET_GROWTH},
    })
    now = datetime.now(UTC).replace(microsecond=0)
    counter = RequestCounter()
    with contextlib.ExitStack() as stack:
        instances = []
        for total in size["totals"]:
            variants = fanouts if args.due else ["serial", *fanouts]
            instances.append(Instance(stack.enter_context(azurite()), total, size,
                                      size["due_partners"], now, variants))
            log(f"{total} stored ({instances[-1].load_s:.1f} s to load)")
        if not args.due:  # one referral per partner: the worst case for batching
            instances.append(Instance(stack.enter_context(azurite()), size["totals"][0], size,
                                      size["due"], now, ["serial", fanouts[-1]]))
        _measure(instances, size["reps"], counter)
    sweep_report.fill(report, instances, size)
    return report.emit(sweep_report.COLUMNS, args.json)


def _measure(instances: list[Instance], reps: int, counter: RequestCounter) -> None:
    # Sizes and variants interleaved in a shuffled order, so that slow drift in the
    # machine's speed cannot pass for a difference between them.
    rng = random.Random(2)
    for _ in range(reps):
        order = [(inst, v) for inst in instances for v in inst.variants]
        rng.shuffle(order)
        for inst, variant in order:
            inst.run(variant, counter)


if __name__ == "__main__":
    run()
