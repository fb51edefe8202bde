"""Indexing a FunctionApp and invoking its functions with bindings, as the worker does."""

from __future__ import annotations

import asyncio
import types

import azure.functions as func
import pytest

from devhost import DevhostError
from devhost.indexing import HTTP, QUEUE, TIMER, describe, find_app, index
from devhost.invoke import InvocationError, Invoker


def build_app():
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="referrals/{id}", methods=["GET"])
    def get_referral(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(req.route_params["id"])

    @app.route()
    def ping(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        return func.HttpResponse(f"{context.function_name}:{context.invocation_id}")

    @app.timer_trigger(schedule="%EXPIRY_SCHEDULE%", arg_name="timer", run_on_startup=False)
    def expire(timer: func.TimerRequest) -> None:
        pass

    @app.queue_trigger(arg_name="msg", queue_name="notifications", connection="AzureWebJobsStorage")
    def deliver(msg: func.QueueMessage) -> None:
        pass

    return app


def by_name(specs):
    return {s.name: s for s in specs}


def test_index_reads_triggers_and_routes(tmp_path):
    specs = by_name(index(build_app(), str(tmp_path)))
    assert {n: s.kind for n, s in specs.items()} == {
        "get_referral": HTTP,
        "ping": HTTP,
        "expire": TIMER,
        "deliver": QUEUE,
    }
    assert specs["get_referral"].route == "referrals/{id}"
    assert specs["get_referral"].methods == frozenset({"GET"})
    assert specs["ping"].route == "ping"  # the host's default: the function name
    assert specs["ping"].methods is None
    assert specs["ping"].wants_context
    assert specs["expire"].trigger["schedule"] == "%EXPIRY_SCHEDULE%"
    assert specs["deliver"].trigger["queueName"] == "notifications"
    line = describe(specs["get_referral"], "http://127.0.0.1:7071/api")
    assert line == "get_referral: [GET] http://127.0.0.1:7071/api/referrals/{id}"


def test_zero_functions_is_an_error(tmp_path):
    with pytest.raises(DevhostError, match="0 functions found"):
        index(func.FunctionApp(), str(tmp_path))


def test_unsupported_binding_is_refused(tmp_path):
    app = func.FunctionApp()

    @app.route(route="x")
    @app.table_input(arg_name="row", table_name="t", connection="AzureWebJobsStorage")
    def uses_table(req: func.HttpRequest, row: str) -> func.HttpResponse:
        return func.HttpResponse("")

    with pytest.raises(DevhostError, match="not supported by devhost"):
        index(app, str(tmp_path))


def test_unsupported_trigger_is_refused(tmp_path):
    app = func.FunctionApp()

    @app.blob_trigger(arg_name="blob", path="c/{name}", connection="AzureWebJobsStorage")
    def on_blob(blob: func.InputStream) -> None:
        pass

    with pytest.raises(DevhostError, match="trigger blobTrigger is not supported"):
        index(app, str(tmp_path))


def test_parameter_without_binding_is_refused(tmp_path):
    app = func.FunctionApp()

    @app.route(route="x")
    def extra(req: func.HttpRequest, other: str) -> func.HttpResponse:
        return func.HttpResponse("")

    with pytest.raises(DevhostError, match=r"parameters \['other'\] have no binding"):
        index(app, str(tmp_path))


def test_find_app_by_type_not_name():
    module = types.ModuleType("function_app")
    module.whatever = func.FunctionApp()
    assert find_app(module) is module.whatever
    with pytest.raises(DevhostError, match="defines no"):
        find_app(types.ModuleType("function_app"))


def http_request(path="/api/x"):
    return func.HttpRequest("GET", f"http://h{path}", body=b"")


def test_invoke_passes_trigger_and_context(tmp_path):
    specs = by_name(index(build_app(), str(tmp_path)))
    outcome = Invoker().run(specs["ping"], http_request(), "test")
    assert outcome.ok
    name, invocation_id = outcome.value.get_body().decode().split(":")
    assert name == "ping" and len(invocation_id) == 36


def test_invoke_reports_exceptions(tmp_path):
    app = func.FunctionApp()

    @app.route(route="x")
    def fails(req: func.HttpRequest) -> func.HttpResponse:
        raise ValueError("nope")

    [spec] = index(app, str(tmp_path))
    outcome = Invoker().run(spec, http_request(), "test")
    assert not outcome.ok and isinstance(outcome.error, ValueError)


def test_async_functions_share_one_event_loop(tmp_path):
    app = func.FunctionApp()
    loops = []

    @app.route(route="x")
    async def coro(req: func.HttpRequest) -> func.HttpResponse:
        await asyncio.sleep(0)
        loops.append(asyncio.get_running_loop())
        return func.HttpResponse("async")

    [spec] = index(app, str(tmp_path))
    invoker = Invoker()
    try:
        assert invoker.call(spec, http_request()).get_body() == b"async"
        invoker.call(spec, http_request())
    finally:
        invoker.close()
    assert loops[0] is loops[1]


def test_return_value_without_return_binding_fails(tmp_path):
    app = func.FunctionApp()

    @app.queue_trigger(arg_name="msg", queue_name="q", connection="AzureWebJobsStorage")
    def returns(msg: func.QueueMessage) -> str:
        return "oops"

    [spec] = index(app, str(tmp_path))
    with pytest.raises(InvocationError, match="no \\$return output binding"):
        Invoker().call(spec, func.QueueMessage(body=b"x"))


class FakeSender:
    def __init__(self):
        self.sent = []

    def send(self, binding, messages):
        self.sent.append((binding["queueName"], messages))


def test_queue_output_binding_values_are_sent(tmp_path):
    app = func.FunctionApp()

    @app.route(route="x")
    @app.queue_output(arg_name="out", queue_name="notifications", connection="AzureWebJobsStorage")
    def produce(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
        out.set(["one", b"two", func.QueueMessage(body="three")])
        return func.HttpResponse("")

    @app.route(route="y")
    @app.queue_output(arg_name="out", queue_name="notifications", connection="AzureWebJobsStorage")
    def nothing(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
        return func.HttpResponse("")

    specs = by_name(index(app, str(tmp_path)))
    sender = FakeSender()
    invoker = Invoker(sender)
    invoker.call(specs["produce"], http_request())
    invoker.call(specs["nothing"], http_request())
    assert sender.sent == [("notifications", [b"one", b"two", b"three"])]


def test_queue_output_rejects_unsupported_values(tmp_path):
    app = func.FunctionApp()

    @app.route(route="x")
    @app.queue_output(arg_name="out", queue_name="q", connection="AzureWebJobsStorage")
    def produce(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
        out.set({"not": "a string"})
        return func.HttpResponse("")

    [spec] = index(app, str(tmp_path))
    with pytest.raises(InvocationError, match="cannot send dict"):
        Invoker(FakeSender()).call(spec, http_request())
