"""`python -m devhost` serving the sample app against Azurite, driven from outside."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

from tests.devhost.conftest import Devhost, copy_app, launch, read_jsonl, wait_for, wait_ready

QUEUE = "devhost-sample-work"  # SAMPLE_QUEUE in the sample's local.settings.sample.json


class Sample:
    def __init__(self, host: Devhost, root: Path, logs: Path, connection_string: str) -> None:
        self.host = host
        self.root = root
        self.timer_log = logs / "timer.jsonl"
        self.queue_log = logs / "queue.jsonl"
        self.conn = connection_string

    def url(self, path: str) -> str:
        return self.host.base + path

    def queue(self, name: str = QUEUE, *, base64_policy: bool = False) -> QueueClient:
        policy = TextBase64EncodePolicy() if base64_policy else None
        return QueueClient.from_connection_string(self.conn, name, message_encode_policy=policy)

    def attempts(self, key: str) -> list[dict[str, object]]:
        return [r for r in read_jsonl(self.queue_log) if r["key"] == key]

    def raw_messages(self, name: str) -> list[str]:
        return [str(m.content) for m in self.queue(name).peek_messages(max_messages=32)]


@pytest.fixture(scope="module")
def sample(azurite, tmp_path_factory) -> Iterator[Sample]:
    base = tmp_path_factory.mktemp("devhost-sample")
    root = copy_app("sample", base)
    logs = base / "records"
    logs.mkdir()
    env = {
        "AzureWebJobsStorage": azurite.connection_string,
        "SAMPLE_OVERRIDDEN": "from-env",
        "SAMPLE_TIMER_LOG": str(logs / "timer.jsonl"),
        "SAMPLE_QUEUE_LOG": str(logs / "queue.jsonl"),
        # host.json says 30 s for both; the overrides keep retries and polling fast.
        "DEVHOST_QUEUE_VISIBILITY_TIMEOUT": "0",
        "DEVHOST_MAX_POLLING_INTERVAL": "0.2",
    }
    host = launch(root, env, base / "logs")
    try:
        wait_ready(host)
        yield Sample(host, root, logs, azurite.connection_string)
    finally:
        host.stop()


def test_prints_indexed_functions_like_core_tools(sample):
    out = sample.host.stdout()
    assert f"echo: [GET,POST] {sample.host.base}/api/echo/{{id:int}}/{{name?}}" in out
    assert "nightly: timerTrigger (0 0 2 * * *)" in out  # %SAMPLE_NIGHTLY% resolved
    assert f"work: queueTrigger (queue {QUEUE})" in out


def test_http_round_trips_route_query_headers_and_body(sample):
    resp = requests.post(
        sample.url("/api/echo/42/Ada%20L?x=1&x=2&empty=&q=a%26b"),
        data="héllo".encode(),
        headers={"X-Sample": "hi there"},
        timeout=5,
    )
    assert resp.status_code == 201
    assert resp.headers["X-Echo"] == "yes"
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.json() == {
        "method": "POST",
        "url": sample.url("/api/echo/42/Ada%20L?x=1&x=2&empty=&q=a%26b"),
        "route": {"id": "42", "name": "Ada L"},
        "params": {"x": "1,2", "empty": "", "q": "a&b"},
        "header": "hi there",
        "body": "héllo",
    }


def test_optional_route_parameter_and_constraint(sample):
    resp = requests.get(sample.url("/API/Echo/7"), timeout=5)
    assert resp.status_code == 200
    assert resp.json()["route"] == {"id": "7"}
    assert requests.get(sample.url("/api/echo/seven"), timeout=5).status_code == 404


def test_literal_segment_beats_parameter_and_str_return(sample):
    special = requests.get(sample.url("/api/items/special"), timeout=5)
    assert (special.status_code, special.text) == (200, "special")
    assert special.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert requests.get(sample.url("/api/items/other"), timeout=5).text == "item:other"


def test_unknown_route_and_wrong_method_are_404(sample):
    assert requests.get(sample.url("/api/nowhere"), timeout=5).status_code == 404
    assert requests.get(sample.url("/items/special"), timeout=5).status_code == 404  # no prefix
    assert requests.delete(sample.url("/api/items/special"), timeout=5).status_code == 404


def test_unhandled_exception_is_500_with_traceback_logged(sample):
    resp = requests.get(sample.url("/api/boom"), timeout=5)
    assert resp.status_code == 500
    assert resp.content == b""
    wait_for(lambda: "RuntimeError: boom on purpose" in sample.host.stderr())
    # The request line is logged once the response is written, so it may trail a little.
    wait_for(lambda: re.search(r"GET /api/boom -> 500 \(\d+\.\d ms\)", sample.host.stderr()))


def test_async_function(sample):
    resp = requests.get(sample.url("/api/async"), timeout=5)
    assert (resp.status_code, resp.text) == (200, "async")


def test_serves_requests_concurrently(sample):
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(
            pool.map(lambda _: requests.get(sample.url("/api/slow"), timeout=10), range(24))
        )
    elapsed = time.monotonic() - started
    assert [r.status_code for r in results] == [200] * 24
    assert elapsed < 5, f"24 requests of 0.5 s took {elapsed:.1f} s: not concurrent"


def test_local_settings_reach_the_app_and_environment_wins(sample):
    assert (sample.root / "local.settings.json").exists()  # copied from the sample file
    resp = requests.get(sample.url("/api/settings"), timeout=5)
    assert resp.json() == {"SAMPLE_FROM_FILE": "from-file", "SAMPLE_OVERRIDDEN": "from-env"}


def test_admin_status_and_listing(sample):
    assert requests.get(sample.url("/admin/host/status"), timeout=5).json()["state"] == "Running"
    listing = requests.get(sample.url("/admin/functions"), timeout=5).json()
    assert {"name": "work", "trigger": "queueTrigger"} in listing


def test_admin_runs_timer_function_before_answering(sample):
    resp = requests.post(sample.url("/admin/functions/nightly"), json={"input": ""}, timeout=10)
    assert resp.status_code == 202
    runs = [r for r in read_jsonl(sample.timer_log) if r["fn"] == "nightly"]
    assert runs == [{"fn": "nightly", "past_due": False}]


def test_admin_runs_queue_function_with_input_as_body(sample):
    body = json.dumps({"key": "admin-ok"})
    resp = requests.post(sample.url("/admin/functions/WORK"), json={"input": body}, timeout=10)
    assert resp.status_code == 202
    assert sample.attempts("admin-ok") == [
        {"key": "admin-ok", "attempt": 1, "dequeue_count": 1, "ok": True}
    ]


def test_admin_reports_failure_and_unknown_names(sample):
    body = json.dumps({"key": "admin-fail", "fail": "always"})
    resp = requests.post(sample.url("/admin/functions/work"), json={"input": body}, timeout=10)
    assert resp.status_code == 500
    assert "admin-fail: failing attempt 1 on purpose" in resp.text
    missing = requests.post(sample.url("/admin/functions/nope"), json={"input": ""}, timeout=5)
    assert missing.status_code == 404
    bad = requests.post(sample.url("/admin/functions/work"), data="not json", timeout=5)
    assert bad.status_code == 400


def test_timer_runs_on_its_schedule(sample):
    # ticker: "*/1 * * * * *" with runOnStartup, so it has fired several times by now.
    wait_for(lambda: len([r for r in read_jsonl(sample.timer_log) if r["fn"] == "ticker"]) >= 3)


def test_base64_message_is_processed_and_deleted(sample):
    sample.queue(base64_policy=True).send_message(json.dumps({"key": "b64"}))
    wait_for(lambda: sample.attempts("b64"))
    assert sample.attempts("b64") == [{"key": "b64", "attempt": 1, "dequeue_count": 1, "ok": True}]
    wait_for(lambda: not sample.raw_messages(QUEUE))


def test_failing_message_is_retried_then_succeeds(sample):
    sample.queue(base64_policy=True).send_message(json.dumps({"key": "retry", "fail": 2}))
    wait_for(lambda: any(r["ok"] for r in sample.attempts("retry")))
    assert [(r["dequeue_count"], r["ok"]) for r in sample.attempts("retry")] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    wait_for(lambda: not sample.raw_messages(QUEUE))


def test_always_failing_message_ends_in_poison_queue(sample):
    text = json.dumps({"key": "poison", "fail": "always"})
    raw = base64.b64encode(text.encode()).decode()
    sample.queue(base64_policy=True).send_message(text)
    # maxDequeueCount is 3 in the sample's host.json.
    wait_for(lambda: raw in sample.raw_messages(f"{QUEUE}-poison"))
    assert [r["dequeue_count"] for r in sample.attempts("poison")] == [1, 2, 3]
    assert raw not in sample.raw_messages(QUEUE)


def test_message_that_is_not_base64_goes_to_poison_unprocessed(sample):
    sample.queue().send_message("{not base64}")
    wait_for(lambda: "{not base64}" in sample.raw_messages(f"{QUEUE}-poison"))


def test_queue_output_binding_feeds_the_queue_trigger(sample):
    body = json.dumps({"key": "via-output"})
    assert requests.post(sample.url("/api/enqueue"), data=body, timeout=5).status_code == 202
    wait_for(lambda: sample.attempts("via-output"))
    assert sample.attempts("via-output")[0]["ok"] is True
