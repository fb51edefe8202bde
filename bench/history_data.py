"""A partner's history for bench.history: archived referrals of every kind with their day
and month sums, written fast (bulk creates without the SDK's per-row batch encoding) from
worker processes. The plain loading helpers are in data.py."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

import requests
from azure.data.tables._serialize import _add_entity_properties

from shared.domain import operations as ops
from shared.domain.commands import (
    AcceptRequest,
    DeclineRequest,
    LoseRequest,
    SetFavorite,
    WinRequest,
)
from shared.domain.enums import DeclineReason, LostReason, Qualification
from shared.domain.models import Referral
from shared.domain.summary import Counts, add, contribution
from shared.storage.layout import summaries

from .data import WINDOW, batches, referral, referral_entities

# --- a partner's history: archived referrals of every kind, and their day sums -----------

# A small list, so that a search finds a realistic share: "fab" starts a word of 2 in 10.
CUSTOMERS = ("Fabrikam", "Contoso", "Northwind Traders", "Adventure Works", "Tailspin Toys",
             "Wide World Importers", "Fabrikam Fiber", "Litware", "Proseware", "Woodgrove Bank")
DEALS = ("migration", "Copilot rollout", "data platform", "security review")
# How archived referrals ended, with weights: most leads are declined or left to expire.
ENDINGS = (("declined", 35), ("expired", 25), ("won", 20), ("lost", 20))
LOST_REASONS = (LostReason.NO_BUDGET, LostReason.CHOSE_COMPETITOR, LostReason.NO_DECISION)
FAVORITE_SHARE = 0.08  # "a few": enough that a favorites page of 50 fills for 1,000
HISTORY = timedelta(days=730)


def _intake_as(r: Referral, customer: str, qualification: Qualification) -> Referral:
    profile = r.customer_profile.model_copy(update={"name": customer})
    return r.model_copy(update={"customer_profile": profile, "qualification": qualification})


def _accept(r: Referral, at: datetime, rng: random.Random, customer: str) -> Referral:
    cmd = AcceptRequest(name=f"{customer} {rng.choice(DEALS)}",
                        deal_value=Decimal(rng.randrange(1_000, 500_000)),
                        currency=rng.choice(("EUR", "USD")),
                        closing_date=(at + timedelta(days=rng.randrange(30, 120))).date(),
                        external_reference_id=f"CRM-{rng.randrange(10**6):06d}")
    return ops.accept(r, cmd, at)[0]


def archived_referral(partner_id: str, created: datetime, rng: random.Random) -> Referral:
    """One archived referral, ended as ``ENDINGS`` weighs it, through the domain's own
    operations (so its fields are what a real decline, expiry, win or loss leaves)."""
    customer = rng.choice(CUSTOMERS)
    qualification = rng.choice(list(Qualification))  # both categories
    r = _intake_as(referral(partner_id, created), customer, qualification)
    answered = created + timedelta(hours=rng.uniform(1, 200))  # within the 14-day window
    ending = rng.choices([e for e, _ in ENDINGS], [w for _, w in ENDINGS])[0]
    if ending == "declined":
        reason = rng.choice([d for d in DeclineReason if d is not DeclineReason.OTHER])
        r = ops.decline(r, DeclineRequest(reason=reason), answered)[0]
    elif ending == "expired":
        r = ops.expire(r, created + WINDOW + timedelta(hours=2))[0]
    else:
        r = _accept(r, answered, rng, customer)
        closed = answered + timedelta(days=rng.uniform(10, 120))
        r = ops.win(r, WinRequest(), closed)[0] if ending == "won" \
            else ops.lose(r, LoseRequest(reason=rng.choice(LOST_REASONS)), closed)[0]
    if rng.random() < FAVORITE_SHARE:
        r = ops.set_favorite(r, SetFavorite(favorite=True), r.updated_date_time)[0]
    return r


def history(partner_id: str, count: int, end: datetime, seed: int) -> list[Referral]:
    """``count`` archived referrals that arrived at random over the ``HISTORY`` before
    ``end`` (the same span for every partner: only the density differs)."""
    rng = random.Random(seed)
    span = HISTORY.total_seconds()
    return [archived_referral(partner_id, end - timedelta(seconds=rng.uniform(0, span)), rng)
            for _ in range(count)]


def received(partner_id: str, count: int, now: datetime, seed: int) -> list[Referral]:
    """``count`` referrals still waiting for an answer, arrived in the last 10 days."""
    rng = random.Random(seed)
    return [_intake_as(referral(partner_id, now - timedelta(hours=rng.uniform(1, 240))),
                       rng.choice(CUSTOMERS), rng.choice(list(Qualification)))
            for _ in range(count)]


DaySums = dict[tuple[str, str], Counts]  # (partner, arrival day) -> summed contributions


def fold_days(referrals: Iterable[Referral], into: DaySums | None = None) -> DaySums:
    """Each referral's ``contribution`` added to the day it arrived (the day its deltas
    carry), as folding leaves it; ``into`` lets a load fold its referrals chunk by chunk."""
    sums: DaySums = {} if into is None else into
    for r in referrals:
        add(sums.setdefault((r.partner_id, r.created_date_time.strftime("%Y-%m-%d")), {}),
            contribution(r))
    return sums


def day_sum_entities(sums: DaySums) -> list[dict[str, Any]]:
    """The running and month summary rows of a fully folded partition (no deltas pending),
    as folding writes them (layout/summaries.settled_rows)."""
    by_partner: dict[str, dict[str, Counts]] = {}
    for (partner, day), counts in sums.items():
        by_partner.setdefault(partner, {})[day] = counts
    return [{"PartitionKey": partner, "RowKey": key,
             "counts": summaries.dumps({k: v for k, v in counts.items() if v != 0})}
            for partner, days in sorted(by_partner.items())
            for key, counts in summaries.settled_rows(days)]


# --- fast bulk creates -------------------------------------------------------------------
# The SDK builds a transaction's multipart body and parses its answer with the stdlib email
# package: ~0.25 ms of CPU a row, most of a bulk load's client side and, for the ~1.2M
# entities of a 100,000-referral history, minutes of a 2-core machine. ``write_fast`` sends
# the same entity-group transactions (each entity serialized by the SDK's own serializer, so
# the stored entities are identical) with the multipart framing written out directly, signed
# with SharedKeyLite. Creates only: a bulk load into empty partitions.

_fast: dict[str, Any] = {}


def _fast_init(connection_string: str) -> None:
    parts = dict(p.split("=", 1) for p in connection_string.split(";") if "=" in p)
    _fast.update(account=parts["AccountName"], key=base64.b64decode(parts["AccountKey"]),
                 endpoint=parts["TableEndpoint"].rstrip("/"), session=requests.Session())


def _fast_send(job: tuple[str, list[dict[str, Any]]]) -> int:
    table, rows = job
    endpoint, account = _fast["endpoint"], _fast["account"]
    batch, changeset = f"batch_{uuid.uuid4()}", f"changeset_{uuid.uuid4()}"
    parts = [f"--{batch}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n"]
    for i, entity in enumerate(rows):
        body = json.dumps(_add_entity_properties(entity))
        parts.append(
            f"--{changeset}\r\nContent-Type: application/http\r\n"
            f"Content-Transfer-Encoding: binary\r\nContent-ID: {i}\r\n\r\n"
            f"POST {endpoint}/{table} HTTP/1.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body.encode())}\r\nDataServiceVersion: 3.0\r\n"
            f"Accept: application/json;odata=minimalmetadata\r\n"
            f"Prefer: return-no-content\r\n\r\n{body}\r\n")
    parts.append(f"--{changeset}--\r\n\r\n--{batch}--\r\n")
    path = urlsplit(f"{endpoint}/$batch").path
    date = formatdate(usegmt=True)
    signature = base64.b64encode(hmac.new(
        _fast["key"], f"{date}\n/{account}{path}".encode(), hashlib.sha256).digest()).decode()
    response = _fast["session"].post(
        f"{endpoint}/$batch", data="".join(parts).encode(), timeout=120,
        headers={"x-ms-version": "2019-02-02", "x-ms-date": date,
                 "Authorization": f"SharedKeyLite {account}:{signature}",
                 "Content-Type": f"multipart/mixed; boundary={batch}",
                 "DataServiceVersion": "3.0", "MaxDataServiceVersion": "3.0;NetFx",
                 "Accept": "application/json"})
    # A transaction answers 202 as a whole; each part carries its own status line.
    if response.status_code != 202 or re.search(r"HTTP/1\.1 [45]\d\d", response.text):
        raise RuntimeError(f"batch create failed: {response.status_code} {response.text[:500]}")
    return len(rows)


def write_fast(connection_string: str, table: str, entities: Iterable[dict[str, Any]],
               workers: int = 3) -> int:
    """``write(..., op="create")`` with less client CPU (see above); returns the row count."""
    jobs = [(table, b) for b in batches(entities)]
    if len(jobs) <= 4 or workers <= 1:
        _fast_init(connection_string)
        return sum(_fast_send(j) for j in jobs)
    with ProcessPoolExecutor(workers, initializer=_fast_init,
                             initargs=(connection_string,)) as pool:
        return sum(pool.map(_fast_send, jobs, chunksize=4))


# --- loading a history in worker processes -----------------------------------------------


@dataclass
class HistoryChunk:
    """What one worker built and wrote: enough to describe it without reading it back."""

    referrals: int
    row_keys: list[str]  # every entity's RowKey (referral and index rows)
    days: list[date]  # each referral's arrival day
    sums: DaySums


def _history_chunk(job: tuple[str, str, int, datetime, int]) -> HistoryChunk:
    table, partner_id, count, end, seed = job
    referrals = history(partner_id, count, end, seed)
    entities = referral_entities(referrals)
    for rows in batches(entities):
        _fast_send((table, rows))
    return HistoryChunk(count, [e["RowKey"] for e in entities],
                        [r.created_date_time.date() for r in referrals], fold_days(referrals))


def load_history(connection_string: str, table: str, partner_id: str, count: int,
                 end: datetime, seed: int, budget_s: float, workers: int = 3,
                 chunk: int = 500) -> list[HistoryChunk]:
    """Build and write ``count`` archived referrals of one partner (``history``), ``chunk``
    at a time in worker processes: building a referral costs about as much CPU as writing
    its ~12 entities, so both are spread over the cores. Once ``budget_s`` has passed no new
    chunk starts (only ``workers`` are ever queued, so the load stops within one chunk's
    time); the chunks returned are exactly what was written: a random sample of the same
    two years, since arrival times are drawn at random."""
    jobs = [(table, partner_id, min(chunk, count - start), end, seed * 1_000_000 + start)
            for start in range(0, count, chunk)]
    started = time.perf_counter()
    done: list[HistoryChunk] = []
    with ProcessPoolExecutor(workers, initializer=_fast_init,
                             initargs=(connection_string,)) as pool:
        running = {pool.submit(_history_chunk, job) for job in jobs[:workers]}
        queued = jobs[workers:]
        while running:
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            done += [f.result() for f in finished]  # a failed chunk fails the load
            while queued and len(running) < workers \
                    and time.perf_counter() - started < budget_s:
                running.add(pool.submit(_history_chunk, queued.pop(0)))
    return done


def merge_sums(into: DaySums, more: DaySums) -> DaySums:
    for key, counts in more.items():
        add(into.setdefault(key, {}), counts)
    return into
