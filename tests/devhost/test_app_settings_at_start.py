"""The real function app with an invalid setting: devhost does not start serving 500s, it
exits non-zero and says which setting is wrong (the app checks its settings on import)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.devhost.conftest import ROOT
from tests.support.azurite import free_port

# Valid in every form the signing secret setting accepts (whsec_ and 32 bytes of base64), so
# that only the setting under test is wrong.
SECRET = "whsec_" + "A" * 43 + "="


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devhost", "--port", str(free_port())],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "AzureWebJobsStorage": "UseDevelopmentStorage=true",
             "WEBSITE_INSTANCE_ID": "", "NOTIFICATION_SIGNING_SECRET": SECRET, **env},
    )


@pytest.mark.parametrize("name,value", [
    ("AUTH_MODE", "locall"),
    ("REFERRAL_RESPONSE_WINDOW", "14 days"),
    ("MICROSOFT_NOTIFICATION_URL", "https://169.254.169.254/hook"),
])
def test_invalid_setting_stops_devhost_naming_it(name, value):
    result = _start({name: value})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("devhost: error:") and "SettingsError" in last, result.stderr
    assert name in last and repr(value) in last
