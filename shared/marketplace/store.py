"""Marketplace endpoints in the ``Profiles`` table, beside the partner's profile.

Key design (two rows per endpoint):
* ``PartitionKey = "mkey:<key hash>", RowKey = "key"``: the partner that owns the key. This
  row is the authority: a lead's key is checked with this one point read, and only the
  current key has a row (``:`` never occurs in a partner id, so these partitions cannot be
  mistaken for a partner's).
* ``PartitionKey = <partner id>, RowKey = "marketplace-endpoint"``: the key's hash, when it
  was created, when the last lead and the last test lead arrived. Its own row, so replacing
  the profile (PUT /api/profile) never touches it; the profile read shows it.

Rotation deletes the old key's row before the new one is written, so there is never a moment
when both work (a crash in between leaves none working, and the admin rotates again), and it
replaces the endpoint row on its ETag: of two concurrent rotations the loser deletes its own
key row and rotates again on the winner's, so one key row is left. Revocation deletes the key
row first.
"""

from __future__ import annotations

import contextlib
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

from .ports import Endpoint, KeyOwner

ENDPOINT_ROW = "marketplace-endpoint"
KEY_PREFIX = "mkey:"
KEY_ROW = "key"
_ATTEMPTS = 5


class EndpointRace(Exception):
    """Rotations of one partner's lead URL kept overtaking each other."""


def _utc(value: Any) -> datetime | None:
    return utc(value) if isinstance(value, datetime) else None


def _endpoint(e: Any) -> Endpoint:
    created = _utc(e["createdDateTime"])
    assert created is not None
    return Endpoint(str(e["PartitionKey"]), str(e["keyHash"]), created,
                    _utc(e.get("lastLeadDateTime")), _utc(e.get("lastTestLeadDateTime")))


class TableEndpoints:
    def __init__(self, profiles: TableClient) -> None:
        self._t = profiles

    def get(self, partner_id: str) -> Endpoint | None:
        entity = self._entity(partner_id)
        return _endpoint(entity) if entity is not None else None

    def owner(self, key_hash: str) -> KeyOwner | None:
        try:
            row = self._t.get_entity(KEY_PREFIX + key_hash, KEY_ROW)
        except ResourceNotFoundError:
            return None
        return KeyOwner(str(row["partnerId"]), str(row["keyHash"]))

    def replace(self, endpoint: Endpoint) -> None:
        row = {"PartitionKey": endpoint.partner_id, "RowKey": ENDPOINT_ROW,
               "keyHash": endpoint.key_hash, "createdDateTime": endpoint.created}
        for _ in range(_ATTEMPTS):
            current = self._entity(endpoint.partner_id)
            if current is not None:
                self._delete(KEY_PREFIX + current["keyHash"], KEY_ROW)  # the old key: dead
            self._t.upsert_entity({"PartitionKey": KEY_PREFIX + endpoint.key_hash,
                                   "RowKey": KEY_ROW, "partnerId": endpoint.partner_id,
                                   "keyHash": endpoint.key_hash}, mode=UpdateMode.REPLACE)
            try:
                if current is None:
                    self._t.create_entity(row)
                else:
                    self._t.update_entity(row, mode=UpdateMode.REPLACE,
                                          etag=current.metadata["etag"],
                                          match_condition=MatchConditions.IfNotModified)
                return
            except (ResourceExistsError, ResourceModifiedError, ResourceNotFoundError):
                # Another rotation won meanwhile: ours must not count; rotate on top of it.
                self._delete(KEY_PREFIX + endpoint.key_hash, KEY_ROW)
        raise EndpointRace("the partner's lead URL keeps changing")

    def remove(self, partner_id: str) -> None:
        current = self._entity(partner_id)
        if current is not None:
            self._delete(KEY_PREFIX + current["keyHash"], KEY_ROW)  # this revokes the key
        self._delete(partner_id, ENDPOINT_ROW)

    def mark(self, partner_id: str, when: datetime, *, test: bool) -> None:
        # One write, no read: a merge fails on a missing row, so a revoked endpoint stays
        # gone. Two leads at once may leave the earlier time by a few milliseconds.
        name = "lastTestLeadDateTime" if test else "lastLeadDateTime"
        with contextlib.suppress(ResourceNotFoundError):
            self._t.update_entity({"PartitionKey": partner_id, "RowKey": ENDPOINT_ROW,
                                   name: when}, mode=UpdateMode.MERGE)

    def _entity(self, partner_id: str) -> Any:
        try:
            return self._t.get_entity(partner_id, ENDPOINT_ROW)
        except ResourceNotFoundError:
            return None

    def _delete(self, pk: str, rk: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            self._t.delete_entity(pk, rk)
