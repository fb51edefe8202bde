"""The readiness probe through the app's own clients: passes against Azurite, raises when the
storage endpoint does not answer."""

from __future__ import annotations

import pytest
from azure.core.exceptions import AzureError

from shared.bootstrap import build_context, storage_probe
from shared.settings import AuthMode, Settings, StorageSettings
from tests.support.azurite import Azurite, free_port


def test_probe_reads_a_table_and_peeks_the_queue(azurite: Azurite) -> None:
    storage = StorageSettings(connection_string=azurite.connection_string)
    build_context(Settings(storage=storage, auth_mode=AuthMode.LOCAL))  # creates the tables
    storage_probe(storage)()


def test_probe_raises_when_storage_is_unreachable() -> None:
    port = free_port()
    dead = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
        f"KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
        f"QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    )
    probe = storage_probe(StorageSettings(connection_string=dead))
    with pytest.raises(AzureError):
        probe()
