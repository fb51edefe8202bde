"""A counting reverse proxy in front of Azurite, so a benchmark can count the storage requests
another process (devhost) makes: point the app's connection string at the proxy's ports and
every request passes through here on its way to the emulator, unchanged.

Each request is classified: the service (table, queue, blob), read or write, the tables a
request touches (a ``$batch`` names them in its body), and for a queue receive whether it got
a message. An empty receive is the host's idle polling, which runs all the time and is not
work the app did for anything: it is counted apart (``idle``), and the quiet detection
ignores it. Table reads also count the entities in their answers.

SharedKey signatures cover the account and path, not the host, so forwarding the request
as it came (headers included) keeps it valid.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.azurite import ACCOUNT, KEY, Azurite

WRITES = {"POST", "PUT", "PATCH", "MERGE", "DELETE"}
_TABLE_IN_PATH = re.compile(rf"^/{ACCOUNT}/([A-Za-z][A-Za-z0-9]*)")
_TABLE_IN_BATCH = re.compile(rb"(?:POST|PUT|PATCH|MERGE|DELETE) https?://[^/]+/"
                             + ACCOUNT.encode() + rb"/([A-Za-z][A-Za-z0-9]*)")
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


@dataclass(frozen=True)
class Seen:
    """One request: ``kind`` is e.g. ``table.read``, ``table.write``, ``queue.write``."""

    service: str
    kind: str
    tables: tuple[str, ...]
    entities: int
    idle: bool


def classify(service: str, method: str, path: str, body: bytes, answer: bytes) -> Seen:
    write = method in WRITES
    if service == "table":
        if path.split("?")[0].endswith("/$batch"):
            tables = tuple(sorted({m.decode() for m in _TABLE_IN_BATCH.findall(body)}))
            return Seen(service, "table.write", tables, 0, False)
        match = _TABLE_IN_PATH.match(path)
        table = match.group(1).split("(")[0] if match else "?"
        if write:
            return Seen(service, "table.write", (table,), 0, False)
        return Seen(service, "table.read", (table,), _entities(answer), False)
    idle = (service == "queue" and method == "GET" and "/messages" in path
            and b"<QueueMessage>" not in answer)
    return Seen(service, f"{service}.{'write' if write else 'read'}", (), 0, idle)


def _entities(answer: bytes) -> int:
    """Entities in a Table answer: one per ``odata.etag`` (a point read answers one)."""
    return answer.count(b'"odata.etag"')


class Counts:
    """Everything the proxy saw, thread-safe; ``snapshot`` and ``since`` give differences."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.kinds: Counter[str] = Counter()
        self.last_work = time.monotonic()
        self.trace: list[tuple[float, str, str, str, float]] | None = None

    def add(self, seen: Seen) -> None:
        with self._lock:
            if seen.idle:
                self.kinds["idle"] += 1
                return
            self.last_work = time.monotonic()
            self.kinds[seen.kind] += 1
            self.kinds["entities"] += seen.entities
            for table in seen.tables:
                self.kinds[f"{seen.kind}:{table}"] += 1

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.kinds)

    def since(self, before: Counter[str]) -> dict[str, int]:
        now = self.snapshot()
        return {k: now[k] - before.get(k, 0) for k in now if now[k] - before.get(k, 0)}

    def wait_quiet(self, quiet_s: float = 1.5, timeout: float = 600.0) -> None:
        """Until no request but idle polling has passed for ``quiet_s`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if time.monotonic() - self.last_work >= quiet_s:
                return
            time.sleep(0.1)
        raise TimeoutError("storage traffic never went quiet")


def _handler(service: str, upstream_port: int, counts: Counts) -> type[BaseHTTPRequestHandler]:
    local = threading.local()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _forward(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(size) if size else b""
            t0 = time.monotonic()
            status, headers, answer = _send(local, upstream_port, self.command, self.path,
                                            dict(self.headers.items()), body)
            counts.add(classify(service, self.command, self.path, body, answer))
            if counts.trace is not None:
                counts.trace.append((t0, service, self.command, self.path[:160],
                                     (time.monotonic() - t0) * 1000))
            self.send_response_only(status)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = do_PATCH = do_MERGE = do_DELETE = do_HEAD = _forward
        do_OPTIONS = _forward

    return Handler


def _send(local: threading.local, port: int, method: str, path: str,
          headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    """One exchange with Azurite on this thread's keep-alive connection (reopened once)."""
    for attempt in (1, 2):
        conn = getattr(local, "conn", None) or http.client.HTTPConnection("127.0.0.1", port,
                                                                           timeout=120)
        local.conn = conn
        try:
            conn.request(method, path, body=body or None, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        except (ConnectionError, http.client.HTTPException):
            conn.close()
            local.conn = None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass
class ProxiedAzurite:
    counts: Counts
    ports: dict[str, int]

    @property
    def connection_string(self) -> str:
        p = self.ports
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
                f"BlobEndpoint=http://127.0.0.1:{p['blob']}/{ACCOUNT};"
                f"QueueEndpoint=http://127.0.0.1:{p['queue']}/{ACCOUNT};"
                f"TableEndpoint=http://127.0.0.1:{p['table']}/{ACCOUNT};")


@contextmanager
def counting_proxy(az: Azurite) -> Iterator[ProxiedAzurite]:
    counts = Counts()
    servers = []
    upstream = {"blob": az.blob_port, "queue": az.queue_port, "table": az.table_port}
    for service, port in upstream.items():
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service, port, counts))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append((service, server))
    try:
        yield ProxiedAzurite(counts, {s: srv.server_address[1] for s, srv in servers})
    finally:
        for _, server in servers:
            server.shutdown()
            server.server_close()
