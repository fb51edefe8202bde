"""Intake retries (``Repeatability-Request-ID``): one claim row per (caller, request id) in the
``Repeatability`` table, holding the hash of the body, the referral id given to that request
and when it was first seen.

Claiming is an insert-if-absent, so concurrent retries of one request all end up holding the
same claim, hence the same pre-generated referral id; adding that referral twice is a
ConcurrencyConflict, so exactly one referral is created. A claim older than the tracking
window is replaced (conditionally on its ETag) by a new one: the request id is free again.

Claims older than the window are deleted by the daily retention run (``forget_before``):
a filter on ``claimedDateTime`` over the whole table, which is small by construction, since
every run leaves only the last day or two of claims in it.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

from shared.storage.layout.deliveries import utc
from shared.storage.ports.claims import Claim


def _entity(c: Claim) -> dict[str, Any]:
    return {"PartitionKey": c.caller, "RowKey": c.request_id, "bodyHash": c.body_hash,
            "partnerId": c.partner_id, "referralId": c.referral_id, "claimedDateTime": c.claimed}


def _claim(e: Any) -> Claim:
    return Claim(e["PartitionKey"], e["RowKey"], e["bodyHash"], e["partnerId"], e["referralId"],
                 utc(e["claimedDateTime"]), str(e.metadata["etag"]))


class TableClaims:
    def __init__(self, table: TableClient) -> None:
        self._t = table

    def claim(self, new: Claim) -> Claim:
        for _ in range(3):  # a claim released between our insert and read: insert again
            try:
                meta = self._t.create_entity(_entity(new))
                return replace(new, etag=str(meta["etag"]))
            except ResourceExistsError:
                pass
            try:
                return _claim(self._t.get_entity(new.caller, new.request_id))
            except ResourceNotFoundError:
                continue
        raise ResourceExistsError("the claim keeps changing")

    def replace(self, old: Claim, new: Claim) -> Claim | None:
        try:
            meta = self._t.update_entity(_entity(new), mode=UpdateMode.REPLACE, etag=old.etag,
                                         match_condition=MatchConditions.IfNotModified)
        except (ResourceModifiedError, ResourceNotFoundError):
            return None
        return replace(new, etag=str(meta["etag"]))

    def release(self, claim: Claim) -> None:
        # Taken over or gone: not ours to delete.
        with contextlib.suppress(ResourceModifiedError, ResourceNotFoundError):
            self._t.delete_entity(claim.caller, claim.request_id, etag=claim.etag,
                                  match_condition=MatchConditions.IfNotModified)

    def forget_before(self, cutoff: datetime) -> int:
        rows = self._t.query_entities("claimedDateTime lt @cutoff",
                                      parameters={"cutoff": cutoff})
        gone = 0
        for row in list(rows):
            with contextlib.suppress(ResourceModifiedError, ResourceNotFoundError):
                self.release(_claim(row))  # conditional: a claim renewed meanwhile stays
                gone += 1
        return gone
