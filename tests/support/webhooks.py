"""A real HTTP receiver on 127.0.0.1 for webhook tests: records every request and answers
each path with a scripted sequence of statuses (the last one repeats).

It is an integrator's receiver built only from published libraries: a path with a trusted
secret verifies each webhook with ``standardwebhooks`` (answering 401 when that fails, as a
real receiver would) and every body is parsed with the ``cloudevents`` SDK."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cloudevents.v1.http import from_http
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool | None = None  # None: no secret trusted for the path
    status: int = 200

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event(self) -> Any:
        """The CloudEvent as the cloudevents SDK reads it (structured mode)."""
        return from_http(self.headers, self.body)


def verifies(secret: str, headers: dict[str, str], body: bytes) -> bool:
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


class WebhookReceiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, list[int]] = {}
        self._secrets: dict[str, str] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver._record(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, statuses: list[int]) -> None:
        with self._lock:
            self._scripts[path] = list(statuses)

    def trust(self, path: str, secret: str) -> None:
        """Verify webhooks at ``path`` with ``secret`` from now on."""
        with self._lock:
            self._secrets[path] = secret

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            secret = self._secrets.get(path)
            ok = verifies(secret, headers, body) if secret else None
            script = self._scripts.get(path)
            status = 200 if not script else script.pop(0) if len(script) > 1 else script[0]
            status = 401 if ok is False else status
            self.requests.append(Received(path, headers, body, ok, status))
            return status

    def received(self, path: str, event_type: str | None = None,
                 referral_id: str | None = None) -> list[Received]:
        """Requests at ``path``, optionally only of one event type and about one referral
        (the receiver is shared by the whole session, so tests filter by their own ids)."""
        with self._lock:
            return [r for r in self.requests if r.path == path
                    and (event_type is None or r.json.get("type") == event_type)
                    and (referral_id is None or r.json.get("subject") == referral_id)]

    def wait_for(self, path: str, event_type: str | None = None, count: int = 1,
                 timeout: float = 20.0, referral_id: str | None = None) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received(path, event_type, referral_id)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        got = self.received(path, event_type, referral_id)
        raise AssertionError(f"expected {count} {event_type or 'request'}(s) at {path}, "
                             f"got {len(got)}")

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
