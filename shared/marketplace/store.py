"""Marketplace endpoints in the ``Profiles`` table, beside the partner's profile.

Key design (two rows per endpoint):
* ``PartitionKey = "mkey:<key hash>", RowKey = "key"``: the partner that owns the key, and
  when the last lead and the last test lead reached it. This row is the authority: a lead's
  key is checked with this one point read, and only the current key has a row (``:`` never
  occurs in a partner id, so these partitions cannot be mistaken for a partner's). A lead
  is recorded here, by a merge that fails once the key is gone; the same read tells the
  service when the last one was, so a burst of leads writes it about once a minute.
* ``PartitionKey = <partner id>, RowKey = "marketplace-endpoint"``: the key's hash and when
  it was created. Its own row, so replacing the profile (PUT /api/profile) never touches
  it; the profile read shows it with the key row's times. (Releases before 2026-12-05 kept
  the lead times here; they are still read when the key row has none.)

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
LAST_LEAD, LAST_TEST_LEAD = "lastLeadDateTime", "lastTestLeadDateTime"
_ATTEMPTS = 5


class EndpointRace(Exception):
    """Rotations of one partner's lead URL kept overtaking each other."""


def _utc(value: Any) -> datetime | None:
    return utc(value) if isinstance(value, datetime) else None


def _endpoint(e: Any, key_row: Any) -> Endpoint:
    created = _utc(e["createdDateTime"])
    assert created is not None
    marks = key_row or {}
    return Endpoint(str(e["PartitionKey"]), str(e["keyHash"]), created,
                    _utc(marks.get(LAST_LEAD)) or _utc(e.get(LAST_LEAD)),
                    _utc(marks.get(LAST_TEST_LEAD)) or _utc(e.get(LAST_TEST_LEAD)))


class TableEndpoints:
    def __init__(self, profiles: TableClient) -> None:
        self._t = profiles

    def get(self, partner_id: str) -> Endpoint | None:
        entity = self._entity(partner_id)
        if entity is None:
            return None
        return _endpoint(entity, self._key_row(str(entity["keyHash"])))

    def owner(self, key_hash: str) -> KeyOwner | None:
        row = self._key_row(key_hash)
        if row is None:
            return None
        return KeyOwner(str(row["partnerId"]), str(row["keyHash"]), _utc(row.get(LAST_LEAD)),
                        _utc(row.get(LAST_TEST_LEAD)))

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

    def mark(self, owner: KeyOwner, when: datetime, *, test: bool) -> None:
        # One write, no read: a merge fails on a missing row, so a rotated or revoked key
        # stays gone. Two leads at once may leave the earlier time by a few milliseconds.
        with contextlib.suppress(ResourceNotFoundError):
            self._t.update_entity({"PartitionKey": KEY_PREFIX + owner.key_hash,
                                   "RowKey": KEY_ROW,
                                   LAST_TEST_LEAD if test else LAST_LEAD: when},
                                  mode=UpdateMode.MERGE)

    def _entity(self, partner_id: str) -> Any:
        return self._row(partner_id, ENDPOINT_ROW)

    def _key_row(self, key_hash: str) -> Any:
        return self._row(KEY_PREFIX + key_hash, KEY_ROW)

    def _row(self, pk: str, rk: str) -> Any:
        try:
            return self._t.get_entity(pk, rk)
        except ResourceNotFoundError:
            return None

    def _delete(self, pk: str, rk: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            self._t.delete_entity(pk, rk)
