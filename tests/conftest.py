from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.azurite import Azurite, start_azurite


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """One in-memory Azurite per test session, on free ports; stopped at the end."""
    az = start_azurite()
    try:
        yield az
    finally:
        az.stop()
