"""Run the webhook inbox until interrupted.

    .venv/bin/python -m tools.webhook_inbox [--port 1081] [--secret whsec_...]
        [--settings local.settings.json]

``--settings`` reads NOTIFICATION_SIGNING_SECRET (an environment variable of that name wins,
as it does for the app) to verify what the app sends to MICROSOFT_NOTIFICATION_URL and
CUSTOMER_NOTIFICATION_URL; the partner's own secret is given with ``--secret`` or later on
the page (or ``curl -d "$SECRET" http://127.0.0.1:1081/secret``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from tools.serving import serve_until_stopped

from .server import start_inbox

SIGNING = "NOTIFICATION_SIGNING_SECRET"


def known_secrets(settings: Path | None, given: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    value = os.environ.get(SIGNING)
    if value is None and settings is not None and settings.exists():
        value = json.loads(settings.read_text(encoding="utf-8")).get("Values", {}).get(SIGNING)
    if value:
        found[SIGNING] = value
    for secret in given:
        found[f"the partner's secret ending …{secret.strip()[-6:]}"] = secret
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.webhook_inbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=1081)
    parser.add_argument("--secret", action="append", default=[], help="a whsec_ secret")
    parser.add_argument("--settings", type=Path, help="local.settings.json")
    args = parser.parse_args(argv)
    try:
        handle = start_inbox(args.port, secrets=known_secrets(args.settings, args.secret))
    except ValueError as exc:
        parser.error(f"a secret is not usable: {exc}")
    serve_until_stopped(handle.stop, f"# Webhook inbox at {handle.url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
