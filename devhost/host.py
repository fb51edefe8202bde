"""Assembles devhost from a script root: settings, the app's functions, server and workers."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from pathlib import Path

from devhost import DevhostError
from devhost.admin import Admin
from devhost.http_server import DevhostServer
from devhost.indexing import HTTP, QUEUE, TIMER, FunctionSpec, describe, find_app, import_app, index
from devhost.invoke import Invoker
from devhost.queues import QueueOutput, QueueWorker
from devhost.routes import Route, RouteTable
from devhost.settings import HostConfig, load_host_config, load_local_settings
from devhost.timers import TimerRunner

log = logging.getLogger("devhost")

SHUTDOWN_GRACE = 1.5


class Host:
    def __init__(self, script_root: Path, bind: str, port: int) -> None:
        """Everything that can fail at start fails here, before anything runs."""
        if not script_root.is_dir():
            raise DevhostError(f"script root {script_root} is not a directory")
        report = load_local_settings(script_root)
        if report.copied_from_sample:
            log.info("Copied local.settings.sample.json to local.settings.json")
        for key in report.skipped:
            log.info(
                "Skipping '%s' from local settings as it's already defined in the environment", key
            )
        self.config: HostConfig = load_host_config(script_root)
        # The host runs the worker with the app folder as working directory.
        os.chdir(script_root)
        self.specs = index(find_app(import_app(script_root)), str(script_root))

        self.stop_event = threading.Event()
        self.invoker = Invoker(QueueOutput(self.config.queues))
        prefix = self.config.route_prefix
        self.routes: RouteTable[FunctionSpec] = RouteTable(
            Route(f"{prefix}/{s.route}" if prefix else s.route, s.methods, s)
            for s in self.specs
            if s.kind == HTTP
        )
        self.timers = {
            s.name: TimerRunner(s, self.invoker, self.stop_event) for s in self._of(TIMER)
        }
        self.workers = [
            QueueWorker(s, self.invoker, self.config.queues, self.stop_event)
            for s in self._of(QUEUE)
        ]
        admin = Admin(self.specs, self.invoker, self.timers)
        try:
            self.server = DevhostServer((bind, port), self.routes, admin, self.invoker)
        except OSError as exc:
            raise DevhostError(f"cannot listen on {bind}:{port}: {exc}") from exc
        self._server_thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="http",
            daemon=True,
        )
        self.script_root = script_root
        self._bind = bind

    def _of(self, kind: str) -> list[FunctionSpec]:
        return [s for s in self.specs if s.kind == kind]

    @property
    def base_url(self) -> str:
        shown = "localhost" if self._bind in ("0.0.0.0", "::", "") else self._bind
        return f"http://{shown}:{self.server.server_port}"

    def banner(self) -> str:
        """The start-up listing, laid out like Core Tools' (settings already resolved)."""
        prefix = f"/{self.config.route_prefix}" if self.config.route_prefix else ""
        queues = {w.spec.name: w.queue_name for w in self.workers}
        listing = []
        for spec in self.specs:
            if spec.kind == TIMER:
                listing.append(f"{spec.name}: timerTrigger ({self.timers[spec.name].schedule})")
            elif spec.kind == QUEUE:
                listing.append(f"{spec.name}: queueTrigger (queue {queues[spec.name]})")
            else:
                listing.append(describe(spec, self.base_url + prefix))
        lines = [f"devhost: serving {self.script_root}", "", "Functions:", ""]
        lines += [f"\t{line}" for line in listing]
        lines += ["", f"devhost listening on {self.base_url} (Ctrl+C to stop)"]
        return "\n".join(lines)

    def start(self) -> None:
        self._server_thread.start()
        for runner in self.timers.values():
            runner.start()
        for worker in self.workers:
            worker.start()

    def stop(self) -> None:
        """Stop accepting requests and let background threads finish their turn, briefly."""
        self.stop_event.set()
        if self._server_thread.is_alive():
            self.server.shutdown()
        self.server.server_close()
        deadline = time.monotonic() + SHUTDOWN_GRACE
        runners: list[TimerRunner | QueueWorker] = [*self.timers.values(), *self.workers]
        for runner in runners:
            runner.join(max(0.0, deadline - time.monotonic()))
        self.invoker.close()
        print("devhost stopped", file=sys.stderr, flush=True)
