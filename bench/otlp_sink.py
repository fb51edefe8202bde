"""An OTLP/http receiver in a process of its own, for ``bench.actions`` phase 3.

The exporter's work (encoding, the background HTTP post) is part of what tracing costs an
app, but a collector's decoding is not: in production it runs elsewhere. The receiver of the
tests (tests/support/otlp.py) decodes in its own threads, so in the bench's process it would
take the GIL from the requests being timed. Here it runs as ``python -m bench.otlp_sink``: it
prints its endpoint, serves until its stdin closes, then prints how many spans it received.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass
class Sink:
    endpoint: str
    spans: int = 0  # set when the sink has stopped


@contextmanager
def sink() -> Iterator[Sink]:
    proc = subprocess.Popen([sys.executable, "-m", "bench.otlp_sink"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        found = Sink(proc.stdout.readline().strip())
        if not found.endpoint.startswith("http://"):
            raise RuntimeError(f"bench.otlp_sink did not start: {found.endpoint!r}")
        yield found
        proc.stdin.close()
        found.spans = int(proc.stdout.readline().strip() or 0)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def main() -> None:
    from tests.support.otlp import OtlpReceiver

    receiver = OtlpReceiver()
    print(receiver.endpoint, flush=True)
    sys.stdin.read()  # until the bench closes it
    receiver.close()
    print(len(receiver.spans()), flush=True)


if __name__ == "__main__":
    main()
