"""How the local tools (the Partner Center simulation, the webhook inbox) run in the
foreground: until Ctrl+C or a TERM (scripts/run stops them with one), then stop cleanly."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable

# How often the main thread wakes to look for a TERM. The kernel may hand a process-wide
# signal to any thread; CPython runs the Python handler only in the main thread, and only
# once that thread runs bytecode again. A main thread parked in a lock (Event.wait() with no
# timeout) then never sees a TERM that landed on a server thread: the tool kept its port
# after scripts/run stopped (seen in CI under load). A short sleep loop always comes back.
POLL_SECONDS = 0.2


def serve_until_stopped(stop: Callable[[], None], ready_line: str) -> None:
    """Print ``ready_line`` (what scripts/run waits for) once a TERM is handled, then serve."""
    stopping: list[int] = []
    # Only a flag here: an Event.set() from a handler can deadlock on the Event's own lock
    # when the signal lands while the main thread holds it.
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    print(ready_line, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while not stopping:
            time.sleep(POLL_SECONDS)
    stop()
