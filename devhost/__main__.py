"""`python -m devhost [--port N] [--host 127.0.0.1] [--script-root DIR]`: see README.md."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType

from devhost import DevhostError
from devhost.host import Host


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devhost",
        description="Serve function_app.py like Azure Functions Core Tools (`func start`).",
    )
    parser.add_argument("--port", type=int, default=7071, help="HTTP port (default 7071)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--script-root",
        default=".",
        help="folder with function_app.py, host.json, local.settings.json (default: cwd)",
    )
    return parser.parse_args(argv)


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="[%(asctime)s] %(message)s",
    )
    # The storage SDK logs every HTTP request at INFO, which would drown the function logs.
    logging.getLogger("azure").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    _configure_logging()
    try:
        host = Host(Path(args.script_root).resolve(), args.host, args.port)
    except DevhostError as exc:
        if exc.show_cause and exc.__cause__ is not None:
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        print(f"devhost: error: {exc}", file=sys.stderr, flush=True)
        return 1

    # A plain flag, not an Event: Event.set() from a handler deadlocks on the Event's own lock
    # when the signal lands while the main thread is inside Event.wait() holding it.
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(host.banner(), flush=True)
    host.start()
    # A short sleep keeps the main thread returning to the interpreter, so a handler runs
    # promptly even when the kernel hands the signal to one of the host's other threads.
    while not stopping:
        time.sleep(0.2)
    host.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
