"""The composition root: builds settings, clients and the service context once, lazily.

Nothing here runs at import time, so indexing the function app (cold start) stays cheap and
cannot fail on a missing setting; the first request that needs storage builds it.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from shared.auth_entra import JwksCache
from shared.services.context import Context
from shared.settings import Settings, StorageSettings

_lock = threading.Lock()
_context: Context | None = None
_settings: Settings | None = None
_session: Any = None
_jwks: JwksCache | None = None


def settings() -> Settings:
    global _settings
    if _settings is None:
        _settings = Settings.from_env()
    return _settings


def context() -> Context:
    global _context
    if _context is None:
        with _lock:
            if _context is None:
                _context = build_context(settings())
    return _context


def http_session() -> Any:
    """One pooled requests.Session for webhook delivery (connections are reused)."""
    global _session
    if _session is None:
        import requests

        _session = requests.Session()
    return _session


def jwks_cache() -> JwksCache:
    """The Entra signing-key cache, shared by all requests of this worker."""
    global _jwks
    if _jwks is None:
        _jwks = JwksCache(settings().entra_jwks_url, http_session())
    return _jwks


def install(ctx: Context) -> None:
    """Use ``ctx`` (e.g. in-memory repositories) instead of building one (unit tests)."""
    global _context, _settings
    with _lock:
        _context, _settings = ctx, ctx.settings


def reset() -> None:
    """Forget the cached settings and clients (tests that change the environment)."""
    global _context, _settings, _jwks
    with _lock:
        _context, _settings, _jwks = None, None, None


def _credential(storage: StorageSettings) -> Any:
    from azure.identity import DefaultAzureCredential  # heavy: only for identity-based storage

    return DefaultAzureCredential(managed_identity_client_id=storage.client_id)


def table_service(storage: StorageSettings) -> Any:
    from azure.data.tables import TableServiceClient

    if storage.connection_string:
        return TableServiceClient.from_connection_string(storage.connection_string)
    return TableServiceClient(endpoint=str(storage.table_service_uri),
                              credential=_credential(storage))


def queue_client(storage: StorageSettings, name: str) -> Any:
    from azure.storage.queue import QueueClient, TextBase64EncodePolicy

    encode = TextBase64EncodePolicy()
    if storage.connection_string:
        return QueueClient.from_connection_string(
            storage.connection_string, name, message_encode_policy=encode
        )
    return QueueClient(str(storage.queue_service_uri), name, credential=_credential(storage),
                       message_encode_policy=encode)


def build_context(cfg: Settings, *, ensure_resources: bool = True) -> Context:
    from azure.core.exceptions import ResourceExistsError

    from shared.notifications.queue import NOTIFICATIONS_QUEUE, QUEUES, StorageQueue
    from shared.storage import keys
    from shared.storage.tables import TableOutbox, TableProfiles, TableReferrals

    service = table_service(cfg.storage)
    if ensure_resources:
        # Bicep creates these in Azure; locally (Azurite) the app creates what is missing.
        for name in keys.TABLES:
            service.create_table_if_not_exists(name)
        for name in QUEUES:
            with contextlib.suppress(ResourceExistsError):
                queue_client(cfg.storage, name).create_queue()
    referrals = service.get_table_client(keys.REFERRALS_TABLE)
    outbox_index = service.get_table_client(keys.OUTBOX_INDEX_TABLE)
    return Context(
        referrals=TableReferrals(
            referrals, service.get_table_client(keys.EXPIRY_INDEX_TABLE), outbox_index
        ),
        profiles=TableProfiles(service.get_table_client(keys.PROFILES_TABLE)),
        outbox=TableOutbox(referrals, outbox_index),
        queue=StorageQueue(queue_client(cfg.storage, NOTIFICATIONS_QUEUE)),
        settings=cfg,
    )
