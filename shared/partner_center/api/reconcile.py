"""The write-back: the JSON Patch that makes Partner Center match the referral here
(contract section 9, "Writing answers back"; Microsoft's "Update a lead or opportunity":
RFC 6902 ``replace``/``add`` only, no ``remove``).

It compares what Partner Center holds, read through the same field readers as the import
(``mapping.held_of``), with the referral here (``mapping.Held.from_referral``), and sends
only the difference: so a value the import could not hold is never overwritten, repeating a
write-back that already landed sends nothing, and order and lost messages do not matter.

Partner Center moves ``New`` -> ``Active`` -> ``Closed`` and never back ("Status & Substatus
transition states"). A referral won or lost here that Partner Center still has as ``New``
goes through ``Active``/``Accepted`` first: this round's patch takes it there and says
``more``; reconcile the PATCH's answer again for the close. Where Partner Center's stage
cannot move to ours (closed differently there, or ahead of us), nothing is sent and the
result carries the ``Conflict``: Partner Center's state wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shared.domain.enums import Status, Substatus
from shared.domain.models import TeamMember

from . import fields as f
from .mapping import Held, held_of
from .timefmt import closing_date_time

Op = dict[str, Any]
_ALLOWED = {Status.NEW: {Status.NEW, Status.ACTIVE, Status.CLOSED},
            Status.ACTIVE: {Status.ACTIVE, Status.CLOSED}, Status.CLOSED: set()}
_THROUGH_ACTIVE = (Substatus.WON, Substatus.LOST)


@dataclass(frozen=True)
class Conflict:
    """Partner Center's stage, which wins, beside the one here that lost."""

    partner_center: tuple[Status, Substatus]
    partner_center_status_reason: str | None
    local: tuple[Status, Substatus]


@dataclass(frozen=True)
class Reconciliation:
    ops: list[Op] = field(default_factory=list)  # empty: nothing to send
    more: bool = False  # after this PATCH, reconcile its answer again (New -> Active -> Closed)
    conflict: Conflict | None = None


def reconcile(pc: Mapping[str, Any], local: Held) -> Reconciliation:
    """What to send so that Partner Center's referral ``pc`` matches ``local``."""
    theirs = held_of(pc)
    target = (local.status, local.substatus)
    if local.substatus is Substatus.EXPIRED:  # Partner Center expires its own leads
        target = (theirs.status, theirs.substatus) if theirs.status is not Status.CLOSED \
            else target
    if (theirs.status, theirs.substatus) != target and target[0] not in _ALLOWED[theirs.status]:
        # Closed differently there (Closed only goes to Closed), or ahead of us.
        return Reconciliation(conflict=Conflict((theirs.status, theirs.substatus),
                                                f.text(pc.get("statusReason")), target))
    ops = [*_field_ops(pc, theirs, local), *_team_ops(pc, local.team)]
    if theirs.status is Status.NEW and target[1] in _THROUGH_ACTIVE:
        ops += _stage_ops(pc, Status.ACTIVE, Substatus.ACCEPTED)
        return Reconciliation(ops=ops, more=True)
    if (theirs.status, theirs.substatus) != target:
        ops += _stage_ops(pc, *target)
    if target[1] in (Substatus.DECLINED, Substatus.LOST):
        wanted = _status_reason(local)
        if wanted is not None and wanted != f.text(pc.get("statusReason")):
            ops.append(_set(pc, "/statusReason", wanted))
    return Reconciliation(ops=ops)


def reconcile_patch(pc: Mapping[str, Any], local: Held) -> list[Op]:
    """The ops of this round only (see ``reconcile`` for ``more`` and conflicts)."""
    return reconcile(pc, local).ops


def _stage_ops(pc: Mapping[str, Any], status: Status, substatus: Substatus) -> list[Op]:
    return [_set(pc, "/status", status.value), _set(pc, "/substatus", substatus.value)]


def _status_reason(local: Held) -> str | None:
    if local.status_reason is None:
        return None
    notes = (local.closing_notes or "").strip()
    return f"{local.status_reason}: {notes}" if notes else local.status_reason


def _field_ops(pc: Mapping[str, Any], theirs: Held, local: Held) -> list[Op]:
    """Changed fields. Name, deal value, currency and closing date are never cleared (an
    accepted deal always has them; a referral not yet accepted here has none of its own);
    notes, external reference and campaign are, as an edit here can clear them."""
    ops = [_set(pc, path, value) for path, mine, current, value in (
        ("/name", local.name, theirs.name, local.name),
        ("/externalReferenceId", local.external_reference_id, theirs.external_reference_id,
         local.external_reference_id),
        ("/campaignId", local.campaign_id, theirs.campaign_id, local.campaign_id),
    ) if mine != current and (mine is not None or path != "/name")]
    if local.favorite != theirs.favorite:
        ops.append(_set(pc, "/favorite", local.favorite))
    details = {key: value for key, mine, current, value in (
        ("dealValue", local.deal_value, theirs.deal_value, _number(local.deal_value)),
        ("currency", local.currency, theirs.currency, local.currency),
        ("notes", local.notes, theirs.notes, local.notes),
        ("closingDateTime", local.closing_date, theirs.closing_date,
         closing_date_time(local.closing_date) if local.closing_date else None),
    ) if mine != current and (mine is not None or key == "notes")}
    if details and not isinstance(pc.get("details"), Mapping):
        return [*ops, {"op": "add", "path": "/details", "value": details}]
    return ops + [_set(f.obj(pc.get("details")), f"/details/{key}", value, key)
                  for key, value in details.items()]


def _team_ops(pc: Mapping[str, Any], mine: tuple[TeamMember, ...]) -> list[Op]:
    """``add /team/-`` per new member; ``replace /team`` with the whole list when one was
    removed or changed (Partner Center takes no ``remove``). Members Partner Center has that
    cannot be held here (no phone, say) were never seen here: they stay as they are."""
    team = pc.get("team")
    current = [m for m in team if isinstance(m, Mapping)] if isinstance(team, list) else []
    by_email = {email.lower(): raw for raw in current
                if (email := f.text(raw.get("email"))) is not None}
    held = {key: member for key, raw in by_email.items()
            if (member := f.member(raw)) is not None}
    wanted = {m.email.lower(): m for m in mine}
    rewrite = any(key not in wanted or wanted[key] != member for key, member in held.items()) \
        or any(key in wanted and key not in held for key in by_email)
    if not rewrite:
        return [{"op": "add", "path": "/team/-", "value": _member(m)}
                for key, m in wanted.items() if key not in by_email]
    kept = [{**by_email.get(key, {}), **_member(m)} for key, m in wanted.items()]
    unseen = [raw for raw in current if f.member(raw) is None
              and str(raw.get("email") or "").lower() not in wanted]
    return [_set(pc, "/team", kept + unseen)]


def _member(m: TeamMember) -> dict[str, str]:
    return {"firstName": m.first_name, "lastName": m.last_name, "email": m.email,
            "phoneNumber": m.phone_number}


def _set(container: Mapping[str, Any], path: str, value: Any, key: str | None = None) -> Op:
    """``replace`` a member Partner Center has, ``add`` one it does not (RFC 6902: replace
    needs the target to exist)."""
    name = key or path.rsplit("/", 1)[-1]
    return {"op": "replace" if name in container else "add", "path": path, "value": value}


def _number(amount: Decimal | None) -> int | float | None:
    if amount is None:
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)
