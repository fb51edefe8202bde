"""The fan-out sweep as it runs in Azure, on one machine: the timer (``expiry.start``) in this
process enqueues batches on Azurite's ``sweep-batches`` queue, and N worker processes do what
the Functions host does for ``sweep_batch``: receive a message, base64-decode it, run
``sweeps.work``, delete it. Every process counts its own storage requests, including the
queue traffic the host would make (receives, deletes, empty polls), so requests per expired
referral are the whole cost.

Processes, not threads: the client side spends most of its time in Python (building and
parsing entity-group transactions), so threads would only measure the GIL.
"""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Worker processes are spawned (a fork would inherit the parent's open connections), start,
# build their context and then wait at the barrier, so start-up is not timed.
_SPAWN = multiprocessing.get_context("spawn")
POLL_START, POLL_MAX = 0.01, 0.2  # empty-queue backoff, like the host's (but faster)


@dataclass(frozen=True)
class FanOutRun:
    seconds: float
    requests: int  # timer + workers
    handoffs: int  # of which: enqueues of notification deliveries
    client_cpu_s: float  # CPU of the timer and the workers, start-up excluded
    batches: int
    entries: int


def run_fan_out(ctx: Any, connection_string: str, now: datetime, workers: int,
                counter: Any) -> FanOutRun:
    """One timer run and its work by ``workers`` processes; ``counter`` counts this process's
    requests (a RequestCounter)."""
    from shared.services import expiry

    barrier, timer_done, results = _SPAWN.Barrier(workers + 1), _SPAWN.Event(), _SPAWN.Queue()
    procs = [_SPAWN.Process(target=_worker, daemon=True,
                            args=(connection_string, now, barrier, timer_done, results))
             for _ in range(workers)]
    for p in procs:
        p.start()
    barrier.wait(timeout=120)  # every worker is ready: start the clock
    start, before, handed = time.perf_counter(), counter.count, counter.handoffs
    cpu = time.process_time()
    started = expiry.start(ctx)
    timer_done.set()
    reports = [results.get(timeout=1800) for _ in procs]
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    for p in procs:
        p.join(timeout=30)
    failed = [r for r in reports if isinstance(r, str)]
    if failed:
        raise RuntimeError("a worker failed:\n" + "\n".join(failed))
    return FanOutRun(seconds, counter.count - before + sum(r[0] for r in reports),
                     counter.handoffs - handed + sum(r[1] for r in reports),
                     cpu + sum(r[3] for r in reports),
                     started.fanned.batches, started.fanned.entries)


def _worker(connection_string: str, now: datetime, barrier: Any, timer_done: Any,
            results: Any) -> None:
    try:
        results.put(_work(connection_string, now, barrier, timer_done))
    except BaseException:
        import traceback

        results.put(traceback.format_exc())
        raise


def _work(connection_string: str, now: datetime, barrier: Any, timer_done: Any
          ) -> tuple[int, int, int, float]:
    from azure.storage.queue import QueueClient, TextBase64DecodePolicy

    from shared.services import sweeps
    from shared.storage.tables.sweep_queue import SWEEP_QUEUE, decode_batch

    from .common import table_context
    from .sweep_fixture import RequestCounter

    ctx = table_context(connection_string, clock=lambda: now)
    queue = QueueClient.from_connection_string(connection_string, SWEEP_QUEUE,
                                               message_decode_policy=TextBase64DecodePolicy())
    counter = RequestCounter()
    barrier.wait(timeout=120)
    counter.count = counter.handoffs = handled = 0
    cpu = time.process_time()
    wait = POLL_START
    while True:
        done = timer_done.is_set()  # read before polling: empty after it means all taken
        messages = list(queue.receive_messages(max_messages=1, visibility_timeout=600))
        if not messages:
            if done:
                return counter.count, counter.handoffs, handled, time.process_time() - cpu
            time.sleep(wait)
            wait = min(wait * 2, POLL_MAX)
            continue
        wait = POLL_START
        for message in messages:
            sweeps.work(ctx, decode_batch(message.content))
            queue.delete_message(message)
            handled += 1
