"""History bench, insights: the partners' histories built through the product's own write
path, as partners build them, not written into storage.

Each archived referral goes through ``referrals.intake`` and ``perform`` on the app's
Table-backed context: received, then declined, or accepted and then won or lost; every change
writes its summary delta row and reports it to the instance's fold requests, exactly as in
the app. The arrivals are spread over the same two years as the loaded history
(``history_data.HISTORY``): each caller is an app instance of its own (its own context, its
own ``FoldRequests``) whose clock is set to the moment of each change, so the day and month
sums and the daily fold index hold two years, as a partner's would. Nothing here writes a
row itself.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.domain.commands import DeclineRequest, IntakeRequest, LoseRequest, WinRequest
from shared.domain.enums import DeclineReason, LostReason, Qualification
from shared.domain.models import ProfileInput
from shared.services import profiles
from shared.services import referrals as svc
from tests.support.factories import intake_body, profile_body

from . import data
from .common import table_context
from .history_data import CUSTOMERS, HISTORY

# How the archived referrals ended (expiry needs the sweep, so none expire here).
ENDINGS = (("declined", 50), ("won", 25), ("lost", 25))
DECLINE_REASONS = [d for d in DeclineReason if d is not DeclineReason.OTHER]  # OTHER needs notes
LOST_REASONS = (LostReason.NO_BUDGET, LostReason.CHOSE_COMPETITOR, LostReason.NO_DECISION)


@dataclass
class Built:
    """A partner built through the services."""

    label: str
    id: str
    archived: int
    changes: int  # summary-moving changes made (intakes, answers, closes)
    seconds: float


class Instance:
    """An app instance: the app's own context, with a clock the builder sets per change."""

    def __init__(self, connection_string: str) -> None:
        self.now = datetime.now(UTC)
        self.ctx: Any = table_context(connection_string, clock=lambda: self.now)


def _j(value: object) -> str:
    return json.dumps(value)


def archive_one(inst: Instance, partner_id: str, created: datetime, rng: random.Random,
                latest: datetime) -> int:
    """One referral from arrival to its end through the services; returns the changes."""
    body = intake_body(partner_id, rng.choice([q.value for q in Qualification]))
    body["customerProfile"]["name"] = rng.choice(CUSTOMERS)
    inst.now = created
    rid = svc.intake(inst.ctx, IntakeRequest.model_validate_json(_j(body))).referral.id
    inst.now = created + timedelta(hours=rng.uniform(1, 200))  # within the 14-day window
    ending = rng.choices([e for e, _ in ENDINGS], [w for _, w in ENDINGS])[0]
    if ending == "declined":
        svc.perform(inst.ctx, partner_id, rid, DeclineRequest(reason=rng.choice(DECLINE_REASONS)))
        return 2
    svc.perform(inst.ctx, partner_id, rid, data.accept_request())
    inst.now = min(inst.now + timedelta(days=rng.uniform(10, 120)), latest)
    close = WinRequest() if ending == "won" else LoseRequest(reason=rng.choice(LOST_REASONS))
    svc.perform(inst.ctx, partner_id, rid, close)
    return 3


def onboard(ctx: Any, partner_id: str) -> None:
    """The partner's business profile, through the service (intake requires one)."""
    profiles.put_profile(ctx, partner_id, ProfileInput.model_validate_json(_j(profile_body())))


def _in_threads(jobs: list[Callable[[], int]]) -> int:
    """Run the jobs in threads; the sum of what they return (a failure fails the build)."""
    results: list[int] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], int]) -> None:
        try:
            results.append(job())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return sum(results)


def build(connection_string: str, label: str, archived: int, seed: int,
          callers: int) -> Built:
    """``archived`` referrals of a new partner, arrived at random over ``HISTORY`` before 20
    days ago, each taken to its end by one of ``callers`` instances at once."""
    now = datetime.now(UTC)
    end = now - timedelta(days=20)
    rng = random.Random(seed)
    arrivals = sorted(end - timedelta(seconds=rng.uniform(0, HISTORY.total_seconds()))
                      for _ in range(archived))
    partner_id = data.new_partner()
    instances = [Instance(connection_string) for _ in range(callers)]
    onboard(instances[0].ctx, partner_id)
    started = time.perf_counter()

    def caller(n: int) -> Callable[[], int]:
        mine = random.Random(seed * 100 + n)
        return lambda: sum(archive_one(instances[n], partner_id, at, mine, now)
                           for at in arrivals[n::callers])

    changes = _in_threads([caller(n) for n in range(callers)])
    return Built(label, partner_id, archived, changes, time.perf_counter() - started)
