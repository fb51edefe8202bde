"""Fixture app for devhost's tests: one function per behaviour devhost must mirror.

Runs write what they saw as JSON lines to the files named by SAMPLE_TIMER_LOG and
SAMPLE_QUEUE_LOG, so the tests can read them from outside the devhost process.
"""

import asyncio
import json
import os
import threading
import time

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

_attempts: dict[str, int] = {}
_lock = threading.Lock()


def _record(env_name: str, entry: dict[str, object]) -> None:
    path = os.environ.get(env_name)
    if path:
        with _lock, open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


@app.route(route="echo/{id:int}/{name?}", methods=["GET", "POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    doc = {
        "method": req.method,
        "url": req.url,
        "route": dict(req.route_params),
        "params": dict(req.params),
        "header": req.headers.get("X-Sample"),
        "body": req.get_body().decode("utf-8"),
    }
    return func.HttpResponse(
        json.dumps(doc),
        status_code=201 if req.method == "POST" else 200,
        mimetype="application/json",
        headers={"X-Echo": "yes"},
    )


@app.route(route="items/{id}", methods=["GET"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"item:{req.route_params['id']}")


@app.route(route="items/special", methods=["GET"])
def special_item(req: func.HttpRequest) -> str:
    return "special"


@app.route(route="settings", methods=["GET"])
def settings(req: func.HttpRequest) -> func.HttpResponse:
    names = ("SAMPLE_FROM_FILE", "SAMPLE_OVERRIDDEN")
    return func.HttpResponse(json.dumps({n: os.environ.get(n) for n in names}))


@app.route(route="boom", methods=["GET"])
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("boom on purpose")


@app.route(route="slow", methods=["GET"])
def slow(req: func.HttpRequest) -> func.HttpResponse:
    time.sleep(0.5)
    return func.HttpResponse("slow")


@app.route(route="async", methods=["GET"])
async def async_route(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0.05)
    return func.HttpResponse("async")


@app.route(route="enqueue", methods=["POST"])
@app.queue_output(arg_name="out", queue_name="%SAMPLE_QUEUE%", connection="AzureWebJobsStorage")
def enqueue(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    out.set(req.get_body().decode("utf-8"))
    return func.HttpResponse(status_code=202)


@app.timer_trigger(schedule="%SAMPLE_NIGHTLY%", arg_name="timer", run_on_startup=False)
def nightly(timer: func.TimerRequest) -> None:
    _record("SAMPLE_TIMER_LOG", {"fn": "nightly", "past_due": timer.past_due})


@app.timer_trigger(schedule="*/1 * * * * *", arg_name="timer", run_on_startup=True)
def ticker(timer: func.TimerRequest) -> None:
    _record("SAMPLE_TIMER_LOG", {"fn": "ticker", "past_due": timer.past_due, "at": time.time()})


@app.queue_trigger(arg_name="msg", queue_name="%SAMPLE_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage) -> None:
    """Body `{"key": k, "fail": n}` fails the first n attempts; `"fail": "always"` never passes."""
    doc = json.loads(msg.get_body().decode("utf-8"))
    key = doc["key"]
    with _lock:
        attempt = _attempts[key] = _attempts.get(key, 0) + 1
    fail = doc.get("fail", 0)
    failing = fail == "always" or attempt <= int(fail)
    _record(
        "SAMPLE_QUEUE_LOG",
        {"key": key, "attempt": attempt, "dequeue_count": msg.dequeue_count, "ok": not failing},
    )
    if failing:
        raise RuntimeError(f"{key}: failing attempt {attempt} on purpose")
