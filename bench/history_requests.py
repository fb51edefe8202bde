"""History bench: what each call asks of storage, counted by a response hook and classified
by query (point read, key range, RowKey ``or`` scan)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import parse_qs, unquote, urlsplit

from azure.data.tables import TableServiceClient

from shared.storage.ports.summaries import DELTA

from .common import table_context


@dataclass(frozen=True)
class Request:
    kind: str  # point | range | or-scan | other
    returned: int  # entities in the response
    low: tuple[str, str] | None = None  # RowKey bounds of a range query: (gt|ge, key)
    high: tuple[str, str] | None = None  # (lt|le, key)
    deltas: int = 0  # summary delta rows (``u|t|...``) among the entities returned


_RK_LOW = re.compile(r"RowKey (gt|ge) '((?:[^']|'')*)'")
_RK_HIGH = re.compile(r"RowKey (lt|le) '((?:[^']|'')*)'")


def _unquote(value: str) -> str:
    return value.replace("''", "'")


def classify(method: str, url: str, body: bytes) -> Request:
    """What one HTTP exchange was, from its URL and its JSON body."""
    if method != "GET":
        return Request("other", 0)
    parts = urlsplit(url)
    payload = json.loads(body) if body else {}
    if "PartitionKey=" in unquote(parts.path):  # GET /Table(PartitionKey='..',RowKey='..')
        return Request("point", 1 if "PartitionKey" in payload else 0)
    rows = payload.get("value", [])
    deltas = sum(1 for e in rows if str(e.get("RowKey", "")).startswith(DELTA))
    flt = parse_qs(parts.query).get("$filter", [""])[0]  # the SDK sends values inlined
    # The Table design guide: "Using an 'or' to specify a filter based on RowKey values
    # results in a partition scan, and isn't treated as a range query."
    if " or " in flt:
        return Request("or-scan", len(rows), deltas=deltas)
    low, high = _RK_LOW.search(flt), _RK_HIGH.search(flt)
    return Request("range", len(rows),
                   (low.group(1), _unquote(low.group(2))) if low else None,
                   (high.group(1), _unquote(high.group(2))) if high else None, deltas)


@dataclass
class RequestLog:
    """Every request the counted clients send, via azure-core's ``raw_response_hook``."""

    requests: list[Request] = field(default_factory=list)

    def hook(self, response: Any) -> None:
        http_req, http_res = response.http_request, response.http_response
        # Only reads answer entities; a transaction's answer is streamed and left unread.
        body = http_res.body() if http_req.method == "GET" else b""
        self.requests.append(classify(http_req.method, http_req.url, body))

    def take(self) -> list[Request]:
        taken, self.requests = self.requests, []
        return taken


def counted_context(connection_string: str, log: RequestLog) -> tuple[Any, TableServiceClient]:
    """The app's own context, built by ``bootstrap.build_context`` (every repository wired
    as the app wires it) over a ``TableServiceClient`` that reports every response to
    ``log``: bootstrap's ``table_service`` is swapped while it builds, so nothing in shared/
    needs a hook and the wiring cannot drift from the app's. Returns it with that client."""
    from shared import bootstrap

    service = TableServiceClient.from_connection_string(connection_string,
                                                        raw_response_hook=log.hook)
    with mock.patch.object(bootstrap, "table_service", lambda storage: service):
        return table_context(connection_string), service


