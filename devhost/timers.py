"""Timer triggers: each timer function runs on its schedule in its own thread, in UTC."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from azure.functions.timer import TimerRequest

from devhost import ncrontab
from devhost.indexing import FunctionSpec
from devhost.invoke import Invoker, Outcome
from devhost.settings import parse_timespan, resolve_setting_refs

log = logging.getLogger("devhost")

Clock = Callable[[], datetime]
_TIMESPAN_LIKE = re.compile(r"^(\d+\.)?\d+:\d+(:\d+(\.\d+)?)?$")
# Re-read the wall clock at least this often while waiting, so a clock change (suspend,
# NTP step) delays a run by at most this much.
_MAX_SLEEP = 30.0


def utcnow() -> datetime:
    return datetime.now(UTC)


class Schedule(Protocol):
    def next_after(self, moment: datetime) -> datetime: ...


@dataclass(frozen=True)
class IntervalSchedule:
    """A TimeSpan schedule (`hh:mm:ss`), which the host allows outside the Consumption plan."""

    interval: timedelta

    def next_after(self, moment: datetime) -> datetime:
        return moment + self.interval

    def __str__(self) -> str:
        return f"every {self.interval}"


def parse_schedule(text: str) -> Schedule:
    resolved = resolve_setting_refs(text).strip()
    if _TIMESPAN_LIKE.match(resolved):
        seconds = parse_timespan(resolved)
        if seconds <= 0:
            raise ncrontab.CronError(f"timer interval must be positive: {resolved!r}")
        return IntervalSchedule(timedelta(seconds=seconds))
    return ncrontab.parse(resolved)


class TimerRunner:
    def __init__(
        self,
        spec: FunctionSpec,
        invoker: Invoker,
        stop: threading.Event,
        clock: Clock = utcnow,
    ) -> None:
        self.spec = spec
        self.schedule = parse_schedule(str(spec.trigger["schedule"]))
        self.run_on_startup = bool(spec.trigger.get("runOnStartup", False))
        self._invoker = invoker
        self._stop = stop
        self._clock = clock
        # One lock per function: a run never overlaps the previous one, scheduled or admin.
        self._running = threading.Lock()
        self._last: datetime | None = None
        self._thread = threading.Thread(target=self._loop, name=f"timer-{spec.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self, *, past_due: bool = False, reason: str = "") -> Outcome:
        with self._running:
            now = self._clock()
            status = {
                "Last": _iso(self._last) if self._last else "0001-01-01T00:00:00",
                "Next": _iso(self.schedule.next_after(now)),
                "LastUpdated": _iso(now),
            }
            request = TimerRequest(
                past_due=past_due, schedule_status=status, schedule={"AdjustForDST": True}
            )
            outcome = self._invoker.run(self.spec, request, reason or f"Timer fired at {_iso(now)}")
            self._last = now
            return outcome

    def _loop(self) -> None:
        try:
            if self.run_on_startup and not self._stop.is_set():
                self.run_once(reason="IsRunOnStartup")
            due, past_due = self.schedule.next_after(self._clock()), False
            while self._sleep_until(due):
                self.run_once(past_due=past_due)
                following, now = self.schedule.next_after(due), self._clock()
                if following <= now:
                    # The run overran one or more occurrences: fire once now, flagged past
                    # due, then realign to the schedule instead of replaying every miss.
                    due, past_due = now, True
                else:
                    due, past_due = following, False
        except Exception:
            log.exception("timer %s stopped", self.spec.name)

    def _sleep_until(self, due: datetime) -> bool:
        while not self._stop.is_set():
            remaining = (due - self._clock()).total_seconds()
            if remaining <= 0:
                return True
            if self._stop.wait(min(remaining, _MAX_SLEEP)):
                return False
        return False


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
