"""local.settings.sample.json holds what a local run needs, and nothing unknown.

A setting the code starts to need locally (a new required one, or a new ``%NAME%`` in a
trigger) fails ``test_the_sample_has_what_a_local_run_needs``; a key the code stops
reading (or a typo) fails ``test_every_sample_key_is_known``.
"""

from __future__ import annotations

import json
from typing import Any

from shared.settings import AuthMode, Settings
from tests.infra import sources

SAMPLE = sources.ROOT / "local.settings.sample.json"

# Needed for `func start` / devhost against Azurite. The rest of the app's settings have
# defaults (settings.py) or are optional (notification URLs, entra-mode settings).
REQUIRED_LOCALLY = {
    "FUNCTIONS_WORKER_RUNTIME",  # Core Tools / the host: which language worker to start
    "AzureWebJobsStorage",  # host + app storage: UseDevelopmentStorage=true (Azurite)
    "AUTH_MODE",  # defaults to easyauth, which refuses every call outside Azure
    "NOTIFICATION_SIGNING_SECRET",  # needed as soon as a webhook URL is set locally
}

# Keys the Functions host / Core Tools read, not the app's code.
HOST_KNOWN = {
    "FUNCTIONS_WORKER_RUNTIME",
    "AzureWebJobsFeatureFlags",  # e.g. EnableWorkerIndexing (Python v2 model)
    "AzureWebJobsSecretStorageType",
    "PYTHON_SCRIPT_FILE_NAME",  # v2 model entry script (function_app.py by default)
}


def _values() -> dict[str, Any]:
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    assert doc.get("IsEncrypted") is False
    values = doc["Values"]
    assert isinstance(values, dict)
    return values


def test_the_sample_has_what_a_local_run_needs() -> None:
    values = _values()
    expressions, connections = sources.binding_settings(sources.app_python_files())
    needed = REQUIRED_LOCALLY | expressions | connections
    missing = sorted(k for k in needed if not str(values.get(k, "")).strip())
    assert not missing, f"local.settings.sample.json lacks (or leaves empty) {missing}"
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert values["AUTH_MODE"] in {m.value for m in AuthMode}


def test_every_sample_key_is_known() -> None:
    expressions, connections = sources.binding_settings(sources.app_python_files())
    known = sources.code_settings() | expressions | connections | HOST_KNOWN
    unknown = sorted(set(_values()) - known)
    assert not unknown, f"local.settings.sample.json has keys nothing reads: {unknown}"


def test_the_sample_builds_valid_settings() -> None:
    """The app's own validation accepts the sample as it is (all values strings)."""
    values = _values()
    assert all(isinstance(v, str) for v in values.values())
    settings = Settings.from_env(values)
    assert settings.storage.connection_string, "the sample should use Azurite"
