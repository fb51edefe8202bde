"""The HTTP front door: admin API and HTTP-triggered functions on a threading server.

Request mapping, as the host and the Python worker do it:
- `req.params` is the query string; a key given more than once arrives as its values joined
  by commas (`?a=1&a=2` -> `"1,2"`), as ASP.NET hands query values to the worker. Blank
  values are kept (`?a=` -> `""`).
- `req.headers` is case-insensitive; repeated headers are joined with ", ".
- `req.route_params` holds the matched route values, percent-decoded; an optional parameter
  that is absent is absent from the mapping (use `.get`).
- Function keys (authLevel FUNCTION/ADMIN) are not checked, like Core Tools.
Response: an HttpResponse's status, headers and body; Content-Type from its mimetype and
charset unless a header sets it (the worker's rule); a returned str is a 200 text/plain.
An exception, or a return that is not HttpResponse/str, is a 500 with an empty body and the
traceback logged, as on the host. A path no route matches (or a method the route does not
allow) is a 404, as ASP.NET routing answers.
"""

from __future__ import annotations

import logging
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func

from devhost.admin import ADMIN_REASON, Admin, Reply
from devhost.indexing import FunctionSpec
from devhost.invoke import Invoker
from devhost.routes import RouteTable

log = logging.getLogger("devhost")
# A marketplace lead URL's last segment is its key: never written to the log.
_LEAD_KEY = re.compile(r"(/api/marketplace/leads/)[^/?#]*")


class DevhostServer(ThreadingHTTPServer):
    daemon_threads = True
    # The stdlib default backlog is 5; bursts of parallel test clients need more.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        routes: RouteTable[FunctionSpec],
        admin: Admin,
        invoker: Invoker,
    ) -> None:
        self.routes = routes
        self.admin = admin
        self.invoker = invoker
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate sends; without TCP_NODELAY the body waits for the
    # client's delayed ACK (~40 ms on every small response).
    disable_nagle_algorithm = True
    server: DevhostServer

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = do_GET

    def __getattr__(self, name: str) -> Any:
        # Any other method (QUERY, PROPFIND, ...) goes through routing too, so it gets the
        # host's 404 rather than the stdlib's 501 "Unsupported method".
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug(format, *args)

    def _handle(self) -> None:
        started = time.monotonic()
        function = ""
        try:
            body = self._read_body()
        except ValueError as exc:
            reply = Reply(400, [("Content-Type", "text/plain")], str(exc).encode())
            self.close_connection = True
        else:
            try:
                reply, function = self._dispatch(body)
            except Exception:
                # A devhost bug, not the function's: still answer, and say where it came from.
                log.exception("devhost failed handling %s %s", self.command,
                              _loggable(self.path))
                reply = Reply(500)
        try:
            self._write(reply)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        ms = (time.monotonic() - started) * 1000
        suffix = f" [{function}]" if function else ""
        log.info("%s %s -> %d (%.1f ms)%s", self.command, _loggable(self.path), reply.status,
                 ms, suffix)

    def _dispatch(self, body: bytes) -> tuple[Reply, str]:
        parts = urlsplit(self.path)
        admin_reply = self.server.admin.handle(self.command, parts.path, body)
        if admin_reply is not None:
            return admin_reply, ""
        found = self.server.routes.resolve(self.command, parts.path)
        if found is None:
            return Reply(404), ""
        route, route_params = found
        spec = route.target
        request = func.HttpRequest(
            self.command,
            self._url(parts.path, parts.query),
            headers=self._headers(),
            params=_query_params(parts.query),
            route_params=route_params,
            body=body,
        )
        outcome = self.server.invoker.run(spec, request, ADMIN_REASON)
        if not outcome.ok:
            return Reply(500), spec.name
        return _to_reply(spec, outcome.value), spec.name

    def _url(self, path: str, query: str) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}{path}" + (f"?{query}" if query else "")

    def _headers(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for key, value in self.headers.items():
            k = key.lower()
            merged[k] = f"{merged[k]}, {value}" if k in merged else value
        return merged

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if not raw:
            return b""
        if not raw.strip().isdigit():
            raise ValueError(f"bad Content-Length: {raw!r}")
        return self.rfile.read(int(raw))

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            size_line = self.rfile.readline(65537).split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError as exc:
                raise ValueError("bad chunked encoding") from exc
            if size == 0:
                while self.rfile.readline(65537).strip():
                    pass  # trailers: not passed on, like most servers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(3)

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for key, value in reply.headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.body:
            self.wfile.write(reply.body)


def _query_params(query: str) -> dict[str, str]:
    grouped: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        grouped.setdefault(key, []).append(value)
    return {key: ",".join(values) for key, values in grouped.items()}


def _to_reply(spec: FunctionSpec, value: object) -> Reply:
    if isinstance(value, str):
        value = func.HttpResponse(value)
    if not isinstance(value, func.HttpResponse):
        log.error(
            "function %s returned %s; an HTTP function must return func.HttpResponse or str",
            spec.name,
            type(value).__name__,
        )
        return Reply(500)
    pairs = [(k, v) for k, v in value.headers.items() if k.lower() not in _HOP_HEADERS]
    if not any(k.lower() == "content-type" for k, _ in pairs):
        mime = value.mimetype
        pairs.append(
            (
                "Content-Type",
                f"{mime}; charset={value.charset}" if mime.startswith("text/") else mime,
            )
        )
    return Reply(int(value.status_code), pairs, value.get_body() or b"")


_HOP_HEADERS = {"content-length", "transfer-encoding", "connection"}


def _loggable(path: str) -> str:
    return _LEAD_KEY.sub(r"\1***", path)
