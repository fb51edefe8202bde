"""Queue triggers and queue outputs against Azure Storage (Azurite locally).

Mirrors the Functions host's queue trigger: receive a message (hidden while it runs), decode
it per host.json `messageEncoding`, invoke; on success delete it; on failure make it visible
again after `visibilityTimeout`, until its dequeue count reaches `maxDequeueCount`, when the
original raw text goes to `<queue>-poison`. Differences: one message at a time per function
(batchSize 1), and no lease renewal (a message is hidden for LEASE_SECONDS while it runs).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import threading
from datetime import datetime
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.functions.queue import QueueMessage as FuncQueueMessage
from azure.storage.queue import QueueClient, QueueMessage

from devhost.indexing import FunctionSpec
from devhost.invoke import Invoker
from devhost.settings import QueueOptions, resolve_setting_refs, storage_connection_string

log = logging.getLogger("devhost")

# Long enough for any sane function; if devhost dies mid-message, the message reappears
# after this and is retried, which is the at-least-once delivery the host also gives.
LEASE_SECONDS = 300
MIN_POLL = 0.1


def make_client(connection_string: str, queue_name: str, retries: int = 0) -> QueueClient:
    # The SDK's default retry waits 15 s and more between tries, which would stall shutdown
    # and hide outages; the poll loop does its own backoff instead.
    return QueueClient.from_connection_string(
        connection_string,
        queue_name,
        retry_total=retries,
        initial_backoff=1,
        increment_base=1,
        connection_timeout=5,
        read_timeout=30,
    )


def encode(body: bytes, encoding: str) -> str:
    return base64.b64encode(body).decode("ascii") if encoding == "base64" else body.decode()


def decode(raw: str, encoding: str) -> bytes:
    """Message text to body bytes; ValueError when it is not what host.json says it is."""
    if encoding != "base64":
        return raw.encode("utf-8")
    try:
        return base64.b64decode("".join(raw.split()), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"not valid base64: {exc}") from exc


def ensure_queue(client: QueueClient) -> None:
    with contextlib.suppress(ResourceExistsError):
        client.create_queue()


def trigger_message(
    *,
    id: str,
    body: bytes,
    dequeue_count: int,
    pop_receipt: str | None = None,
    insertion_time: datetime | None = None,
    expiration_time: datetime | None = None,
    time_next_visible: datetime | None = None,
) -> FuncQueueMessage:
    """The QueueMessage a queue-triggered function receives, with the host's metadata."""
    return FuncQueueMessage(  # type: ignore[no-untyped-call]  # the SDK class is untyped
        id=id,
        body=body,
        dequeue_count=dequeue_count,
        pop_receipt=pop_receipt,
        insertion_time=insertion_time,
        expiration_time=expiration_time,
        time_next_visible=time_next_visible,
    )


class QueueOutput:
    """Sends what a function put in a queue output binding, encoded like the trigger expects."""

    def __init__(self, options: QueueOptions) -> None:
        self._options = options
        self._clients: dict[tuple[str, str], QueueClient] = {}
        self._lock = threading.Lock()

    def send(self, binding: dict[str, Any], messages: list[bytes]) -> None:
        client = self._client(binding)
        for body in messages:
            text = encode(body, self._options.message_encoding)
            try:
                client.send_message(text)
            except ResourceNotFoundError:
                ensure_queue(client)
                client.send_message(text)

    def _client(self, binding: dict[str, Any]) -> QueueClient:
        conn = storage_connection_string(binding.get("connection"))
        queue = resolve_setting_refs(str(binding["queueName"]))
        with self._lock:
            if (conn, queue) not in self._clients:
                self._clients[(conn, queue)] = make_client(conn, queue, retries=2)
            return self._clients[(conn, queue)]


class QueueWorker:
    def __init__(
        self,
        spec: FunctionSpec,
        invoker: Invoker,
        options: QueueOptions,
        stop: threading.Event,
    ) -> None:
        self.spec = spec
        self.queue_name = resolve_setting_refs(str(spec.trigger["queueName"]))
        self.poison_name = f"{self.queue_name}-poison"
        conn = storage_connection_string(spec.trigger.get("connection"))
        self._client = make_client(conn, self.queue_name)
        self._poison = make_client(conn, self.poison_name)
        self._invoker = invoker
        self._options = options
        self._stop = stop
        self._thread = threading.Thread(target=self._loop, name=f"queue-{spec.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        delay, ready, healthy = MIN_POLL, False, True
        while not self._stop.is_set():
            try:
                if not ready:
                    ensure_queue(self._client)
                    ensure_queue(self._poison)
                    ready = True
                message = self._client.receive_message(visibility_timeout=LEASE_SECONDS)
            except ResourceNotFoundError:
                ready = False  # someone deleted the queue; recreate it on the next turn
                continue
            except (AzureError, OSError) as exc:
                if healthy:
                    log.warning(
                        "queue %s: storage unreachable, backing off: %s", self.queue_name, exc
                    )
                healthy, ready = False, False
                self._stop.wait(delay)
                delay = min(delay * 2, self._options.max_polling_interval)
                continue
            if not healthy:
                log.info("queue %s: storage reachable again", self.queue_name)
                healthy = True
            if message is None:
                self._stop.wait(delay)
                delay = min(delay * 2, self._options.max_polling_interval)
                continue
            delay = MIN_POLL
            try:
                self.process(message)
            except Exception:
                # Storage failed while settling the message: it reappears after its lease.
                log.exception("queue %s: could not settle message %s", self.queue_name, message.id)

    def process(self, message: QueueMessage) -> None:
        raw = str(message.content)
        count = int(message.dequeue_count or 1)
        limit = self._options.max_dequeue_count
        if count > limit:
            # Already over the limit (e.g. devhost died while running it): poison unseen.
            self._move_to_poison(message, raw, f"has exceeded MaxDequeueCount of {limit}")
            return
        try:
            body = decode(raw, self._options.message_encoding)
        except ValueError as exc:
            log.error(
                "queue %s: message %s could not be decoded (messageEncoding %s): %s",
                self.queue_name,
                message.id,
                self._options.message_encoding,
                exc,
            )
            self._move_to_poison(message, raw, "could not be decoded")
            return
        trigger = trigger_message(
            id=message.id,
            body=body,
            pop_receipt=message.pop_receipt,
            dequeue_count=count,
            insertion_time=message.inserted_on,
            expiration_time=message.expires_on,
            time_next_visible=message.next_visible_on,
        )
        reason = f"New queue message detected on '{self.queue_name}'."
        outcome = self._invoker.run(self.spec, trigger, reason)
        if outcome.ok:
            self._client.delete_message(message.id, message.pop_receipt)
        elif count >= limit:
            self._move_to_poison(message, raw, f"has reached MaxDequeueCount of {limit}")
        else:
            self._client.update_message(
                message.id,
                pop_receipt=message.pop_receipt,
                visibility_timeout=round(self._options.visibility_timeout),
            )

    def _move_to_poison(self, message: QueueMessage, raw: str, why: str) -> None:
        log.warning(
            "Message %s %s. Moving message to queue '%s'.", message.id, why, self.poison_name
        )
        # The raw text, not the decoded body, so a re-queue from poison decodes the same way.
        self._poison.send_message(raw)
        self._client.delete_message(message.id, message.pop_receipt)
