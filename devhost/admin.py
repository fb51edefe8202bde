"""The parts of the host's admin API that developers and tests use.

- `GET /admin/host/status` -> 200 `{"state": "Running"}` once devhost serves requests.
- `GET /admin/functions` -> 200, the indexed functions (name, trigger type).
- `POST /admin/functions/{name}` with `{"input": "..."}` runs a timer or queue function once.
  Core Tools answers 202 at once and runs the function in the background; devhost runs it to
  completion first and then answers 202, or 500 with the error if it raised, so a test that
  gets 202 knows the function has finished. A queue function gets the input as its message
  body (not through the queue: no retry, no poison); a timer function gets a TimerRequest
  with past_due False and never overlaps a scheduled run of itself.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from devhost.indexing import HTTP, QUEUE, TIMER, FunctionSpec
from devhost.invoke import Invoker, Outcome
from devhost.queues import trigger_message
from devhost.timers import TimerRunner

ADMIN_REASON = "This function was programmatically called via the host APIs."


@dataclass(frozen=True)
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def text_reply(status: int, text: str) -> Reply:
    return Reply(status, [("Content-Type", "text/plain; charset=utf-8")], text.encode())


def json_reply(status: int, value: object) -> Reply:
    body = json.dumps(value).encode()
    return Reply(status, [("Content-Type", "application/json; charset=utf-8")], body)


class Admin:
    def __init__(
        self, specs: list[FunctionSpec], invoker: Invoker, timers: dict[str, TimerRunner]
    ) -> None:
        # Function names are case-insensitive in the host.
        self._specs = {s.name.lower(): s for s in specs}
        self._invoker = invoker
        self._timers = timers

    def handle(self, method: str, path: str, body: bytes) -> Reply | None:
        """A reply for an /admin path, or None when the path is not an admin one."""
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[0].lower() != "admin":
            return None
        lowered = [p.lower() for p in parts]
        if lowered == ["admin", "host", "status"] and method in ("GET", "HEAD"):
            return json_reply(200, {"state": "Running", "version": "devhost"})
        if lowered == ["admin", "functions"] and method in ("GET", "HEAD"):
            listing = [{"name": s.name, "trigger": s.kind} for s in self._specs.values()]
            return json_reply(200, listing)
        if len(parts) == 3 and lowered[1] == "functions":
            if method != "POST":
                return text_reply(405, "use POST to run a function")
            return self.invoke(parts[2], body)
        return Reply(404)

    def invoke(self, name: str, body: bytes) -> Reply:
        spec = self._specs.get(name.lower())
        if spec is None:
            return text_reply(404, f"no function named {name!r}")
        try:
            doc = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError):
            return text_reply(400, 'body must be JSON: {"input": "..."}')
        given = doc.get("input", "") if isinstance(doc, dict) else None
        if not isinstance(given, str):
            return text_reply(400, 'body must be JSON with a string input: {"input": "..."}')
        if spec.kind == HTTP:
            return text_reply(400, f"{spec.name} is an HTTP function: call its route instead")
        outcome = self._run(spec, given)
        if outcome.ok:
            return Reply(202)
        error = outcome.error
        return text_reply(500, f"{spec.name} failed: {type(error).__name__}: {error}")

    def _run(self, spec: FunctionSpec, given: str) -> Outcome:
        if spec.kind == TIMER:
            return self._timers[spec.name].run_once(reason=ADMIN_REASON)
        assert spec.kind == QUEUE
        now = datetime.now(UTC)
        message = trigger_message(
            id=str(uuid.uuid4()),
            body=given.encode("utf-8"),
            dequeue_count=1,
            insertion_time=now,
            expiration_time=now + timedelta(days=7),
            time_next_visible=now,
        )
        return self._invoker.run(spec, message, ADMIN_REASON)
