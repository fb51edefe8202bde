"""Run the Partner Center simulation until interrupted.

    .venv/bin/python -m tools.partner_center_sim [--port 7080] [--seed 5] [--leads 8]
        [--tenant ID] [--state-dir DIR] [--retry-delay 2] [--tls]

Prints the settings that point the app at it (section 7's PARTNER_CENTER_* names) as
``NAME=value`` lines, then serves. ``--leads N`` seeds N referrals for ``--tenant`` (a mix:
mostly leads, some co-sell and outgoing ones the app must skip).
"""

from __future__ import annotations

import argparse
import sys

from tools.serving import serve_until_stopped

from .server import start_simulator
from .simulator import DEFAULT_TENANT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.partner_center_sim")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7080)
    parser.add_argument("--tenant", default=DEFAULT_TENANT)
    parser.add_argument("--leads", type=int, default=8, help="referrals to seed (0: none)")
    parser.add_argument("--seed", type=int, default=5, help="random seed of the made-up data")
    parser.add_argument("--state-dir", default=None, help="where the CA's PEM is written")
    parser.add_argument("--retry-delay", type=float, default=2.0,
                        help="seconds between event delivery attempts")
    parser.add_argument("--tls", action="store_true", help="serve https (trust the CA PEM)")
    args = parser.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("the simulation listens on loopback only")
    handle = start_simulator(args.port, host=args.host, tls=args.tls, state_dir=args.state_dir,
                             retry_delay=args.retry_delay)
    if args.leads:
        handle.seed(args.tenant, args.leads, args.seed)
    for name, value in handle.settings().items():
        print(f"{name}={value}")
    serve_until_stopped(handle.stop, f"# Partner Center simulation at {handle.url} (tenant "
                                     f"{args.tenant}); control API at {handle.url}/_sim/info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
