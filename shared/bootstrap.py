"""The composition root: the one place that turns settings into clients and services.

``build_context`` is explicit and typed: tests call it (or build a ``Runtime`` over in-memory
repositories) and hand the result to the code under test. The functions use ``runtime()``,
built once per worker on first use, so indexing the function app (cold start) stays cheap;
only the settings are read at import (function_app.py), so an invalid one stops the app.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import requests

from shared.auth.entra import JwksCache
from shared.notifications.mail import Mailer, SmtpMailer
from shared.services.context import Context, utcnow
from shared.settings import EmailMode, Settings, StorageSettings
from shared.storage.environment import client_options
from shared.storage.ports.privacy import PrivacyPorts
from shared.storage.ports.sweeps import SweepPorts

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.data.tables import TableClient, TableServiceClient
    from azure.storage.queue import QueueClient

    from shared.partner_center.api.verification import EventVerifier
    from shared.partner_center.runtime import PartnerCenterRuntime


@dataclass(frozen=True)
class Runtime:
    """Everything a function invocation needs: the use cases' context, plus the edge's own
    clients (one pooled HTTP session for webhooks and the Entra signing-key cache)."""

    ctx: Context
    http: requests.Session
    jwks: JwksCache
    # Readiness (GET /api/health?ready=1): raises when storage cannot be reached.
    probe: Callable[[], None] = lambda: None
    # Sends the e-mail notifications; None when EMAIL_MODE sends none.
    mailer: Mailer | None = None

    @property
    def settings(self) -> Settings:
        return self.ctx.settings


def build_runtime(ctx: Context, http: requests.Session | None = None,
                  probe: Callable[[], None] | None = None) -> Runtime:
    session = http or requests.Session()
    jwks = JwksCache(ctx.settings.entra_jwks_url, session)
    return Runtime(ctx, session, jwks, probe or (lambda: None), build_mailer(ctx.settings))


def build_mailer(cfg: Settings) -> Mailer | None:
    """The e-mail transport EMAIL_MODE names (settings.py checked what each one needs)."""
    email = cfg.email
    if email.mode is EmailMode.SMTP and email.smtp_host:
        return SmtpMailer(email.smtp_host, email.smtp_port, email.smtp_starttls,
                          email.smtp_username, email.smtp_password)
    if email.mode is EmailMode.ACS and email.acs_endpoint:
        from shared.notifications.acs_mail import AcsMailer  # lazy: only ACS mode needs it

        return AcsMailer(email.acs_endpoint, _credential(cfg.storage))
    return None


@cache
def settings() -> Settings:
    """The worker's settings, read once. Separate from ``runtime()`` so that routes that
    need no storage (sign-in config, auth failures) never build storage clients."""
    return Settings.from_env()


@cache
def runtime() -> Runtime:
    """The worker's runtime, from the environment, built on first use."""
    cfg = settings()
    return build_runtime(build_context(cfg), probe=storage_probe(cfg.storage))


def storage_probe(storage: StorageSettings) -> Callable[[], None]:
    """Reads one entity of the Referrals table and peeks one message of the notifications
    queue with the app's credentials: proof that the identity reaches Tables and Queues.
    Raises whatever the SDK raises when it cannot."""
    from shared.notifications.queue import NOTIFICATIONS_QUEUE
    from shared.storage.layout.keys import REFERRALS_TABLE

    table = table_service(storage).get_table_client(REFERRALS_TABLE)
    queue = queue_client(storage, NOTIFICATIONS_QUEUE)

    def probe() -> None:
        next(iter(table.list_entities(results_per_page=1, select=["PartitionKey"])), None)
        queue.peek_messages(max_messages=1)

    return probe


