"""Benchmark data written straight to storage, in exactly the shape the app writes it.

Referrals are built from one intake (``operations.receive``) and turned into entities with
the app's own ``referral_to_entity``; loading uses entity-group transactions of up to 100
same-partition rows, sent from a few worker processes (the SDK builds each batch body with
the stdlib ``email`` package, about 0.7 ms of CPU per row, so one process cannot keep
Azurite busy).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from azure.data.tables import TableClient, UpdateMode

from shared.domain import operations as ops
from shared.domain.commands import (
    AcceptRequest,
    DeclineRequest,
    IntakeRequest,
)
from shared.domain.models import Profile, ProfileInput, Referral
from shared.storage.layout.entities import referral_to_entity
from shared.storage.layout.indexes import INDEX_VERSION
from shared.storage.layout.keys import due_day, index_row
from shared.storage.ports.ids import new_referral_id
from shared.storage.tables.index import index_entities
from tests.support.factories import accept_body, intake_body, profile_body

BATCH = 100  # the entity-group transaction limit
WINDOW = timedelta(days=14)


@cache
def _template() -> Referral:
    cmd = IntakeRequest.model_validate_json(json.dumps(intake_body("template")))
    now = datetime(2020, 1, 1, tzinfo=UTC)
    referral, _ = ops.receive(cmd, new_referral_id(now), now, WINDOW)
    return referral


def new_partner() -> str:
    return str(uuid.uuid4())


def profile() -> Profile:
    return Profile.model_validate(ProfileInput.model_validate_json(
        json.dumps(profile_body())).model_dump())


def accept_request() -> AcceptRequest:
    return AcceptRequest.model_validate_json(json.dumps(accept_body()))


def decline_request() -> DeclineRequest:
    return DeclineRequest.model_validate_json(json.dumps(DECLINE_BODY))


DECLINE_BODY = {"reason": "NotAFit", "notes": "Outside our regions"}


def referral(partner_id: str, created: datetime, expiration: datetime | None = None
             ) -> Referral:
    """A received referral as intake stores it, created at ``created``."""
    return _template().model_copy(update={
        "id": new_referral_id(created),
        "partner_id": partner_id,
        "created_date_time": created,
        "updated_date_time": created,
        "expiration_date_time": expiration if expiration is not None else created + WINDOW,
    })


def expiry_row(r: Referral) -> dict[str, Any]:
    """The ExpiryIndex row intake writes for ``r``."""
    assert r.expiration_date_time is not None
    return {"PartitionKey": due_day(r.expiration_date_time),
            "RowKey": index_row(r.partner_id, r.id)}


def batches(entities: Iterable[dict[str, Any]], size: int = BATCH) -> list[list[dict[str, Any]]]:
    """Same-partition groups of at most ``size`` rows, in first-seen partition order."""
    by_partition: dict[str, list[dict[str, Any]]] = {}
    for e in entities:
        by_partition.setdefault(e["PartitionKey"], []).append(e)
    out: list[list[dict[str, Any]]] = []
    for rows in by_partition.values():
        out += [rows[i:i + size] for i in range(0, len(rows), size)]
    return out


# --- loading -----------------------------------------------------------------------------

_worker_client: dict[str, TableClient] = {}
_worker_conn: str = ""


def _worker_init(connection_string: str) -> None:
    global _worker_conn
    _worker_conn = connection_string
    _worker_client.clear()


def _ops(op: str, rows: Sequence[dict[str, Any]]) -> list[Any]:
    if op == "create":
        return [("create", e) for e in rows]
    if op == "upsert":
        return [("upsert", e, {"mode": UpdateMode.REPLACE}) for e in rows]
    if op == "delete":
        return [("delete", {"PartitionKey": e["PartitionKey"], "RowKey": e["RowKey"]})
                for e in rows]
    raise ValueError(op)


def _send(job: tuple[str, str, list[dict[str, Any]]]) -> int:
    table, op, rows = job
    client = _worker_client.get(table)
    if client is None:
        client = _worker_client[table] = TableClient.from_connection_string(_worker_conn, table)
    if len(rows) == 1 and op == "delete":
        client.delete_entity(rows[0]["PartitionKey"], rows[0]["RowKey"])
    else:
        client.submit_transaction(_ops(op, rows))
    return len(rows)


def write(connection_string: str, table: str, entities: Iterable[dict[str, Any]],
          op: str = "create", workers: int = 3) -> int:
    """Write ``entities`` to ``table`` in same-partition transactions; returns the row count."""
    jobs = [(table, op, b) for b in batches(entities)]
    if len(jobs) <= 4 or workers <= 1:
        _worker_init(connection_string)
        return sum(_send(j) for j in jobs)
    with ProcessPoolExecutor(workers, initializer=_worker_init,
                             initargs=(connection_string,)) as pool:
        return sum(pool.map(_send, jobs, chunksize=4))


def referral_entities(referrals: Iterable[Referral]) -> list[dict[str, Any]]:
    """Each referral's row and its index rows, as the app's first write stores them."""
    rows: list[dict[str, Any]] = []
    for r in referrals:
        rows.append({**referral_to_entity(r), "ix": INDEX_VERSION})
        rows += index_entities(r)
    return rows
