"""Bring an existing local.settings.json up to date with local.settings.sample.json: add the
sample's keys it lacks, keep every value already there. A file from an older checkout lacks
the settings added since (a timer's schedule among them, without which the host will not
start). scripts/run calls it: ``python -m tools.local_settings``."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def add_missing(mine: Path, sample: Path) -> list[str]:
    """The names added to ``mine`` (created from ``sample`` when absent)."""
    defaults = json.loads(sample.read_text(encoding="utf-8"))
    if not mine.exists():
        mine.write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
        return []
    data = json.loads(mine.read_text(encoding="utf-8"))
    values = data.setdefault("Values", {})
    missing = sorted(k for k in defaults.get("Values", {}) if k not in values)
    if missing:
        values.update({k: defaults["Values"][k] for k in missing})
        mine.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return missing


def main() -> int:
    added = add_missing(Path("local.settings.json"), Path("local.settings.sample.json"))
    if added:
        print("local.settings.json: added " + ", ".join(added) + " from the sample",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