def build_context(cfg: Settings, *, clock: Callable[[], datetime] = utcnow) -> Context:
    from shared.marketplace.store import TableEndpoints
    from shared.notifications.queue import (
        NOTIFICATIONS_QUEUE,
        POISON_QUEUE,
        QUEUES,
        StorageQueue,
    )
    from shared.partner_center.state.store import PARTNER_CENTER_TABLE
    from shared.partner_center.state.work_queue import QUEUES as PARTNER_CENTER_QUEUES
    from shared.storage.layout import keys
    from shared.storage.tables.claims import TableClaims
    from shared.storage.tables.outbox import TableOutbox
    from shared.storage.tables.referrals import TableProfiles, TableReferrals
    from shared.storage.tables.refit_marks import TableRefitMarks
    from shared.storage.tables.secrets import TableSecrets
    from shared.storage.tables.sweep_queue import SWEEP_QUEUES

    service = table_service(cfg.storage)
    if not cfg.running_in_azure:
        # Bicep creates tables and queues in Azure; locally (Azurite) create what is missing.
        _ensure_resources(cfg.storage, service, (*keys.TABLES, PARTNER_CENTER_TABLE),
                          (*QUEUES, *SWEEP_QUEUES, *PARTNER_CENTER_QUEUES))
    referrals = service.get_table_client(keys.REFERRALS_TABLE)
    outbox_index = service.get_table_client(keys.OUTBOX_INDEX_TABLE)
    expiry = service.get_table_client(keys.EXPIRY_INDEX_TABLE)
    reminders = service.get_table_client(keys.REMINDER_INDEX_TABLE)
    profiles = service.get_table_client(keys.PROFILES_TABLE)
    sweeps = _sweep_ports(cfg.storage, referrals, expiry, reminders)
    return Context(
        referrals=TableReferrals(referrals, expiry, outbox_index, reminders, sweeps.fold_requests),
        profiles=TableProfiles(profiles),
        secrets=TableSecrets(profiles),
        claims=TableClaims(service.get_table_client(keys.REPEATABILITY_TABLE)),
        refits=TableRefitMarks(profiles),
        marketplace=TableEndpoints(profiles),
        outbox=TableOutbox(referrals, outbox_index),
        queue=StorageQueue(queue_client(cfg.storage, NOTIFICATIONS_QUEUE),
                           queue_client(cfg.storage, POISON_QUEUE)),
        sweeps=sweeps,
        settings=cfg,
        clock=clock,
        privacy=_privacy_ports(referrals, profiles, outbox_index, expiry),
    )


def _privacy_ports(referrals: TableClient, profiles: TableClient, outbox_index: TableClient,
                   expiry: TableClient) -> PrivacyPorts:
    from shared.privacy.archive_index import TableArchiveIndex
    from shared.privacy.store import TablePersonalData

    # The archive index shares ExpiryIndex (its own partitions: layout/archive.py).
    return PrivacyPorts(TablePersonalData(referrals, profiles, outbox_index),
                        TableArchiveIndex(expiry))


def _sweep_ports(storage: StorageSettings, referrals: TableClient, expiry: TableClient,
                 reminders: TableClient) -> SweepPorts:
    from shared.storage.layout.keys import due_day, hour_bucket
    from shared.storage.ports.folds import FoldRequests
    from shared.storage.tables.folds import TableFoldIndex, TableFoldMarks
    from shared.storage.tables.sweep_queue import SWEEP_QUEUE, StorageBatchQueue
    from shared.storage.tables.sweeps import TableBatchReads, TableDueIndex

    queue = StorageBatchQueue(queue_client(storage, SWEEP_QUEUE))
    return SweepPorts(
        expiry=TableDueIndex(expiry, due_day, timed=False),
        reminders=TableDueIndex(reminders, hour_bucket, timed=True),
        reads=TableBatchReads(referrals),
        queue=queue,
        # The fold index shares ExpiryIndex (its own partitions: layout/summaries.py).
        folds=TableFoldIndex(expiry),
        fold_requests=FoldRequests(TableFoldMarks(referrals, expiry), queue),
    )


def _ensure_resources(storage: StorageSettings, service: TableServiceClient,
                      tables: tuple[str, ...], queues: tuple[str, ...]) -> None:
    from azure.core.exceptions import ResourceExistsError

    for name in tables:
        service.create_table_if_not_exists(name)
    for name in queues:
        with contextlib.suppress(ResourceExistsError):
            queue_client(storage, name).create_queue()


