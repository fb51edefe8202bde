"""Address rows: where a person's e-mail address appears, so that a subject access or an
erasure request reads what matches and never the partner's history (contract section 11).

Key design: ``a|<subject>|<referral id>`` in the partner's partition, where ``subject`` is the
SHA-256 (hex) of the trimmed, lowercased address: the same value the erasure log shows. Such a
row says "this referral, or its history, mentions this address". It is written in the same
entity-group transaction as the change that brings the address in (an upsert: a row that
exists stays as it is), and is *not* deleted when the address leaves the referral, because the
referral's history keeps mentioning it; only an erasure, which rewrites that history too,
deletes it. A lookup reads the ``a|`` range of the subject and the team members' person rows
(``p|t<hash>|``, layout/indexes.py), then each referral and its own history: a referral's
history is short and belongs to it, so the cost follows the matches, not the partner's size.

Rows written per change (the transaction bound): the referral's contacts (at most 20) and its
owner at intake, and afterwards only addresses the change adds or removes (an owner who
changes, a team member who leaves: their person row goes and their address row comes).
Current team members need none: their person rows already serve the lookup. An intake with
20 contacts and 20 team members therefore writes 21 of these rows, not 41, which keeps the
intake under 100 operations (see layout/indexes.py for the rest of its rows).
"""

from __future__ import annotations

import hashlib

from shared.domain.models import Referral

PREFIX = "a|"


def subject(address: str) -> str:
    """The SHA-256 of the trimmed, lowercased address (the erasure log's ``subject``)."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def address_prefix(address: str) -> str:
    return f"{PREFIX}{subject(address)}|"


def address_key(address: str, referral_id: str) -> str:
    return f"{address_prefix(address)}{referral_id}"


def _held(r: Referral) -> set[str]:
    """The addresses a referral holds outside its team (whose person rows serve)."""
    held = {c.email.strip().lower() for c in r.customer_profile.contacts if c.email}
    if r.owner is not None:
        held.add(r.owner.email.strip().lower())
    return held


def _team(r: Referral) -> set[str]:
    return {m.email.strip().lower() for m in r.team}


def address_rows(before: Referral | None, after: Referral) -> list[str]:
    """The address rows a change upserts: addresses ``after`` holds that ``before`` did not,
    and team members who left (their person row goes; the history still names them)."""
    old = _held(before) if before is not None else set()
    left = (_team(before) - _team(after)) if before is not None else set()
    return sorted(address_key(a, after.id) for a in (_held(after) - old) | left)


def all_address_rows(r: Referral, mentioned: set[str]) -> list[str]:
    """Every address row ``r`` should have, given the addresses its history mentions (for a
    backfill: tools/reindex)."""
    wanted = _held(r) | {a.strip().lower() for a in mentioned}
    return sorted(address_key(a, r.id) for a in wanted - _team(r))
