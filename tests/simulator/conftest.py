from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools.partner_center_sim import SimulatorHandle, start_simulator

from .helpers import Receiver


@pytest.fixture(scope="session")
def pc_sim() -> Iterator[SimulatorHandle]:
    """One simulation for the suite, over real HTTP on 127.0.0.1; fast event retries."""
    handle = start_simulator(retry_delay=0.01)
    yield handle
    handle.stop()


@pytest.fixture
def sim(pc_sim: SimulatorHandle) -> SimulatorHandle:
    pc_sim.reset()
    return pc_sim


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()
