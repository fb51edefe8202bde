"""Intake retries' claims (``Repeatability-Request-ID``): what the intake service holds while
it answers one request id, and the store it keeps them in (tables/claims.py has the Table
one and the reasoning)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Claim:
    caller: str  # PartitionKey: a hash of the caller's tenant and principal
    request_id: str  # RowKey: the Repeatability-Request-ID
    body_hash: str
    partner_id: str
    referral_id: str
    claimed: datetime
    etag: str = ""


class ClaimStore(Protocol):
    def claim(self, new: Claim) -> Claim:
        """Insert ``new`` unless a claim for its key exists; the claim in force either way."""

    def replace(self, old: Claim, new: Claim) -> Claim | None:
        """Put ``new`` in place of ``old`` if ``old`` is unchanged; None if it changed."""

    def release(self, claim: Claim) -> None:
        """Delete ``claim`` if unchanged (the request it belonged to failed)."""

    def forget_before(self, cutoff: datetime) -> int:
        """Delete the claims made before ``cutoff`` (unless renewed meanwhile); how many."""
