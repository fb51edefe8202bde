"""The storage clients honour the environment's proxy settings (read once when a client is
built, not on every request: storage/environment.py), against Azurite through a real
forward proxy."""

from __future__ import annotations

import uuid

import pytest

from shared.bootstrap import queue_client, table_service
from shared.settings import StorageSettings
from tests.support.azurite import Azurite
from tests.support.forward_proxy import forward_proxy

PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                   "all_proxy", "NO_PROXY", "no_proxy")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def _use_storage(azurite: Azurite) -> None:
    storage = StorageSettings(connection_string=azurite.connection_string)
    table = table_service(storage).create_table_if_not_exists(f"proxy{uuid.uuid4().hex[:12]}")
    table.upsert_entity({"PartitionKey": "p", "RowKey": "r", "n": 1})
    assert table.get_entity("p", "r")["n"] == 1
    queue = queue_client(storage, f"proxy-{uuid.uuid4().hex[:12]}")
    queue.create_queue()
    queue.send_message("hello")


def test_storage_requests_go_through_the_proxy_the_environment_names(
        azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> None:
    with forward_proxy() as (url, seen):
        monkeypatch.setenv("HTTP_PROXY", url)
        _use_storage(azurite)
    tables = [u for u in seen if u.startswith(f"http://127.0.0.1:{azurite.table_port}/")]
    queues = [u for u in seen if u.startswith(f"http://127.0.0.1:{azurite.queue_port}/")]
    assert len(tables) >= 3 and len(queues) >= 2, seen


def test_no_proxy_covering_the_storage_host_bypasses_the_proxy(
        azurite: Azurite, monkeypatch: pytest.MonkeyPatch) -> None:
    with forward_proxy() as (url, seen):
        monkeypatch.setenv("HTTP_PROXY", url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        _use_storage(azurite)
    assert seen == []
