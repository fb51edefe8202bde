from __future__ import annotations

import uuid

import pytest

from shared.bootstrap import build_context
from shared.services.context import Context
from shared.settings import AuthMode, Settings, StorageSettings
from tests.support.azurite import Azurite
from tests.support.memory_app import MemoryApp


@pytest.fixture(scope="session")
def table_context(azurite: Azurite) -> Context:
    cfg = Settings(storage=StorageSettings(connection_string=azurite.connection_string),
                   auth_mode=AuthMode.LOCAL)
    return build_context(cfg)


@pytest.fixture(params=["memory", "tables"])
def ctx(request: pytest.FixtureRequest) -> Context:
    """The same contract suite runs against the in-memory and the Table repositories."""
    if request.param == "memory":
        return MemoryApp().ctx
    return request.getfixturevalue("table_context")


@pytest.fixture
def partner() -> str:
    return f"p-{uuid.uuid4().hex[:12]}"
