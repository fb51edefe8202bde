"""local.settings.json, host.json and connection strings."""

from __future__ import annotations

import json

import pytest

from devhost import DevhostError
from devhost.settings import (
    DEV_CONNECTION_STRING,
    QueueOptions,
    expand_development_storage,
    load_host_config,
    load_local_settings,
    parse_timespan,
    resolve_setting_refs,
    storage_connection_string,
)


def write_json(path, doc):
    path.write_text(json.dumps(doc))


def test_values_fill_the_environment_but_real_variables_win(tmp_path):
    write_json(
        tmp_path / "local.settings.json",
        {"IsEncrypted": False, "Values": {"A": "file", "B": "file", "N": 3, "F": True}},
    )
    env = {"B": "env"}
    report = load_local_settings(tmp_path, env)
    assert env == {"A": "file", "B": "env", "N": "3", "F": "true"}
    assert report.skipped == ("B",)
    assert set(report.applied) == {"A", "N", "F"}
    assert not report.copied_from_sample


def test_sample_is_copied_when_local_settings_is_absent(tmp_path):
    write_json(tmp_path / "local.settings.sample.json", {"Values": {"A": "sample"}})
    env: dict[str, str] = {}
    report = load_local_settings(tmp_path, env)
    assert report.copied_from_sample
    assert (tmp_path / "local.settings.json").read_text() == (
        tmp_path / "local.settings.sample.json"
    ).read_text()
    assert env == {"A": "sample"}


def test_existing_local_settings_is_not_overwritten_by_sample(tmp_path):
    write_json(tmp_path / "local.settings.sample.json", {"Values": {"A": "sample"}})
    write_json(tmp_path / "local.settings.json", {"Values": {"A": "mine"}})
    env: dict[str, str] = {}
    load_local_settings(tmp_path, env)
    assert env == {"A": "mine"}


def test_no_settings_files_is_fine(tmp_path):
    env: dict[str, str] = {}
    assert load_local_settings(tmp_path, env).applied == ()
    assert env == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read"),
        ("[]", "expected a JSON object"),
        ('{"IsEncrypted": true, "Values": {}}', "encrypted"),
        ('{"Values": []}', "must be an object"),
    ],
)
def test_bad_local_settings_fail_loudly(tmp_path, content, message):
    (tmp_path / "local.settings.json").write_text(content)
    with pytest.raises(DevhostError, match=message):
        load_local_settings(tmp_path, {})


def test_resolve_setting_refs():
    env = {"SCHEDULE": "0 0 2 * * *", "Q": "notifications"}
    assert resolve_setting_refs("%SCHEDULE%", env) == "0 0 2 * * *"
    assert resolve_setting_refs("%Q%-poison", env) == "notifications-poison"
    assert resolve_setting_refs("plain", env) == "plain"
    with pytest.raises(DevhostError, match="does not resolve"):
        resolve_setting_refs("%MISSING%", env)


@pytest.mark.parametrize(
    "value",
    ["UseDevelopmentStorage=true", "usedevelopmentstorage=TRUE;", " UseDevelopmentStorage = true "],
)
def test_development_storage_is_spelled_out(value):
    assert expand_development_storage(value) == DEV_CONNECTION_STRING
    assert "QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1" in DEV_CONNECTION_STRING
    assert "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1" in DEV_CONNECTION_STRING


def test_other_connection_strings_pass_through():
    conn = (
        "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;EndpointSuffix=core.windows.net"
    )
    assert expand_development_storage(conn) == conn


def test_connection_lookup_prefers_azurewebjobs_prefix():
    env = {
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "Other": "x=1",
        "AzureWebJobsOther": "y=2",
    }
    assert storage_connection_string("AzureWebJobsStorage", env) == DEV_CONNECTION_STRING
    assert storage_connection_string(None, env) == DEV_CONNECTION_STRING
    assert storage_connection_string("Storage", env) == DEV_CONNECTION_STRING
    assert storage_connection_string("Other", env) == "y=2"
    with pytest.raises(DevhostError, match="missing connection string: set Nope"):
        storage_connection_string("Nope", env)
    with pytest.raises(DevhostError, match="missing connection string"):
        storage_connection_string(None, {"AzureWebJobsStorage": ""})


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00:10", 10),
        ("00:01:00", 60),
        ("01:00", 3600),
        ("1.02:03:04", 93784),
        ("00:00:00.5", 0.5),
    ],
)
def test_parse_timespan(text, seconds):
    assert parse_timespan(text) == seconds


def test_parse_timespan_rejects_garbage():
    with pytest.raises(DevhostError):
        parse_timespan("10s")


def test_host_config_defaults(tmp_path):
    config = load_host_config(tmp_path, {})
    assert config.route_prefix == "api"
    assert config.queues == QueueOptions(5, 0.0, 60.0, "base64")


def test_host_config_reads_extensions(tmp_path):
    write_json(
        tmp_path / "host.json",
        {
            "version": "2.0",
            "extensions": {
                "http": {"routePrefix": "/v1/"},
                "queues": {
                    "maxDequeueCount": 2,
                    "visibilityTimeout": "00:00:10",
                    "maxPollingInterval": "00:00:02",
                    "messageEncoding": "none",
                },
            },
        },
    )
    config = load_host_config(tmp_path, {})
    assert config.route_prefix == "v1"
    assert config.queues == QueueOptions(2, 10.0, 2.0, "none")


def test_empty_route_prefix(tmp_path):
    write_json(tmp_path / "host.json", {"extensions": {"http": {"routePrefix": ""}}})
    assert load_host_config(tmp_path, {}).route_prefix == ""


def test_env_overrides_for_tests(tmp_path):
    write_json(
        tmp_path / "host.json", {"extensions": {"queues": {"visibilityTimeout": "00:00:10"}}}
    )
    env = {"DEVHOST_QUEUE_VISIBILITY_TIMEOUT": "0", "DEVHOST_MAX_POLLING_INTERVAL": "0.25"}
    queues = load_host_config(tmp_path, env).queues
    assert (queues.visibility_timeout, queues.max_polling_interval) == (0.0, 0.25)
    with pytest.raises(DevhostError, match="DEVHOST_MAX_POLLING_INTERVAL"):
        load_host_config(tmp_path, {"DEVHOST_MAX_POLLING_INTERVAL": "soon"})


def test_bad_message_encoding(tmp_path):
    write_json(tmp_path / "host.json", {"extensions": {"queues": {"messageEncoding": "utf8"}}})
    with pytest.raises(DevhostError, match="messageEncoding"):
        load_host_config(tmp_path, {})
