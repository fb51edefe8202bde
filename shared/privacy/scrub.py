"""What erasing a person changes, decided without I/O: pure functions over a referral, its
history entries and its deliveries.

A ``Target`` is one address (an erasure request) or everyone (retention). Erasing removes each
contact, team member or owner the target matches, with the name, phone and title that came
with them, and then rewrites free text (notes, reasons, the deal name, history values, a
delivery's last error) where any of those traces appear. Everything else stays: company, deal
value, stage and dates, so the insights sums do not move.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from shared.domain.events import Destination, Recipient
from shared.domain.history import HistoryEntry
from shared.domain.models import Referral
from shared.storage.ports import Delivery, DeliveryState

ERASED = "[erased]"
ERASED_DELIVERY = "Not sent: the recipient's personal data was erased."


@dataclass(frozen=True)
class Target:
    """Whose data goes: one address (compared case-insensitively), or everyone (None)."""

    address: str | None

    def matches(self, email: str | None) -> bool:
        if self.address is None:
            return True
        return bool(email) and str(email).strip().lower() == self.address.strip().lower()


EVERYONE = Target(None)


@dataclass
class Traces:
    """What identifies the people being erased, gathered before anything is rewritten."""

    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    owner_ids: set[str] = field(default_factory=set)

    def add(self, person: dict[str, Any]) -> None:
        """A contact, team member or owner in its wire form (camelCase keys)."""
        for key, into in (("email", self.emails), ("phoneNumber", self.phones)):
            if person.get(key):
                into.add(str(person[key]))
        first, last = person.get("firstName"), person.get("lastName")
        self.names.update(str(n) for n in (first, last, person.get("name")) if n)
        if first and last:
            self.names.add(f"{first} {last}")
        if person.get("id") and person.get("email"):  # an owner
            self.owner_ids.add(str(person["id"]))

    def _pattern(self) -> re.Pattern[str] | None:
        words = sorted({*self.emails, *self.phones, *self.names}, key=len, reverse=True)
        if not words:
            return None
        # Whole words only: erasing "Ada" must not touch "Canada".
        return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, words)) + r")(?!\w)",
                          re.IGNORECASE)

    def redact(self, text: str | None) -> str | None:
        pattern = self._pattern()
        return pattern.sub(ERASED, text) if text and pattern else text

    def mentioned_in(self, text: str | None) -> bool:
        pattern = self._pattern()
        return bool(text and pattern and pattern.search(text))


def _people(r: Referral) -> Iterator[dict[str, Any]]:
    for c in r.customer_profile.contacts:
        yield c.model_dump(mode="json", by_alias=True)
    for m in r.team:
        yield m.model_dump(mode="json", by_alias=True)
    if r.owner is not None:
        yield r.owner.model_dump(mode="json", by_alias=True)


def _entry_people(value: Any) -> Iterator[dict[str, Any]]:
    """The people (dicts with an ``email``) inside a history value, at any depth."""
    if isinstance(value, dict):
        if "email" in value:
            yield value
        for inner in value.values():
            yield from _entry_people(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _entry_people(inner)


def traces_of(target: Target, r: Referral | None, entries: Iterable[HistoryEntry]) -> Traces:
    """Every trace of the target's people in a referral and its history."""
    found = Traces()
    if target.address:
        found.emails.add(target.address.strip())
    people = list(_people(r)) if r is not None else []
    people += [p for e in entries for p in _entry_people(e.changes)]
    for person in people:
        if target.matches(person.get("email")):
            found.add(person)
    return found


def _free_text(r: Referral) -> list[str | None]:
    pc = r.partner_center.message if r.partner_center else None
    return [r.name, r.details.notes, r.status_reason, r.closing_notes, pc]


def holds(r: Referral, target: Target, traces: Traces) -> bool:
    """Whether the referral itself (not its history) holds the target's data."""
    return any(target.matches(p.get("email")) for p in _people(r)) \
        or any(traces.mentioned_in(t) for t in _free_text(r))


def erase_referral(r: Referral, target: Target, traces: Traces) -> Referral:
    """The referral without the target's people and with their traces redacted."""
    contacts = [c for c in r.customer_profile.contacts if not target.matches(c.email)]
    team = [m for m in r.team if not target.matches(m.email)]
    owner = None if r.owner is not None and target.matches(r.owner.email) else r.owner
    pc = r.partner_center
    if pc is not None and pc.message:
        pc = pc.model_copy(update={"message": traces.redact(pc.message)})
    return r.model_copy(update={
        "customer_profile": r.customer_profile.model_copy(update={"contacts": contacts}),
        "team": team, "owner": owner, "partner_center": pc,
        "name": traces.redact(r.name), "status_reason": traces.redact(r.status_reason),
        "closing_notes": traces.redact(r.closing_notes),
        "details": r.details.model_copy(update={"notes": traces.redact(r.details.notes)}),
    })


def _value(value: Any, target: Target, traces: Traces) -> Any:
    if isinstance(value, dict):
        if "email" in value and target.matches(value.get("email")):
            return None
        return {k: _value(v, target, traces) for k, v in value.items()}
    if isinstance(value, list):  # a team: the target's members leave the list
        return [_value(v, target, traces) for v in value
                if not (isinstance(v, dict) and "email" in v and target.matches(v["email"]))]
    if isinstance(value, str):
        return traces.redact(value)
    return value


def erase_entry(entry: HistoryEntry, target: Target, traces: Traces) -> HistoryEntry:
    changes = {name: {side: _value(v, target, traces) for side, v in change.items()}
               for name, change in entry.changes.items()}
    actor = entry.actor
    if actor.id in traces.owner_ids or (actor.name and actor.name in traces.names):
        actor = actor.model_copy(update={"name": None})
    return entry.model_copy(update={"changes": changes, "actor": actor})


def _recipient(r: Recipient, target: Target) -> Recipient:
    if r.destination is Destination.EMAIL and target.matches(r.address):
        return r.model_copy(update={"address": None})
    return r


def erase_delivery(d: Delivery, target: Target, traces: Traces) -> Delivery:
    """The delivery without the target's address; one still pending to that address is
    settled, never sent."""
    mine = d.recipient.destination is Destination.EMAIL and target.matches(d.recipient.address)
    event = d.event.model_copy(update={
        "recipients": tuple(_recipient(r, target) for r in d.event.recipients)})
    state, error = d.state, traces.redact(d.last_error)
    if mine and d.state is DeliveryState.PENDING:
        state, error = DeliveryState.UNDELIVERABLE, ERASED_DELIVERY
    label = None if mine else traces.redact(d.recipient_label)
    return Delivery(d.partner_id, d.id, event, _recipient(d.recipient, target), state,
                    d.attempts, d.last_attempt, error, label, d.pending_since)
