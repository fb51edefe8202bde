"""Queue worker semantics against a fake queue (Azurite runs in test_devhost_process)."""

from __future__ import annotations

import base64
import logging
import threading
import time

import azure.functions as func
import pytest
from azure.core.exceptions import ServiceRequestError
from azure.storage.queue import QueueMessage

from devhost.indexing import index
from devhost.invoke import Invoker
from devhost.queues import QueueWorker, decode, encode
from devhost.settings import QueueOptions


class FakeQueue:
    def __init__(self, messages=(), fail_receives=0):
        self.messages = list(messages)
        self.fail_receives = fail_receives
        self.deleted, self.updated, self.sent = [], [], []

    def create_queue(self):
        pass

    def receive_message(self, visibility_timeout):
        if self.fail_receives:
            self.fail_receives -= 1
            raise ServiceRequestError("storage is down")
        return self.messages.pop(0) if self.messages else None

    def delete_message(self, message_id, pop_receipt):
        self.deleted.append((message_id, pop_receipt))

    def update_message(self, message_id, pop_receipt, visibility_timeout):
        self.updated.append((message_id, visibility_timeout))

    def send_message(self, text):
        self.sent.append(text)


def message(text, count=1, encoded=True):
    content = base64.b64encode(text.encode()).decode() if encoded else text
    return QueueMessage(content=content, id=f"m{count}", dequeue_count=count, pop_receipt="pr")


class Handler:
    def __init__(self, fail=False):
        self.fail = fail
        self.seen = []

    def __call__(self, msg: func.QueueMessage) -> None:
        self.seen.append((msg.id, msg.get_body(), msg.dequeue_count, msg.pop_receipt))
        if self.fail:
            raise RuntimeError("fails on purpose")


@pytest.fixture
def make_worker(monkeypatch):
    monkeypatch.setenv("AzureWebJobsStorage", "UseDevelopmentStorage=true")
    stop = threading.Event()

    def make(handler, queue, options=None):
        options = options or QueueOptions(max_dequeue_count=3, visibility_timeout=7.0)
        app = func.FunctionApp()

        def work(msg: func.QueueMessage) -> None:
            handler(msg)

        app.queue_trigger(arg_name="msg", queue_name="work", connection="AzureWebJobsStorage")(work)
        [spec] = index(app, ".")
        worker = QueueWorker(spec, Invoker(), options, stop)
        worker._client, worker._poison = queue, FakeQueue()
        return worker

    yield make
    stop.set()


def test_encode_decode_round_trip():
    assert decode(encode(b"h\xc3\xa9llo", "base64"), "base64") == b"h\xc3\xa9llo"
    assert encode(b"plain", "none") == "plain"
    assert decode("plain", "none") == b"plain"
    assert decode("aGVs\nbG8=", "base64") == b"hello"  # whitespace is tolerated
    with pytest.raises(ValueError):
        decode("{not base64}", "base64")


def test_success_deletes_and_passes_metadata(make_worker):
    handler, queue = Handler(), FakeQueue()
    worker = make_worker(handler, queue)
    worker.process(message("hello", count=2))
    assert handler.seen == [("m2", b"hello", 2, "pr")]
    assert queue.deleted == [("m2", "pr")]
    assert queue.updated == [] and worker._poison.sent == []


def test_failure_below_limit_makes_message_visible_after_timeout(make_worker):
    queue = FakeQueue()
    worker = make_worker(Handler(fail=True), queue)
    worker.process(message("hello", count=2))
    assert queue.updated == [("m2", 7)]
    assert queue.deleted == [] and worker._poison.sent == []


def test_failure_at_limit_moves_raw_text_to_poison(make_worker):
    queue = FakeQueue()
    worker = make_worker(Handler(fail=True), queue)
    msg = message("hello", count=3)
    worker.process(msg)
    assert worker._poison.sent == [msg.content]  # raw (base64) text, as it was enqueued
    assert queue.deleted == [("m3", "pr")]
    assert queue.updated == []


def test_message_over_limit_is_poisoned_without_running(make_worker):
    handler, queue = Handler(), FakeQueue()
    worker = make_worker(handler, queue)
    worker.process(message("hello", count=4))
    assert handler.seen == []
    assert len(worker._poison.sent) == 1 and queue.deleted == [("m4", "pr")]


def test_undecodable_message_is_poisoned_without_running(make_worker):
    handler, queue = Handler(), FakeQueue()
    worker = make_worker(handler, queue)
    worker.process(message("{not base64}", encoded=False))
    assert handler.seen == []
    assert worker._poison.sent == ["{not base64}"]


def test_encoding_none_passes_text_through(make_worker):
    handler = Handler()
    worker = make_worker(handler, FakeQueue(), QueueOptions(message_encoding="none"))
    worker.process(message("{plain}", encoded=False))
    assert handler.seen[0][1] == b"{plain}"


def test_loop_survives_storage_outage(make_worker, caplog):
    handler = Handler()
    queue = FakeQueue([message("after outage")], fail_receives=3)
    worker = make_worker(handler, queue, QueueOptions(max_polling_interval=0.2))
    with caplog.at_level(logging.INFO, logger="devhost"):
        worker.start()
        deadline = time.monotonic() + 5
        while not handler.seen and time.monotonic() < deadline:
            time.sleep(0.02)
    assert handler.seen and handler.seen[0][1] == b"after outage"
    assert caplog.text.count("storage unreachable") == 1
    assert "storage reachable again" in caplog.text
