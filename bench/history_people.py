"""History bench, the person lookup (issue 24): ``GET /api/privacy/people/{email}``'s service
call for a partner with 100x the history costs the same storage requests and entities.

After the other calls are measured (so they see the partners as loaded), the same person
is given to A and B through the product's own write path (``referrals.intake`` and
``perform``): a customer contact of ``REFERRALS`` new referrals, one accepted with them
added to its team (a history entry naming them), one declined. Then
``privacy.service.look_up`` is counted and timed for each partner, as the other calls are.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from azure.data.tables import TableServiceClient

from shared.domain.commands import AddTeamMember, DeclineRequest, IntakeRequest
from shared.domain.models import TeamMember
from shared.privacy import service as privacy
from shared.privacy.retention import ports_of
from shared.services import referrals as svc
from shared.storage.layout import keys
from tests.support.factories import intake_body

from . import data
from .common import Report, rotated
from .history_partners import Partner
from .history_report import TIME_TARGET, Cost, Samples, call_row, diagnose
from .history_requests import RequestLog

NAME = "person lookup (privacy, 3 referrals)"
REFERRALS = 3
PERSON = {"firstName": "Zeb", "lastName": "Quillfeather", "email": "zeb.q@fabrikam.example",
          "phoneNumber": "+31 30 555 7777"}


def _j(value: object) -> str:
    return json.dumps(value)


def give_person(ctx: Any, partner_id: str) -> None:
    """The person in ``REFERRALS`` new referrals of the partner, as the app writes them."""
    if ctx.profiles.get(partner_id) is None:  # intake needs the partner's profile
        ctx.profiles.put(partner_id, data.profile())
    ids = []
    for _ in range(REFERRALS):
        body = intake_body(partner_id)
        body["customerProfile"]["contacts"].append(PERSON)
        ids.append(svc.intake(ctx, IntakeRequest.model_validate_json(_j(body))).referral.id)
    svc.perform(ctx, partner_id, ids[0], data.accept_request())
    member = AddTeamMember(member=TeamMember.model_validate_json(_j(PERSON)))
    svc.perform(ctx, partner_id, ids[0], member)
    decline = DeclineRequest.model_validate_json(_j({"reason": "NotAFit"}))
    svc.perform(ctx, partner_id, ids[1], decline)


def _new_row_keys(connection_string: str, p: Partner, since: datetime) -> None:
    """Adds the rows just written to the partner's key list (for the 'examined' and
    'in key range' estimates). A one-time scan of the partition, outside the measurement."""
    table = TableServiceClient.from_connection_string(connection_string) \
        .get_table_client(keys.REFERRALS_TABLE)
    rows = table.query_entities("PartitionKey eq @pk and Timestamp ge @since",
                                parameters={"pk": p.id, "since": since},
                                select=["RowKey"])
    p.row_keys = sorted(set(p.row_keys) | {str(r["RowKey"]) for r in rows})


def _look_up(ctx: Any, p: Partner) -> int:
    held = privacy.look_up(ctx, ports_of(ctx), p.id, PERSON["email"].upper())
    return len(held.referrals) + len(held.history)


def _timed(ctx: Any, p: Partner) -> tuple[float, float]:
    """(wall, CPU of this process) seconds, as history.timed takes them."""
    wall, cpu = time.perf_counter(), time.process_time()
    _look_up(ctx, p)
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(connection_string: str, ctx: Any, counted_ctx: Any, log: RequestLog,
            partners: Sequence[Partner], rounds: int
            ) -> tuple[dict[tuple[str, str], Cost], Samples]:
    """Seed the person, then count (on the counted context) and time (on the app's own)
    the lookup for each partner, partners rotated per round."""
    since = ctx.clock() - timedelta(seconds=1)  # Azurite stamps rows by its own clock
    for p in partners:
        give_person(ctx, p.id)
        _new_row_keys(connection_string, p, since)
    costs: dict[tuple[str, str], Cost] = {}
    for p in partners:
        log.take()
        items = _look_up(counted_ctx, p)
        costs[(NAME, p.label)] = Cost(items, log.take())
        _look_up(ctx, p)  # warm-up
    times: Samples = {k: [] for k in costs}
    for rnd in range(rounds * 3):  # cheap: more rounds than the other calls
        for p in rotated(partners, rnd):
            times[(NAME, p.label)].append(_timed(ctx, p))
    return costs, times


def report(report_: Report, costs: dict[tuple[str, str], Cost], times: Samples, a: Partner,
           b: Partner) -> None:
    row = report_.add(**call_row(NAME, costs, times, a, b))
    report_.target(f"{NAME}: B/A median time", row["time_ratio"], TIME_TARGET)
    report_.target(f"{NAME}: B - A requests", abs(row["requests_b"] - row["requests_a"]), 0)
    report_.target(f"{NAME}: B - A entities", abs(row["entities_b"] - row["entities_a"]), 0)
    diagnose(report_, costs, [NAME], a, b)
    report_.notes.pop()  # diagnose's closing note on 'examined', already there once
    report_.notes.append(
        f"{NAME}: the same person added to both partners through referrals.intake/perform "
        f"after the other calls (contact of {REFERRALS} referrals, team member of the "
        "accepted one, one declined); privacy.service.look_up finds them through their "
        "address rows, then reads each referral and its own history")