def _credential(storage: StorageSettings) -> TokenCredential:
    from azure.identity import DefaultAzureCredential  # heavy: only for identity-based storage

    return DefaultAzureCredential(managed_identity_client_id=storage.client_id)


# Client timeouts and retries, set on purpose. The SDK defaults (300 s to connect and to
# read, 10 table retries, queue back-offs starting at 15 s) hold a request for minutes while
# storage is down, and the host's own timeout then ends it with a 500. Storage answers in
# milliseconds when it is up, so: 2 s to connect, 5 s per read, two quick retries (which
# still ride out a dropped connection or a brief ServerBusy); after that the edge answers
# 503 with Retry-After within a few seconds and the caller retries. Proxies and the CA bundle
# are read from the environment once per client, not per request (storage/environment.py).
CONNECT_TIMEOUT_SECONDS = 2
READ_TIMEOUT_SECONDS = 5
RETRIES = 2
_TIMEOUTS = {"connection_timeout": CONNECT_TIMEOUT_SECONDS, "read_timeout": READ_TIMEOUT_SECONDS}
# Sub-second back-off between queue retries (the SDK takes floats; its stubs say int).
_QUEUE_RETRY: dict[str, Any] = {"backoff": 0.3, "random_jitter_range": 0.1,
                                "retry_total": RETRIES}


def table_service(storage: StorageSettings) -> TableServiceClient:
    from azure.data.tables import TableServiceClient

    options: dict[str, Any] = {**_TIMEOUTS, "retry_total": RETRIES,
                               "retry_backoff_factor": 0.2, "retry_backoff_max": 1}
    if storage.connection_string:
        cs = storage.connection_string
        # The SDK parses the connection string (no I/O) to name the endpoint first.
        url = TableServiceClient.from_connection_string(cs).url
        return TableServiceClient.from_connection_string(cs, **options, **client_options(url))
    url = str(storage.table_service_uri)
    return TableServiceClient(endpoint=url, credential=_credential(storage), **options,
                              **client_options(url))


def queue_client(storage: StorageSettings, name: str) -> QueueClient:
    from azure.storage.queue import LinearRetry, QueueClient, TextBase64EncodePolicy

    options: dict[str, Any] = {**_TIMEOUTS, "message_encode_policy": TextBase64EncodePolicy(),
                               "retry_policy": LinearRetry(**_QUEUE_RETRY)}
    if storage.connection_string:
        cs = storage.connection_string
        url = QueueClient.from_connection_string(cs, name).url
        return QueueClient.from_connection_string(cs, name, **options, **client_options(url))
    url = str(storage.queue_service_uri)
    return QueueClient(url, name, credential=_credential(storage), **options,
                       **client_options(url))


@cache
def partner_center() -> PartnerCenterRuntime:
    """The Partner Center connector's runtime (contract section 9), built on first use."""
    from shared.partner_center.runtime import PartnerCenterRuntime, build_auth
    from shared.partner_center.state.rate_table import TableRateLimiter
    from shared.partner_center.state.store import PARTNER_CENTER_TABLE, ConnectionStore
    from shared.partner_center.state.work_queue import SYNC_QUEUE, WorkQueue

    rt = runtime()
    cfg = rt.settings
    table = table_service(cfg.storage).get_table_client(PARTNER_CENTER_TABLE)
    return PartnerCenterRuntime(
        ctx=rt.ctx, store=ConnectionStore(table),
        work=WorkQueue(queue_client(cfg.storage, SYNC_QUEUE)),
        limiter=TableRateLimiter(table, cfg.partner_center.max_rps), session=rt.http,
        auth=build_auth(rt.ctx, rt.http))


@cache
def event_verifier() -> EventVerifier:
    """One per worker: it caches certificates by URL for up to 24 hours."""
    from shared.partner_center.api.certificates import http_fetcher, load_roots
    from shared.partner_center.api.verification import EventVerifier

    pc = settings().partner_center
    return EventVerifier(allowed_prefixes=pc.cert_url_prefixes,
                         roots=load_roots(pc.trusted_roots), fetch=http_fetcher(),
                         allow_loopback_http=pc.allow_loopback_http)
