"""Issue 27 item 9, and the continuation-token key of item 8: the development secrets that
local.settings.sample.json ships are public, so running in Azure with one of them stops the
app at start naming it; the token key is set, derived, or (locally only) the development one."""

from __future__ import annotations

import base64
import json

import pytest

from shared.secret_settings import DEVELOPMENT_CONTINUATION_KEY, DEVELOPMENT_SECRETS
from shared.settings import Settings, SettingsError
from tests.infra import sources

BASE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true"}
AZURE = {**BASE, "WEBSITE_INSTANCE_ID": "instance-1"}
OWN_KEY = base64.b64encode(b"k" * 32).decode()
SAMPLE = json.loads((sources.ROOT / "local.settings.sample.json").read_text())["Values"]


def test_the_known_development_values_are_the_samples_own():
    assert {k: SAMPLE[k] for k in DEVELOPMENT_SECRETS} == DEVELOPMENT_SECRETS
    secret_like = {k for k, v in SAMPLE.items() if v and any(
        word in k for word in ("SECRET", "KEY", "PASSWORD"))}
    assert secret_like <= set(DEVELOPMENT_SECRETS), "a new sample secret must be listed"


@pytest.mark.parametrize("name", sorted(DEVELOPMENT_SECRETS))
def test_a_sample_secret_stops_the_app_in_azure_naming_it(name):
    env = {**AZURE, "CONTINUATION_TOKEN_KEY": OWN_KEY, name: SAMPLE[name]}
    with pytest.raises(SettingsError, match=f"{name} is the development value"):
        Settings.from_env(env)
    Settings.from_env({**BASE, name: SAMPLE[name]})  # locally it is what the sample is for


def test_the_whole_sample_runs_locally_and_is_refused_in_azure():
    values = {k: str(v) for k, v in SAMPLE.items()}
    Settings.from_env(values)
    with pytest.raises(SettingsError, match="development value"):
        Settings.from_env({**values, "WEBSITE_INSTANCE_ID": "instance-1"})


def test_the_continuation_key_set_derived_or_development():
    assert Settings.from_env(BASE).continuation_token_key == DEVELOPMENT_CONTINUATION_KEY
    own = Settings.from_env({**AZURE, "CONTINUATION_TOKEN_KEY": OWN_KEY})
    assert own.continuation_token_key == b"k" * 32
    sealing = base64.b64encode(b"s" * 32).decode()
    derived = Settings.from_env({**AZURE, "WEBHOOK_SECRETS_KEY": sealing})
    assert derived.continuation_token_key not in (b"s" * 32, DEVELOPMENT_CONTINUATION_KEY)
    assert len(derived.continuation_token_key) == 32
    assert derived.continuation_token_key == Settings.from_env(
        {**AZURE, "WEBHOOK_SECRETS_KEY": sealing}).continuation_token_key  # every instance


@pytest.mark.parametrize("env,message", [
    (AZURE, "CONTINUATION_TOKEN_KEY is required when running in Azure"),
    ({**BASE, "CONTINUATION_TOKEN_KEY": base64.b64encode(b"k" * 31).decode()}, "at least 32"),
    ({**BASE, "CONTINUATION_TOKEN_KEY": "not base64!"}, "CONTINUATION_TOKEN_KEY must be"),
])
def test_a_missing_or_weak_continuation_key_stops_the_app(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)
