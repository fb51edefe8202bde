from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.azurite import Azurite
from tests.support.devhost_proc import DevHost, start_devhost
from tests.support.webhooks import WebhookReceiver

SECRET = "e2e-signing-secret"


@pytest.fixture(scope="session")
def webhooks() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    yield receiver
    receiver.stop()


def host_env(azurite: Azurite, webhooks: WebhookReceiver, **extra: str) -> dict[str, str]:
    return {
        "AzureWebJobsStorage": azurite.connection_string,
        "AUTH_MODE": "local",
        "MICROSOFT_NOTIFICATION_URL": webhooks.url("/msft"),
        "CUSTOMER_NOTIFICATION_URL": webhooks.url("/customer"),
        "NOTIFICATION_SIGNING_SECRET": SECRET,
        "EXPIRY_SCHEDULE": "0 0 2 * * *",
        # Fast queue polling and retries so webhook tests take seconds, not minutes.
        "DEVHOST_MAX_POLLING_INTERVAL": "0.2",
        "DEVHOST_QUEUE_VISIBILITY_TIMEOUT": "0.3",
        "WEBSITE_INSTANCE_ID": "",
        **extra,
    }


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("devhost-logs")


@pytest.fixture(scope="session")
def devhost(azurite: Azurite, webhooks: WebhookReceiver, log_dir: Path) -> Iterator[DevHost]:
    host = start_devhost(host_env(azurite, webhooks), log_dir)
    yield host
    host.stop()
