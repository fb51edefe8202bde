"""Calling a user function the way the Python worker does: bindings by parameter name."""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

import azure.functions as func
from azure.functions import _abc

from devhost.indexing import FunctionSpec

log = logging.getLogger("devhost")


class InvocationError(Exception):
    """The function broke a binding rule the worker enforces (e.g. a stray return value)."""


class QueueSender(Protocol):
    def send(self, binding: dict[str, Any], messages: list[bytes]) -> None: ...


class OutValue(func.Out[Any]):
    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


class _TraceContext(_abc.TraceContext):
    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _RetryContext(_abc.RetryContext):
    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> _abc.RpcException:
        raise AttributeError("devhost does not run retry policies")


class InvocationContext(func.Context):
    def __init__(self, invocation_id: str, spec: FunctionSpec) -> None:
        self._invocation_id = invocation_id
        self._spec = spec
        self._local = threading.local()

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> Any:
        return self._local

    @property
    def function_name(self) -> str:
        return self._spec.name

    @property
    def function_directory(self) -> str:
        return self._spec.directory

    @property
    def trace_context(self) -> _abc.TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> _abc.RetryContext:
        return _RetryContext()


@dataclass(frozen=True)
class Outcome:
    ok: bool
    value: Any = None
    error: BaseException | None = None


class Invoker:
    """Runs functions; async ones share one event loop, as they do in the worker."""

    def __init__(self, queue_sender: QueueSender | None = None) -> None:
        self._sender = queue_sender
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def run(self, spec: FunctionSpec, trigger_value: Any, reason: str) -> Outcome:
        """Invoke once, logging like the host; never raises, the outcome says what happened."""
        invocation_id = str(uuid.uuid4())
        log.info("Executing 'Functions.%s' (Reason='%s', Id=%s)", spec.name, reason, invocation_id)
        started = time.monotonic()
        try:
            value = self.call(spec, trigger_value, invocation_id)
        except Exception as exc:
            ms = (time.monotonic() - started) * 1000
            log.error(
                "Executed 'Functions.%s' (Failed, Id=%s, Duration=%dms)",
                spec.name,
                invocation_id,
                ms,
                exc_info=exc,
            )
            return Outcome(ok=False, error=exc)
        ms = (time.monotonic() - started) * 1000
        log.info(
            "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%dms)",
            spec.name,
            invocation_id,
            ms,
        )
        return Outcome(ok=True, value=value)

    def call(self, spec: FunctionSpec, trigger_value: Any, invocation_id: str = "") -> Any:
        outs = {b["name"]: OutValue() for b in spec.outputs if b["name"] != "$return"}
        kwargs: dict[str, Any] = {spec.trigger_name: trigger_value, **outs}
        if spec.wants_context:
            kwargs["context"] = InvocationContext(invocation_id or str(uuid.uuid4()), spec)
        result = spec.func(**kwargs)
        if inspect.isawaitable(result):
            result = self._await(result)
        if result is not None and not spec.has_return_binding:
            raise InvocationError(
                f"function {spec.name} returned a value but has no $return output binding"
            )
        for binding in spec.outputs:
            if binding["type"] != "queue":
                continue
            value = result if binding["name"] == "$return" else outs[binding["name"]].get()
            if value is not None:
                self._send(binding, _queue_messages(binding, value))
        return result

    def _send(self, binding: dict[str, Any], messages: list[bytes]) -> None:
        if self._sender is None:
            raise InvocationError("queue output bindings need storage; none configured")
        self._sender.send(binding, messages)

    def _await(self, awaitable: Awaitable[Any]) -> Any:
        async def wrapper() -> Any:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrapper(), self._ensure_loop()).result()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="devhost-asyncio", daemon=True
                )
                thread.start()
                self._loop, self._loop_thread = loop, thread
            return self._loop

    def close(self) -> None:
        with self._lock:
            loop, thread = self._loop, self._loop_thread
            self._loop = self._loop_thread = None
        if loop is not None and thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=1)


def _queue_messages(binding: dict[str, Any], value: Any) -> list[bytes]:
    items = value if isinstance(value, list | tuple) else [value]
    messages: list[bytes] = []
    for item in items:
        if isinstance(item, str):
            messages.append(item.encode("utf-8"))
        elif isinstance(item, bytes | bytearray):
            messages.append(bytes(item))
        elif isinstance(item, func.QueueMessage):
            messages.append(item.get_body())
        else:
            raise InvocationError(
                f"queue output {binding['name']}: cannot send {type(item).__name__} "
                "(use str, bytes, QueueMessage or a list of them)"
            )
    return messages
