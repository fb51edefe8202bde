"""Where connections live: the ``PartnerCenter`` table.

Key design:
* ``PartitionKey`` = partner (tenant) id, ``RowKey`` = ``connection``: the connection as JSON
  plus the refresh token sealed with WEBHOOK_SECRETS_KEY (services/secret_box.py, the partner
  id as associated data). Updated with ETags, so a sync and a reconnect never overwrite each
  other's fields blindly.
* ``PartitionKey`` = connection id, ``RowKey`` = ``route``: which partner an event URL belongs
  to. Written once, just before the connection row is created (so no connection is ever
  without it); deleted on disconnect, so events to the old URL find nothing (404).
* ``PartitionKey`` = SHA-256 of an OAuth ``state``, ``RowKey`` = ``state``: the pending sign-in
  (partner, admin, sealed PKCE verifier, expiry). Taken once: the callback deletes it with its
  ETag, so a replayed state finds nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

from .connection import Connection, ConnectionState, from_json, to_json

PARTNER_CENTER_TABLE = "PartnerCenter"
CONNECTION_ROW, ROUTE_ROW, STATE_ROW = "connection", "route", "state"


class ConnectionChanged(Exception):
    """The connection row changed since it was read (ETag), or already exists."""


@dataclass(frozen=True)
class StoredConnection:
    connection: Connection
    sealed_refresh_token: str | None
    etag: str


@dataclass(frozen=True)
class PendingSignIn:
    partner_id: str
    admin_id: str
    admin_name: str | None
    sealed_verifier: str
    expires: datetime


def state_key(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


class ConnectionStore:
    def __init__(self, table: TableClient) -> None:
        self._t = table

    def get(self, partner_id: str) -> StoredConnection | None:
        try:
            row = self._t.get_entity(partner_id, CONNECTION_ROW)
        except ResourceNotFoundError:
            return None
        return StoredConnection(from_json(json.loads(row["connectionJson"])),
                                row.get("sealedRefreshToken"), str(row.metadata["etag"]))

    def save(self, conn: Connection, sealed_refresh_token: str | None,
             etag: str | None) -> StoredConnection:
        """Create (``etag`` None) or replace at ``etag``; ConnectionChanged otherwise."""
        entity: dict[str, Any] = {"PartitionKey": conn.partner_id, "RowKey": CONNECTION_ROW,
                                  "connectionJson": json.dumps(to_json(conn))}
        if sealed_refresh_token:
            entity["sealedRefreshToken"] = sealed_refresh_token
        route = {"PartitionKey": conn.connection_id, "RowKey": ROUTE_ROW,
                 "partnerId": conn.partner_id}
        try:
            if etag is None:
                # The event URL's route is written once, when the connection is made, and
                # before it: a write that fails in between leaves a route to no connection
                # (its events find nothing to do), never a connection whose events 404.
                self._t.upsert_entity(route, mode=UpdateMode.REPLACE)
                meta = self._t.create_entity(entity)
            else:
                meta = self._t.update_entity(entity, mode=UpdateMode.REPLACE, etag=etag,
                                             match_condition=MatchConditions.IfNotModified)
        except (ResourceExistsError, ResourceModifiedError):
            if etag is None:
                self._drop_losing_route(conn)
            raise ConnectionChanged(conn.partner_id) from None
        return StoredConnection(conn, sealed_refresh_token, str(meta["etag"]))

    def _drop_losing_route(self, conn: Connection) -> None:
        """Another connection was made first: the route just written is not its route (unless
        it is this very connection, saved before by a call whose answer was lost)."""
        winner = self.get(conn.partner_id)
        if winner is None or winner.connection.connection_id != conn.connection_id:
            with contextlib.suppress(ResourceNotFoundError):
                self._t.delete_entity(conn.connection_id, ROUTE_ROW)

    def delete(self, stored: StoredConnection) -> None:
        self._t.delete_entity(stored.connection.connection_id, ROUTE_ROW)
        self._t.delete_entity(stored.connection.partner_id, CONNECTION_ROW)

    def update(self, partner_id: str, change: Callable[[Connection], Connection],
               tries: int = 5) -> StoredConnection | None:
        """Apply ``change`` to the stored connection, re-reading after a lost race (a token
        rotation, a sync's record and an event may save at the same moment); None when
        there is no connection (disconnected meanwhile) or the races kept being lost."""
        for _ in range(tries):
            stored = self.get(partner_id)
            if stored is None:
                return None
            try:
                return self.save(change(stored.connection), stored.sealed_refresh_token,
                                 stored.etag)
            except ConnectionChanged:
                continue
        return None

    def partner_of(self, connection_id: str) -> str | None:
        """The partner an event URL's connection id belongs to (a point read)."""
        try:
            return str(self._t.get_entity(connection_id, ROUTE_ROW)["partnerId"])
        except ResourceNotFoundError:
            return None

    def connected_partners(self) -> Iterator[tuple[str, ConnectionState]]:
        """Every partner with a connection row (the timer's fan-out; one row per partner)."""
        rows = self._t.query_entities("RowKey eq @row", parameters={"row": CONNECTION_ROW},
                                      select=["PartitionKey", "connectionJson"])
        for row in rows:
            yield row["PartitionKey"], from_json(json.loads(row["connectionJson"])).state

    def put_sign_in(self, state: str, pending: PendingSignIn) -> None:
        self._t.create_entity({
            "PartitionKey": state_key(state), "RowKey": STATE_ROW,
            "partnerId": pending.partner_id, "adminId": pending.admin_id,
            "adminName": pending.admin_name or "", "sealedVerifier": pending.sealed_verifier,
            "expires": pending.expires})

    def take_sign_in(self, state: str) -> PendingSignIn | None:
        """The pending sign-in for ``state``, removed so it cannot be used again; None when
        unknown or already taken (two callbacks racing: only one delete succeeds)."""
        key = state_key(state)
        try:
            row = self._t.get_entity(key, STATE_ROW)
            self._t.delete_entity(key, STATE_ROW, etag=row.metadata["etag"],
                                  match_condition=MatchConditions.IfNotModified)
        except (ResourceNotFoundError, ResourceModifiedError):
            return None
        return PendingSignIn(row["partnerId"], row["adminId"], row["adminName"] or None,
                             row["sealedVerifier"], row["expires"])
