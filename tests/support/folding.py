"""Bursts of changes through the services, the background that folds them, and a count of
the delta rows a read examines (for the summary-folding tests)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.domain.commands import AcceptRequest, EditRequest, IntakeRequest
from shared.domain.models import ProfileInput
from shared.services import profiles, sweeps
from shared.services import referrals as svc
from shared.services.context import Context
from shared.storage.ports.summaries import DELTA
from shared.storage.ports.sweeps import SweepKind
from tests.fakes.sweeps import MemoryBatchQueue
from tests.support.factories import accept_body, intake_body, profile_body

ACCEPT = AcceptRequest.model_validate_json(json.dumps(accept_body(closing="2099-01-01")))


def onboard(ctx: Context, partner: str) -> None:
    profiles.put_profile(ctx, partner, ProfileInput.model_validate_json(
        json.dumps(profile_body())))


def burst(ctx: Context, partner: str, changes: int, tick: Callable[[], None] = lambda: None,
          received: int = 100, workers: int = 1) -> list[str]:
    """``changes`` changes that each move a sum, as a busy day brings them: ``received``
    referrals arrive and are accepted, then their deal values are edited over and over (a
    bulk of updates from a CRM), by ``workers`` callers at once. Returns the ids."""
    cmd = IntakeRequest.model_validate_json(json.dumps(intake_body(partner)))
    ids: list[str] = []
    for _ in range(min(received, (changes + 1) // 2)):
        ids.append(svc.intake(ctx, cmd).referral.id)
        tick()
        if 2 * len(ids) <= changes:
            svc.perform(ctx, partner, ids[-1], ACCEPT)
            tick()
    edits = list(range(max(changes - 2 * received, 0)))

    def edit(share: list[int]) -> None:
        for n in share:  # each caller its own referrals: no ETag races to retry
            body = json.dumps({"dealValue": 100 + n % 997})
            svc.perform(ctx, partner, ids[n % len(ids)], EditRequest.model_validate_json(body))
            tick()

    by_caller = [[n for n in edits if n % len(ids) % workers == w] for w in range(workers)]
    callers = [threading.Thread(target=edit, args=(share,)) for share in by_caller]
    for t in callers:
        t.start()
    for t in callers:
        t.join()
    return ids


def drain(ctx: Context, queue: MemoryBatchQueue) -> int:
    """Work every fold batch queued (as the queue function would); the folds worked."""
    worked = 0
    while batches := [b for b in queue.take() if b.kind is SweepKind.FOLD]:
        for batch in batches:
            sweeps.work(ctx, batch)
            worked += 1
    return worked


@dataclass
class Background:
    """The queue function in a thread: works each fold batch once its delay has passed."""

    ctx: Context
    queue: MemoryBatchQueue
    worked: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _waiting: list[tuple[float, Any]] = field(default_factory=list)
    _working: bool = False
    _thread: threading.Thread | None = None

    def __enter__(self) -> Background:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()

    def busy(self) -> bool:
        """Folds queued, waiting out their delay, or being worked."""
        return bool(self.queue.batches or self._waiting or self._working)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._working = True  # from the take on, so ``busy`` never misses a batch
            taken = self.queue.take_with_delays()
            now = time.monotonic()
            self._waiting += [(now + d.total_seconds(), b) for b, d in taken
                              if b.kind is SweepKind.FOLD]
            due = [b for at, b in self._waiting if at <= now]
            self._waiting = [(at, b) for at, b in self._waiting if at > now]
            for batch in due:
                sweeps.work(self.ctx, batch)
                self.worked += 1
            self._working = False
            time.sleep(0.05)


@dataclass
class DeltaCount:
    """Wraps a repository: counts the delta rows its summary reads hand back."""

    inner: Any
    deltas: int = 0
    reads: int = 0

    def _counted(self, rows: list[Any]) -> list[Any]:
        self.reads += 1
        self.deltas += sum(1 for r in rows if r.key.startswith(DELTA))
        return rows

    def summary_rows(self, partner_id: str) -> list[Any]:
        return self._counted(self.inner.summary_rows(partner_id))

    def window_rows(self, partner_id: str, day_from: date | None, day_to: date | None
                    ) -> list[Any]:
        return self._counted(self.inner.window_rows(partner_id, day_from, day_to))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def pending(ctx: Context, partner: str) -> int:
    return sum(r.is_delta for r in ctx.referrals.fold_rows(partner))

