"""What to send Partner Center so that it matches a referral here (contract section 9,
Writing answers back): the JSON Patch (RFC 6902 ``replace``/``add`` only: Partner Center takes
no ``remove``) computed from Partner Center's current version and ours, or the verdict that
Partner Center has closed the referral differently, in which case its state wins.

Stage to ``status``/``substatus``; an accepted-then-won referral that Partner Center still
has as ``New`` is first patched to ``Active``/``Accepted`` (the caller reconciles again, and
the next round closes it). The owner stays local.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.domain.enums import Status
from shared.domain.models import Referral, TeamMember

from .api.timefmt import closing_date_time


@dataclass(frozen=True)
class Plan:
    ops: list[dict[str, Any]] = field(default_factory=list)
    conflict: bool = False  # Partner Center closed it differently: its state wins


def plan(pc: dict[str, Any], local: Referral) -> Plan:
    pc_status, pc_sub = str(pc.get("status")), str(pc.get("substatus"))
    want = (local.status.value, local.substatus.value)
    if pc_status == Status.CLOSED.value and (pc_status, pc_sub) != want:
        return Plan(conflict=True)
    ops: list[dict[str, Any]] = []
    if local.status is not Status.NEW and (pc_status, pc_sub) != want:
        if local.status is Status.CLOSED and pc_status == Status.NEW.value \
                and local.accepted_date_time is not None:
            want = (Status.ACTIVE.value, "Accepted")  # New -> Active first, then closed
        ops += [_set(pc, "/status", want[0]), _set(pc, "/substatus", want[1])]
    ops += _fields(pc, local)
    return Plan([op for op in ops if op])


def _fields(pc: dict[str, Any], local: Referral) -> list[dict[str, Any]]:
    details = pc.get("details") or {}
    d = local.details
    wanted: list[tuple[str, Any, Any]] = [
        ("/name", pc.get("name"), local.name),
        ("/details/dealValue", details.get("dealValue"),
         float(d.deal_value) if d.deal_value is not None else None),
        ("/details/currency", details.get("currency"), d.currency),
        ("/details/notes", details.get("notes"), d.notes),
        ("/details/closingDateTime", (details.get("closingDateTime") or "")[:10] or None,
         d.closing_date.isoformat() if d.closing_date else None),
        ("/externalReferenceId", pc.get("externalReferenceId"), local.external_reference_id),
        ("/campaignId", pc.get("campaignId"), local.campaign_id),
        ("/statusReason", pc.get("statusReason"), _status_reason(local)),
        ("/favorite", bool(pc.get("favorite")), local.favorite),
    ]
    ops = []
    for path, theirs, ours in wanted:
        if ours is not None and theirs != ours:
            value = closing_date_time(d.closing_date) if path.endswith("closingDateTime") \
                and d.closing_date else ours
            ops.append(_set(pc if "/details/" not in path else details, path, value))
    return ops + _team(pc.get("team") or [], local.team)


def _status_reason(local: Referral) -> str | None:
    if local.status_reason and local.closing_notes:
        return f"{local.status_reason}: {local.closing_notes}"
    return local.status_reason


def _team(theirs: list[dict[str, Any]], ours: list[TeamMember]) -> list[dict[str, Any]]:
    emails = {str(m.get("email") or "").lower() for m in theirs}
    mine = {m.email.lower() for m in ours}
    if emails - mine:  # someone was removed here: Partner Center takes the whole list
        return [{"op": "replace", "path": "/team", "value": [_member(m) for m in ours]}]
    return [{"op": "add", "path": "/team/-", "value": _member(m)} for m in ours
            if m.email.lower() not in emails]


def _member(m: TeamMember) -> dict[str, Any]:
    return {"firstName": m.first_name, "lastName": m.last_name, "email": m.email,
            "phoneNumber": m.phone_number}


def _set(holder: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    key = path.rsplit("/", 1)[-1]
    return {"op": "replace" if key in holder else "add", "path": path, "value": value}
