"""What the inbox holds: the newest deliveries and the secrets to verify them with, in memory
(like MailDev's inbox, gone after a restart)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from .verify import Verdict, key_of, verify

KEEP = 500  # deliveries kept, newest first; an afternoon of local trying


@dataclass(frozen=True)
class Received:
    number: int
    path: str
    headers: dict[str, str]  # lower-case names, as they arrived
    body: bytes
    at: float  # unix seconds

    def event(self) -> dict[str, Any] | None:
        try:
            parsed = json.loads(self.body)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None


class Inbox:
    def __init__(self, secrets: dict[str, str] | None = None) -> None:
        self._lock = threading.Lock()
        self._items: deque[Received] = deque(maxlen=KEEP)
        self._secrets: dict[str, str] = {}
        self._count = 0
        for label, secret in (secrets or {}).items():
            self.add_secret(secret, label)

    def add_secret(self, secret: str, label: str | None = None) -> str:
        """Keep a secret to verify with (ValueError if it is no ``whsec_`` secret); its
        label. A rotated secret is added beside the old one, so older deliveries still tell."""
        secret = secret.strip()
        key_of(secret)
        name = label or f"the partner's secret ending …{secret[-6:]}"
        with self._lock:
            self._secrets[name] = secret
        return name

    def secret_labels(self) -> list[str]:
        with self._lock:
            return list(self._secrets)

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> Received:
        with self._lock:
            self._count += 1
            item = Received(self._count, path, headers, body, time.time())
            self._items.appendleft(item)
        return item

    def items(self) -> list[Received]:
        with self._lock:
            return list(self._items)

    def verdict(self, item: Received) -> Verdict:
        """Decided when asked, so a secret pasted after a delivery still verifies it."""
        with self._lock:
            secrets = dict(self._secrets)
        return verify(secrets, item.headers, item.body, item.at)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def as_json(self, item: Received) -> dict[str, Any]:
        verdict = self.verdict(item)
        return {"number": item.number, "path": item.path, "receivedAt": item.at,
                "headers": item.headers, "body": item.body.decode("utf-8", "replace"),
                "verified": verdict.verified, "verification": verdict.text}
