"""Import function_app.py and index its functions, as the Python worker does."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import azure.functions as func

from devhost import DevhostError

HTTP, TIMER, QUEUE = "httpTrigger", "timerTrigger", "queueTrigger"
TRIGGERS = (HTTP, TIMER, QUEUE)
# Output bindings devhost can honour; anything else is refused at start rather than
# silently passing None to the function.
OUTPUTS = ("http", "queue")


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    trigger: dict[str, Any]
    outputs: tuple[dict[str, Any], ...]
    func: Callable[..., Any]
    wants_context: bool
    directory: str

    @property
    def kind(self) -> str:
        return str(self.trigger["type"])

    @property
    def trigger_name(self) -> str:
        return str(self.trigger["name"])

    @property
    def has_return_binding(self) -> bool:
        return any(b.get("name") == "$return" for b in self.outputs)

    @property
    def route(self) -> str:
        return str(self.trigger.get("route") or self.name)

    @property
    def methods(self) -> frozenset[str] | None:
        methods = self.trigger.get("methods")
        return frozenset(str(m).upper() for m in methods) if methods else None


def import_app(script_root: Path) -> ModuleType:
    """Import the app module the way the worker does: script root first on sys.path."""
    file_name = os.environ.get("PYTHON_SCRIPT_FILE_NAME", "function_app.py")
    if not (script_root / file_name).is_file():
        raise DevhostError(f"no {file_name} in {script_root}")
    root = str(script_root)
    if root not in sys.path:
        sys.path.insert(0, root)
    module_name = Path(file_name).stem
    try:
        return importlib.import_module(module_name)
    except Exception as exc:
        raise DevhostError(
            f"importing {file_name} failed: {type(exc).__name__}: {exc}", show_cause=True
        ) from exc


def find_app(module: ModuleType) -> func.FunctionRegister:
    """The module's single FunctionApp: the worker finds it by type, not by the name `app`."""
    apps = {id(v): v for v in vars(module).values() if isinstance(v, func.FunctionRegister)}
    if not apps:
        raise DevhostError(f"{module.__name__} defines no azure.functions.FunctionApp")
    if len(apps) > 1:
        raise DevhostError(f"{module.__name__} defines more than one FunctionApp")
    return next(iter(apps.values()))


def index(app: func.FunctionRegister, directory: str) -> list[FunctionSpec]:
    # get_functions() records names to catch duplicates, so a second call on the same app
    # raises; devhost calls it exactly once.
    try:
        functions = app.get_functions()
    except Exception as exc:
        raise DevhostError(
            f"indexing functions failed: {type(exc).__name__}: {exc}", show_cause=True
        ) from exc
    if not functions:
        raise DevhostError("0 functions found: the FunctionApp registers no functions")
    return [_spec(f, directory) for f in functions]


def _spec(function: func.Function, directory: str) -> FunctionSpec:
    name = str(function.get_function_name())
    bindings = [json.loads(raw) for raw in function.get_raw_bindings()]
    triggers = [b for b in bindings if str(b.get("type", "")).endswith("Trigger")]
    if len(triggers) != 1:
        raise DevhostError(f"function {name}: expected exactly one trigger, got {len(triggers)}")
    trigger = triggers[0]
    if trigger["type"] not in TRIGGERS:
        raise DevhostError(
            f"function {name}: trigger {trigger['type']} is not supported by devhost "
            f"(supported: {', '.join(TRIGGERS)})"
        )
    outputs = []
    for binding in bindings:
        if binding is trigger:
            continue
        kind = binding.get("type")
        if str(binding.get("direction", "")).upper() != "OUT" or kind not in OUTPUTS:
            raise DevhostError(f"function {name}: binding {binding} is not supported by devhost")
        if kind == "http" and binding.get("name") != "$return":
            raise DevhostError(f"function {name}: an http output must be the return value")
        outputs.append(binding)

    user_function = function.get_user_function()
    params = set(inspect.signature(user_function).parameters)
    provided = {trigger["name"]} | {b["name"] for b in outputs if b["name"] != "$return"}
    missing = params - provided - {"context"}
    if missing:
        raise DevhostError(
            f"function {name}: parameters {sorted(missing)} have no binding "
            f"(bindings: {sorted(provided)})"
        )
    return FunctionSpec(
        name=name,
        trigger=trigger,
        outputs=tuple(outputs),
        func=user_function,
        wants_context="context" in params,
        directory=directory,
    )


def describe(spec: FunctionSpec, base_url: str) -> str:
    """An HTTP function's start-up line, as Core Tools prints it: methods and URL."""
    methods = ",".join(sorted(spec.methods)) if spec.methods else "*"
    return f"{spec.name}: [{methods}] {base_url}/{spec.route}"
