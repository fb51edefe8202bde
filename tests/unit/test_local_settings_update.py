"""scripts/run keeps an older local.settings.json working: the sample's new settings are
added, the values already there are kept."""

from __future__ import annotations

import json
from pathlib import Path

from tools.local_settings import add_missing


def test_an_older_copy_gains_the_new_settings_and_keeps_its_own(tmp_path: Path) -> None:
    sample = tmp_path / "sample.json"
    sample.write_text(json.dumps({"Values": {"AUTH_MODE": "local", "NEW_SCHEDULE": "0 * * * * *"},
                                  "Host": {"LocalHttpPort": 7071}}))
    mine = tmp_path / "local.json"
    mine.write_text(json.dumps({"Values": {"AUTH_MODE": "entra"}}))
    assert add_missing(mine, sample) == ["NEW_SCHEDULE"]
    assert json.loads(mine.read_text())["Values"] == {"AUTH_MODE": "entra",
                                                      "NEW_SCHEDULE": "0 * * * * *"}
    assert add_missing(mine, sample) == []  # nothing more the second time


def test_a_missing_file_is_the_sample(tmp_path: Path) -> None:
    sample = tmp_path / "sample.json"
    sample.write_text('{"Values": {"A": "1"}}')
    mine = tmp_path / "local.json"
    assert add_missing(mine, sample) == [] and mine.read_text() == sample.read_text()
