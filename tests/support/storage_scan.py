"""Read everything an Azurite holds: every entity of every table and every message of every
queue, to show where given values (a person's address, phone, names) are stored.

A queue can only be peeked 32 messages at a time, and a peek misses messages that are
invisible (held by a consumer, or sent with a delay). So the scan waits until, in every
queue, the peek shows as many messages as the queue says it holds, and fails if that never
happens: a scan that passes has read every message. It is meant for an Azurite of its own,
whose only consumer is one devhost that has finished its work (in the session's shared
Azurite other tests' messages come and go, and a busy queue may hold more than 32).
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass

from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueServiceClient

PEEK_LIMIT = 32  # the queue service's maximum for one peek


@dataclass(frozen=True)
class Place:
    """One stored item: a table entity or a queue message, as lowercase text."""

    where: str  # "table <name>" or "queue <name>"
    key: str  # "<PartitionKey>/<RowKey>" or the message id
    text: str


def table_items(connection_string: str) -> list[Place]:
    service = TableServiceClient.from_connection_string(connection_string)
    return [Place(f"table {t.name}", f"{e['PartitionKey']}/{e['RowKey']}",
                  repr(dict(e)).lower())
            for t in service.list_tables()
            for e in service.get_table_client(t.name).list_entities()]


def _decoded(content: str) -> str:
    """The message as sent and, when it is base64 (as the app's queues are), decoded too."""
    try:
        return content + "\n" + base64.b64decode(content, validate=True).decode("utf-8",
                                                                              "replace")
    except (binascii.Error, ValueError):
        return content


def _queue_once(service: QueueServiceClient) -> tuple[list[Place], list[str]]:
    """The messages of every queue, and the queues whose peek did not show them all."""
    places: list[Place] = []
    incomplete: list[str] = []
    for q in service.list_queues():
        client = service.get_queue_client(q.name)
        held = client.get_queue_properties().approximate_message_count or 0
        peeked = client.peek_messages(max_messages=PEEK_LIMIT)
        if held != len(peeked):
            incomplete.append(f"{q.name}: {len(peeked)} of {held}")
        places += [Place(f"queue {q.name}", m.id, _decoded(str(m.content)).lower())
                   for m in peeked]
    return places, incomplete


def queue_items(connection_string: str, timeout: float = 30.0) -> list[Place]:
    """Every message of every queue; waits for in-flight and delayed ones to settle."""
    service = QueueServiceClient.from_connection_string(connection_string)
    deadline = time.monotonic() + timeout
    while True:
        places, incomplete = _queue_once(service)
        if not incomplete:
            return places
        if time.monotonic() > deadline:
            raise AssertionError(f"could not read every queue message: {incomplete}")
        time.sleep(0.3)


def scan(connection_string: str) -> list[Place]:
    return table_items(connection_string) + queue_items(connection_string)


def holding(places: list[Place], values: list[str]) -> dict[str, list[Place]]:
    """For each value (compared in lowercase), the places that hold it."""
    return {v: [p for p in places if v.lower() in p.text] for v in values}
