"""Session-wide parts shared by every suite: one Azurite, one webhook receiver, one devhost.

They live here (not in a suite's conftest) so that e2e and browser tests share a single
devhost: two hosts with different settings polling one queue would steal each other's
notifications."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.azurite import Azurite, start_azurite
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.hosting import host_env
from tests.support.mailbox import Mailbox, session_mailbox, stop_session_mailbox
from tests.support.partner_center import (
    session_port,
    session_simulator,
    stop_session_simulator,
)
from tests.support.webhooks import WebhookReceiver
from tools.partner_center_sim import SimulatorHandle

# function_app.py checks the settings when it is imported, as the Functions host does at
# start; the in-process tests import it for its function metadata only.
os.environ.setdefault("AzureWebJobsStorage", "UseDevelopmentStorage=true")


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """One in-memory Azurite per test session, on free ports; stopped at the end."""
    az = start_azurite()
    try:
        yield az
    finally:
        az.stop()


@pytest.fixture(scope="session")
def webhooks() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """The session's SMTP server: every devhost e-mails it (hosting.host_env)."""
    yield session_mailbox()
    stop_session_mailbox()


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("devhost-logs")


@pytest.fixture(scope="session")
def devhost(azurite: Azurite, webhooks: WebhookReceiver, mailbox: Mailbox, log_dir: Path,
            partner_center: SimulatorHandle) -> Iterator[DevHost]:
    host = start_devhost(host_env(azurite, webhooks), log_dir, port=session_port())
    yield host
    host.stop()


@pytest.fixture(scope="session")
def partner_center() -> Iterator[SimulatorHandle]:
    """The session's simulated Partner Center (every devhost is pointed at it)."""
    yield session_simulator()
    stop_session_simulator()
