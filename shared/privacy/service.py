"""The customer-data use cases: what is held about an address, erasing it, the erasure log.

An erasure works referral by referral, each on fresh data: the history entries first (a
rewrite is idempotent), then the referral itself with its index rows in one ETag-conditional
transaction (a change that came in between makes it read everything again), and the
address rows last. So a crash at any point leaves the address findable, and running the
erasure again finishes it; once done, a repeat finds nothing (zeros).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from shared.domain.errors import PreconditionFailed
from shared.domain.history import HistoryEntry
from shared.services.context import Context
from shared.storage.layout.addresses import subject
from shared.storage.ports import Change, ConcurrencyConflict, Stored
from shared.storage.ports.privacy import Erasure, HistoryRow, PersonalData, PrivacyPorts

from .scrub import Target, Traces, erase_delivery, erase_entry, erase_referral, traces_of

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Held:
    """What the organisation holds about one address."""

    referrals: list[Stored]
    history: list[tuple[str, HistoryEntry]]  # (referral id, entry)


@dataclass
class Counts:
    referrals: int = 0
    history_entries: int = 0
    deliveries: int = 0
    traces: Traces = field(default_factory=Traces)


def look_up(ctx: Context, ports: PrivacyPorts, partner_id: str, address: str) -> Held:
    """Every referral and history entry of the partner holding ``address``: an entry or a
    referral holds it when erasing the address would change it."""
    target = Target(address.strip())
    held = Held([], [])
    for rid in ports.store.referral_ids(partner_id, address):
        stored = ctx.referrals.get(partner_id, rid)
        rows = ports.store.history(partner_id, rid)
        traces = traces_of(target, stored.referral if stored else None, [r.entry for r in rows])
        if stored is not None and erase_referral(stored.referral, target, traces) \
                != stored.referral:
            held.referrals.append(stored)
        held.history.extend((rid, r.entry) for r in rows
                            if erase_entry(r.entry, target, traces) != r.entry)
    return held


def erase(ctx: Context, ports: PrivacyPorts, partner_id: str, address: str,
          requested_by: str) -> Erasure:
    target = Target(address.strip())
    counts = Counts()
    for rid in ports.store.referral_ids(partner_id, address):
        erase_in_referral(ctx, ports.store, partner_id, rid, target, counts)
    counts.traces.emails.add(target.address or "")
    for delivery in list(ports.store.deliveries_mentioning(partner_id, address)):
        erased = erase_delivery(delivery, target, counts.traces)
        if erased != delivery:
            ports.store.rewrite_delivery(delivery, erased)
            counts.deliveries += 1
    _erase_in_profile(ctx, partner_id, target)
    done = Erasure(str(uuid.uuid4()), requested_by, ctx.clock(), subject(address),
                   counts.referrals, counts.history_entries, counts.deliveries)
    ports.store.log(partner_id, done)
    return done


def erase_in_referral(ctx: Context, store: PersonalData, partner_id: str, referral_id: str,
                      target: Target, counts: Counts) -> Stored | None:
    """Erase ``target`` from one referral and its history; the referral as it is now."""
    for _ in range(MAX_ATTEMPTS):
        stored = ctx.referrals.get(partner_id, referral_id)
        rows = store.history(partner_id, referral_id)
        traces = traces_of(target, stored.referral if stored else None, [r.entry for r in rows])
        rewritten = [HistoryRow(r.key, new) for r in rows
                     if (new := erase_entry(r.entry, target, traces)) != r.entry]
        store.rewrite_history(partner_id, rewritten)
        changed = False
        if stored is not None:
            erased = erase_referral(stored.referral, target, traces)
            if erased != stored.referral:
                try:
                    stored = ctx.referrals.update(Change(stored, erased))
                except ConcurrencyConflict:
                    continue  # changed meanwhile: read it all again
                changed = True
        store.drop_address_rows(partner_id, referral_id, traces.emails)
        counts.referrals += changed
        counts.history_entries += len(rewritten)
        counts.traces.emails |= traces.emails
        counts.traces.phones |= traces.phones
        counts.traces.names |= traces.names
        return stored
    raise PreconditionFailed("The referral is changing too quickly; try the erasure again.")


def _erase_in_profile(ctx: Context, partner_id: str, target: Target) -> None:
    """The person leaves the profile's location contacts (no more e-mail alerts)."""
    profile = ctx.profiles.get(partner_id)
    if profile is None:
        return
    locations = [loc.model_copy(update={"contacts": [
        c for c in loc.contacts if not target.matches(c.email)]}) for loc in profile.locations]
    if locations != profile.locations:
        ctx.profiles.put(partner_id, profile.model_copy(update={"locations": locations}))


def erasures(ports: PrivacyPorts, partner_id: str) -> list[Erasure]:
    return ports.store.erasures(partner_id)
