"""Timer runners: schedule, runOnStartup, past_due and no overlap."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import azure.functions as func
import pytest

from devhost import DevhostError
from devhost.indexing import index
from devhost.invoke import Invoker
from devhost.ncrontab import CronSchedule
from devhost.timers import IntervalSchedule, TimerRunner, parse_schedule


class Recorder:
    def __init__(self, sleep=0.0):
        self.sleep = sleep
        self.runs = []
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    def __call__(self, timer: func.TimerRequest) -> None:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        started = time.monotonic()
        time.sleep(self.sleep)
        with self.lock:
            self.active -= 1
            self.runs.append((started, time.monotonic(), timer.past_due, timer.schedule_status))


def timer_spec(recorder, schedule, run_on_startup=False, tmp_path="."):
    app = func.FunctionApp()

    def tick(timer: func.TimerRequest) -> None:
        recorder(timer)

    app.timer_trigger(schedule=schedule, arg_name="timer", run_on_startup=run_on_startup)(tick)
    [spec] = index(app, str(tmp_path))
    return spec


@pytest.fixture
def stop():
    event = threading.Event()
    yield event
    event.set()


def test_parse_schedule_kinds(monkeypatch):
    monkeypatch.setenv("EXPIRY_SCHEDULE", "0 0 2 * * *")
    assert isinstance(parse_schedule("%EXPIRY_SCHEDULE%"), CronSchedule)
    assert parse_schedule("00:05:00") == IntervalSchedule(timedelta(minutes=5))
    with pytest.raises(DevhostError):
        parse_schedule("%NOT_SET_ANYWHERE%")
    with pytest.raises(DevhostError):
        parse_schedule("00:00:00")


def test_runs_on_schedule_without_overlapping_itself(stop):
    # Every 0.1 s, but each run takes 0.25 s: runs must queue up, never overlap.
    recorder = Recorder(sleep=0.25)
    runner = TimerRunner(timer_spec(recorder, "00:00:00.1"), Invoker(), stop)
    runner.start()
    time.sleep(1.2)
    stop.set()
    runner.join(2)
    assert len(recorder.runs) >= 3
    assert recorder.max_active == 1
    for (_, end, _, _), (start, _, _, _) in zip(recorder.runs, recorder.runs[1:], strict=False):
        assert start >= end
    # The first scheduled run is on time; overrunning ones are flagged past due.
    assert recorder.runs[0][2] is False
    assert any(past_due for _, _, past_due, _ in recorder.runs[1:])


def test_admin_run_waits_for_scheduled_run(stop):
    recorder = Recorder(sleep=0.3)
    runner = TimerRunner(timer_spec(recorder, "00:00:00.1"), Invoker(), stop)
    runner.start()
    time.sleep(0.15)  # a scheduled run is in progress now
    outcome = runner.run_once(reason="admin")
    stop.set()
    runner.join(2)
    assert outcome.ok
    assert recorder.max_active == 1


def test_run_on_startup(stop):
    recorder = Recorder()
    runner = TimerRunner(timer_spec(recorder, "0 0 0 1 1 *", run_on_startup=True), Invoker(), stop)
    runner.start()
    deadline = time.monotonic() + 2
    while not recorder.runs and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(recorder.runs) == 1
    _, _, past_due, status = recorder.runs[0]
    assert past_due is False
    assert status["Last"] == "0001-01-01T00:00:00"
    assert status["Next"].endswith("-01-01T00:00:00Z")


def test_no_run_before_the_first_occurrence(stop):
    recorder = Recorder()
    runner = TimerRunner(timer_spec(recorder, "0 0 0 1 1 *"), Invoker(), stop)
    runner.start()
    time.sleep(0.3)
    assert recorder.runs == []


def test_stops_promptly_while_waiting(stop):
    runner = TimerRunner(timer_spec(Recorder(), "0 0 0 1 1 *"), Invoker(), stop)
    runner.start()
    time.sleep(0.05)
    started = time.monotonic()
    stop.set()
    runner.join(2)
    assert time.monotonic() - started < 0.5


def test_failing_run_does_not_stop_the_schedule(stop):
    calls = []
    app = func.FunctionApp()

    @app.timer_trigger(schedule="00:00:00.1", arg_name="timer")
    def flaky(timer: func.TimerRequest) -> None:
        calls.append(1)
        raise RuntimeError("boom")

    [spec] = index(app, ".")
    runner = TimerRunner(spec, Invoker(), stop)
    runner.start()
    time.sleep(0.45)
    stop.set()
    runner.join(2)
    assert len(calls) >= 2
