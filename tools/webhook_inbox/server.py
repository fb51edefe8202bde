"""The inbox over HTTP: POST to any path but /secret and /clear is a delivery (answered 204);
GET / is the page, GET /deliveries the same as JSON; POST /secret takes the partner's secret
(a form field ``secret`` or the raw body)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from urllib.parse import quote

from tools.partner_center_sim.http_base import (
    HttpError,
    Request,
    Response,
    Router,
    json_response,
    make_server,
)

from .page import render
from .store import Inbox

HTML = {"Content-Type": "text/html; charset=utf-8"}


def _page(inbox: Inbox, request: Request) -> Response:
    notice = request.query.get("notice", "")[:200]
    return Response(200, render(inbox, notice).encode(), dict(HTML))


def _secret(inbox: Inbox, request: Request) -> Response:
    # The page's form sends secret=...; `curl -d "$SECRET"` sends the bare secret (with
    # curl's form content type all the same).
    given = request.form().get("secret") or request.body.decode("utf-8", "replace")
    try:
        label = inbox.add_secret(given)
    except ValueError as exc:
        if "text/html" in request.headers.get("accept", ""):
            return Response(303, b"", {"Location": "/?notice=" + quote(f"Not kept: {exc}.")})
        raise HttpError(400, "InvalidSecret", f"not kept: {exc}") from None
    if "text/html" in request.headers.get("accept", ""):  # the page's form
        return Response(303, b"", {"Location": "/?notice=" + quote(f"Verifying with {label}.")})
    return json_response({"verifyingWith": inbox.secret_labels()})


def _clear(inbox: Inbox) -> Response:
    inbox.clear()
    return Response(303, b"", {"Location": "/"})


def _receive(inbox: Inbox, request: Request) -> Response:
    inbox.receive(request.path, request.headers, request.body)
    return Response(204)


def router(inbox: Inbox) -> Router:
    r = Router()
    r.add("GET", "/", lambda req: _page(inbox, req))
    r.add("GET", "/deliveries", lambda req: json_response(
        {"value": [inbox.as_json(x) for x in inbox.items()]}))
    r.add("POST", "/secret", lambda req: _secret(inbox, req))
    r.add("POST", "/clear", lambda req: _clear(inbox))
    r.add("POST", "/.*", lambda req: _receive(inbox, req))  # every other path receives
    return r


@dataclass
class InboxHandle:
    url: str
    inbox: Inbox
    _server: ThreadingHTTPServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_inbox(port: int = 0, host: str = "127.0.0.1",
                secrets: dict[str, str] | None = None) -> InboxHandle:
    """Serve an inbox in a background thread (port 0: any free port)."""
    inbox = Inbox(secrets)
    server = make_server(host, port, router(inbox))
    thread = threading.Thread(target=server.serve_forever, name="webhook-inbox", daemon=True)
    thread.start()
    return InboxHandle(f"http://{host}:{server.server_address[1]}", inbox, server, thread)
