"""A partner organisation's connection to its Partner Center account (contract section 9,
Connecting): its state, who connected it, the webhook registration, the last sync, and the
sync watermark. Pure data; store.py keeps it, with the sealed refresh token beside it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.domain.events import iso


class ConnectionState(StrEnum):
    CONNECTED = "connected"
    RECONNECT_REQUIRED = "reconnectRequired"  # the refresh token was refused: work pauses
    DISCONNECTED = "disconnected"


class WebhookState(StrEnum):
    REGISTERED = "registered"
    HELD_BY_ANOTHER = "heldByAnother"  # another connector's URL: left alone, sync polls
    NOT_REGISTERED = "notRegistered"


@dataclass(frozen=True)
class SyncCounts:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # not leads (co-sell, outgoing): Partner Center's own definition
    failed: int = 0

    def plus(self, other: SyncCounts) -> SyncCounts:
        return SyncCounts(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))


def astuple(counts: SyncCounts) -> tuple[int, ...]:
    return (counts.imported, counts.updated, counts.unchanged, counts.skipped, counts.failed)


@dataclass(frozen=True)
class LastSync:
    started: datetime
    finished: datetime | None = None
    counts: SyncCounts = field(default_factory=SyncCounts)
    error: str | None = None


@dataclass(frozen=True)
class Connection:
    partner_id: str
    connection_id: str  # in the event URL: /api/partner-center/events/{connection id}
    state: ConnectionState
    connected_by_id: str
    connected_by_name: str | None
    connected: datetime
    webhook_state: WebhookState = WebhookState.NOT_REGISTERED
    webhook_host: str | None = None
    last_event: datetime | None = None
    last_sync: LastSync | None = None
    # Where the next sync's query starts: the newest updatedDateTime seen (minus the overlap).
    watermark: datetime | None = None

    def with_(self, **changes: Any) -> Connection:
        return replace(self, **changes)

    def view(self) -> dict[str, Any]:
        """GET /api/partner-center/connection."""
        sync = self.last_sync
        return {
            "state": self.state.value,
            "connectedBy": {"id": self.connected_by_id, "name": self.connected_by_name},
            "connectedDateTime": iso(self.connected),
            "webhook": {"state": self.webhook_state.value, "host": self.webhook_host},
            "lastEventDateTime": _time(self.last_event),
            "lastSync": None if sync is None else {
                "startedDateTime": iso(sync.started), "finishedDateTime": _time(sync.finished),
                **asdict(sync.counts), "error": sync.error},
        }


NEVER_CONNECTED: dict[str, Any] = {
    "state": ConnectionState.DISCONNECTED.value, "connectedBy": None, "connectedDateTime": None,
    "webhook": {"state": WebhookState.NOT_REGISTERED.value, "host": None},
    "lastEventDateTime": None, "lastSync": None,
}


def _time(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def to_json(conn: Connection) -> dict[str, Any]:
    data = asdict(conn)
    for key in ("connected", "last_event", "watermark"):
        data[key] = _stamp(data[key])
    if conn.last_sync is not None:
        data["last_sync"] = {**data["last_sync"], "started": _stamp(conn.last_sync.started),
                             "finished": _stamp(conn.last_sync.finished)}
    return data


def from_json(data: dict[str, Any]) -> Connection:
    sync = data.get("last_sync")
    return Connection(
        partner_id=data["partner_id"], connection_id=data["connection_id"],
        state=ConnectionState(data["state"]), connected_by_id=data["connected_by_id"],
        connected_by_name=data.get("connected_by_name"),
        connected=_parse(data["connected"]) or datetime.min,
        webhook_state=WebhookState(data.get("webhook_state", "notRegistered")),
        webhook_host=data.get("webhook_host"), last_event=_parse(data.get("last_event")),
        last_sync=None if sync is None else LastSync(
            started=_parse(sync["started"]) or datetime.min, finished=_parse(sync["finished"]),
            counts=SyncCounts(**sync["counts"]), error=sync.get("error")),
        watermark=_parse(data.get("watermark")),
    )


def _stamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
