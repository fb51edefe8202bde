"""Marketplace endpoints in the ``Profiles`` table, beside the partner's profile.

Key design (two rows per endpoint):
* ``PartitionKey = <partner id>, RowKey = "marketplace-endpoint"``: the key's hash, when it
  was created, when the last lead and the last test lead arrived. Its own row, so replacing
  the profile (PUT /api/profile) never touches it, and the profile read shows it in one more
  point read.
* ``PartitionKey = "mkey:<key hash>", RowKey = "key"``: the partner that owns the key, so a
  lead's key finds its partner in one point read without knowing the partner. ``:`` never
  occurs in a partner id, so these partitions cannot be mistaken for a partner's.

The endpoint row is the authority: a key counts only while the endpoint row names its hash.
So rotation and revocation take effect with that one write, and a key row left behind by a
crash between the writes opens nothing (the service checks both).
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.storage.layout.deliveries import utc

from .ports import Endpoint

ENDPOINT_ROW = "marketplace-endpoint"
KEY_PREFIX = "mkey:"
KEY_ROW = "key"
_MARK_ATTEMPTS = 3


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

    def owner(self, key_hash: str) -> str | None:
        try:
            return str(self._t.get_entity(KEY_PREFIX + key_hash, KEY_ROW)["partnerId"])
        except ResourceNotFoundError:
            return None

    def replace(self, endpoint: Endpoint) -> None:
        old = self.get(endpoint.partner_id)
        # The key row first: the endpoint row naming the new hash is what makes it work.
        self._t.upsert_entity({"PartitionKey": KEY_PREFIX + endpoint.key_hash,
                               "RowKey": KEY_ROW, "partnerId": endpoint.partner_id},
                              mode=UpdateMode.REPLACE)
        self._t.upsert_entity({"PartitionKey": endpoint.partner_id, "RowKey": ENDPOINT_ROW,
                               "keyHash": endpoint.key_hash,
                               "createdDateTime": endpoint.created}, mode=UpdateMode.REPLACE)
        if old is not None and old.key_hash != endpoint.key_hash:
            self._delete(KEY_PREFIX + old.key_hash, KEY_ROW)

    def remove(self, partner_id: str) -> None:
        old = self.get(partner_id)
        self._delete(partner_id, ENDPOINT_ROW)  # this write alone revokes the key
        if old is not None:
            self._delete(KEY_PREFIX + old.key_hash, KEY_ROW)

    def mark(self, partner_id: str, key_hash: str, when: datetime, *, test: bool) -> None:
        name = "lastTestLeadDateTime" if test else "lastLeadDateTime"
        for _ in range(_MARK_ATTEMPTS):  # concurrent leads: the latest time wins
            entity = self._entity(partner_id)
            if entity is None or entity["keyHash"] != key_hash:
                return  # revoked or rotated meanwhile: not this key's endpoint any more
            seen = _utc(entity.get(name))
            if seen is not None and seen >= when:
                return
            try:
                self._t.update_entity({"PartitionKey": partner_id, "RowKey": ENDPOINT_ROW,
                                       name: when}, mode=UpdateMode.MERGE,
                                      etag=entity.metadata["etag"],
                                      match_condition=MatchConditions.IfNotModified)
                return
            except (ResourceModifiedError, ResourceNotFoundError):
                continue

    def _entity(self, partner_id: str) -> Any:
        try:
            return self._t.get_entity(partner_id, ENDPOINT_ROW)
        except ResourceNotFoundError:
            return None

    def _delete(self, pk: str, rk: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            self._t.delete_entity(pk, rk)
