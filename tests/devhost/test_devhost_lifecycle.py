"""Start-up failures, storage outages and shutdown of the `python -m devhost` process."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import textwrap

import pytest
import requests

from tests.devhost.conftest import ROOT, copy_app, wait_for
from tests.support.azurite import free_port


def run_devhost(script_root, env=None, timeout=20, port=None):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "devhost",
            "--script-root",
            str(script_root),
            "--port",
            str(port or free_port()),
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_app(root, source, host_json="{}"):
    root.mkdir()
    (root / "function_app.py").write_text(textwrap.dedent(source))
    (root / "host.json").write_text(host_json)
    return root


def test_import_failure_exits_non_zero_with_traceback(tmp_path):
    root = write_app(
        tmp_path / "broken", "import azure.functions\nraise ImportError('no such thing')\n"
    )
    result = run_devhost(root)
    assert result.returncode == 1
    assert "importing function_app.py failed: ImportError: no such thing" in result.stderr
    assert "Traceback" in result.stderr


def test_zero_functions_exits_non_zero(tmp_path):
    root = write_app(
        tmp_path / "empty", "import azure.functions as func\napp = func.FunctionApp()\n"
    )
    result = run_devhost(root)
    assert result.returncode == 1
    assert "0 functions found" in result.stderr


def test_missing_script_file_exits_non_zero(tmp_path):
    result = run_devhost(tmp_path)
    assert result.returncode == 1
    assert "no function_app.py" in result.stderr


def test_bad_schedule_exits_non_zero(tmp_path):
    source = """
        import azure.functions as func
        app = func.FunctionApp()

        @app.timer_trigger(schedule="0 0 * * *", arg_name="timer")
        def tick(timer: func.TimerRequest) -> None:
            pass
    """
    result = run_devhost(write_app(tmp_path / "cron", source))
    assert result.returncode == 1
    assert "expected 6 fields" in result.stderr


def test_queue_function_without_connection_string_exits_non_zero(tmp_path):
    source = """
        import azure.functions as func
        app = func.FunctionApp()

        @app.queue_trigger(arg_name="msg", queue_name="q", connection="AzureWebJobsStorage")
        def work(msg: func.QueueMessage) -> None:
            pass
    """
    result = run_devhost(write_app(tmp_path / "noconn", source))
    assert result.returncode == 1
    assert "missing connection string: set AzureWebJobsStorage" in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_devhost_within_two_seconds(azurite, tmp_path, devhost_factory, sig):
    root = copy_app("sample", tmp_path)
    host = devhost_factory(root, {"AzureWebJobsStorage": azurite.connection_string})
    assert requests.get(f"{host.base}/api/items/1", timeout=5).status_code == 200
    elapsed = host.stop(sig)
    assert host.process.returncode == 0
    assert elapsed < 2.0, f"took {elapsed:.2f}s to stop"
    assert "devhost stopped" in host.stderr()


def test_serves_http_while_storage_is_unreachable(tmp_path, devhost_factory):
    root = copy_app("sample", tmp_path)
    dead = f"http://127.0.0.1:{free_port()}/devstoreaccount1"
    conn = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;"
        f"QueueEndpoint={dead};BlobEndpoint={dead};TableEndpoint={dead};"
    )
    host = devhost_factory(
        root, {"AzureWebJobsStorage": conn, "DEVHOST_MAX_POLLING_INTERVAL": "0.2"}
    )
    assert requests.get(f"{host.base}/api/items/1", timeout=5).status_code == 200
    wait_for(lambda: "storage unreachable" in host.stderr())
    assert host.stop() < 2.0
    assert host.stderr().count("storage unreachable") == 1  # logged once per outage, not per poll


def test_port_in_use_exits_non_zero_without_traceback(tmp_path):
    root = write_app(
        tmp_path / "app",
        """
        import azure.functions as func
        app = func.FunctionApp()

        @app.route(route="x")
        def x(req: func.HttpRequest) -> func.HttpResponse:
            return func.HttpResponse("")
        """,
    )
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_devhost(root, port=port)
    assert result.returncode == 1
    assert f"devhost: error: cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
