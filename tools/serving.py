"""How the local tools (the Partner Center simulation, the webhook inbox) run in the
foreground: until Ctrl+C or a TERM (scripts/run stops them with one), then stop cleanly."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable


def serve_until_stopped(stop: Callable[[], None]) -> None:
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopping.wait()
    stop()
