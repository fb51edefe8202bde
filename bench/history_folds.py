"""History bench, insights: the background that folds summary deltas, as the app runs it.

The product asks for folds by itself: a change that leaves enough unfolded deltas creates the
partner's fold-request row and enqueues a ``fold`` batch on Azurite's ``sweep-batches``
queue, visible after ``FOLD_DELAY``; the daily timer (``insights.start``) fans out the rest.
``FoldWorker`` does what the Functions host does for ``sweep_batch``: receive a message,
base64-decode it, hand the batch to ``shared.services.sweeps.work``, delete it. Nothing in
here folds by itself or decides when to.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from azure.storage.queue import QueueClient, TextBase64DecodePolicy

from shared.services import sweeps
from shared.storage.tables.sweep_queue import SWEEP_QUEUE, decode_batch

from .common import table_context

log = logging.getLogger(__name__)

POLL_S = 0.1  # empty-queue wait (the host backs off to seconds; a bench need not)
VISIBILITY_S = 300  # a fold's message stays hidden while it is worked


class FoldWorker:
    """The ``sweep_batch`` queue function in ``threads`` threads, on its own context (an
    instance of its own: its fold requests are not the builders')."""

    def __init__(self, connection_string: str, threads: int = 2) -> None:
        self.ctx: Any = table_context(connection_string)
        self._queue = QueueClient.from_connection_string(
            connection_string, SWEEP_QUEUE, message_decode_policy=TextBase64DecodePolicy())
        self._threads = [threading.Thread(target=self._run, daemon=True)
                         for _ in range(threads)]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._busy = 0
        self.worked = 0
        self.failed: list[str] = []

    def __enter__(self) -> FoldWorker:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:  # busy from before the receive, so ``idle`` never misses one
                self._busy += 1
            try:
                got = self._receive_one()
            finally:
                with self._lock:
                    self._busy -= 1
            if not got:
                self._stop.wait(POLL_S)

    def _receive_one(self) -> bool:
        messages = list(self._queue.receive_messages(max_messages=1,
                                                     visibility_timeout=VISIBILITY_S))
        for message in messages:
            try:
                sweeps.work(self.ctx, decode_batch(message.content))
            except Exception as exc:  # the host would retry it; the report says so
                log.exception("fold batch failed")
                self.failed.append(repr(exc))
            self._queue.delete_message(message)
            with self._lock:
                self.worked += 1
        return bool(messages)

    def idle(self) -> bool:
        """No message on the queue (hidden ones count: a fold waiting out its delay) and no
        thread working one. The count first: a message worked after it was read was
        counted until its delete, and its thread is busy until after that."""
        if self._queue.get_queue_properties().approximate_message_count:
            return False
        with self._lock:
            return self._busy == 0  # a receive in flight may yet return a message

    def wait_idle(self, timeout_s: float = 600.0) -> float:
        """Seconds until the queue is empty and every thread is between receives (checked
        twice, 0.2 s apart); raises if that takes longer than ``timeout_s``."""
        started = time.perf_counter()
        first_quiet: float | None = None
        while True:
            now = time.perf_counter()
            if now - started > timeout_s:
                raise TimeoutError(f"the fold worker was still busy after {timeout_s:.0f} s")
            if not self.idle():
                first_quiet = None
            elif first_quiet is None:
                first_quiet = now
            else:
                return first_quiet - started
            time.sleep(0.2)
