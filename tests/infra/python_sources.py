"""Readers of the Python side for the drift tests: which settings the app reads and where.

Parses with ``ast`` only: no imports of the app, no network.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_PY = ROOT / "shared" / "settings.py"
# The one settings object is built in settings.py from these modules' parsers too.
SETTINGS_MODULES = (SETTINGS_PY, ROOT / "shared" / "email_settings.py",
                    ROOT / "shared" / "connector_settings.py",
                    ROOT / "shared" / "secret_settings.py")


class ExtractionError(AssertionError):
    """The source does something the extractor cannot resolve: fail rather than guess."""


# --------------------------------------------------------------------------- Python side


def _string_constants(tree: ast.AST) -> dict[str, str]:
    """Module- and function-level ``NAME = "literal"`` assignments (e.g. ``prefix = "X__"``)."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
            if isinstance(target, ast.Name) and isinstance(value, ast.Constant) \
                    and isinstance(value.value, str):
                found[target.id] = value.value
    return found


def _resolve(node: ast.expr, names: dict[str, str]) -> str | None:
    """The string an expression always evaluates to, or None if it is not a fixed string."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _resolve(node.left, names), _resolve(node.right, names)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                resolved = _resolve(value.value, names)
                if resolved is None:
                    return None
                parts.append(resolved)
            else:
                parts.append(_resolve(value, names) or "")
        return "".join(parts)
    return None


def _is_env_read(call: ast.Call, readers: set[str]) -> bool:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in readers or func.id == "getenv"
    if isinstance(func, ast.Attribute):
        if func.attr == "getenv":
            return True
        if func.attr == "get":
            owner = func.value
            if isinstance(owner, ast.Name):
                return owner.id in {"env", "environ"}
            return isinstance(owner, ast.Attribute) and owner.attr == "environ"
    return False


def _read_key(node: ast.AST, readers: set[str]) -> ast.expr | None:
    """The key expression if ``node`` reads a setting, else None."""
    if isinstance(node, ast.Call) and _is_env_read(node, readers) and node.args:
        return node.args[0]
    if isinstance(node, ast.Subscript):
        owner = node.value
        if (isinstance(owner, ast.Name) and owner.id in {"env", "environ"}) or (
            isinstance(owner, ast.Attribute) and owner.attr == "environ"
        ):
            return node.slice
    return None


def _reader_helpers(tree: ast.AST) -> set[str]:
    """Local helpers that read the setting named by their first parameter, like
    ``def opt(name): return env.get(name, "")``: calls to them are setting reads."""
    helpers: set[str] = set()
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef) and fn.args.args:
            first = fn.args.args[0].arg
            for node in ast.walk(fn):
                key = _read_key(node, set())
                if isinstance(key, ast.Name) and key.id == first:
                    helpers.add(fn.name)
    return helpers


def settings_read(source: str, filename: str = "shared/settings.py") -> set[str]:
    """Every setting name the source reads: ``env.get("X")``, ``env["X"]``,
    ``os.environ.get``/``os.getenv``, and calls of local reader helpers such as
    ``opt("X")``; names built from string constants are resolved
    (``env.get(prefix + "accountName")`` with ``prefix = "AzureWebJobsStorage__"``).

    A read whose name is not a fixed string raises ExtractionError naming the line, so a new
    dynamic read cannot slip past the drift tests unnoticed.
    """
    tree = ast.parse(source, filename)
    names = _string_constants(tree)
    # ``opt`` is the reader settings.py defines and hands to the parsers of its parts
    # (email_settings.py, connector_settings.py), where it arrives as a parameter.
    readers = _reader_helpers(tree) | {"opt"}
    helper_params = {
        fn.args.args[0].arg
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef) and fn.name in readers
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        key = _read_key(node, readers)
        if key is None:
            continue
        if isinstance(key, ast.Name) and key.id in helper_params and key.id not in names:
            continue  # the body of a reader helper: its callers are the reads
        resolved = _resolve(key, names)
        if resolved is None:
            raise ExtractionError(
                f"{filename}:{getattr(node, 'lineno', '?')}: the setting name read here is not "
                "a fixed string; make it a literal (or a constant) so the deployment drift "
                "tests can see it"
            )
        found.add(resolved)
    return found


def code_settings() -> set[str]:
    return set().union(*(settings_read(p.read_text(encoding="utf-8"), str(p))
                         for p in SETTINGS_MODULES))


def app_python_files() -> list[Path]:
    """The deployed app's Python: function_app.py and the shared package."""
    return [ROOT / "function_app.py", *sorted((ROOT / "shared").rglob("*.py"))]


def environment_readers(paths: Iterable[Path]) -> list[str]:
    """``file:line`` of every ``os.environ`` / ``getenv`` use in ``paths``."""
    hits = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            uses_environ = isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}
            imports_it = isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in {"environ", "getenv"} for a in node.names
            )
            if uses_environ or imports_it:
                hits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return hits


_SETTING_REF = re.compile(r"%([A-Za-z_][A-Za-z0-9_]*)%")


def binding_settings(paths: Iterable[Path]) -> tuple[set[str], set[str]]:
    """Settings that trigger/binding decorators make the Functions host resolve:
    ``%NAME%`` expressions (e.g. a timer's schedule) and ``connection="NAME"`` prefixes."""
    expressions: set[str] = set()
    connections: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if not isinstance(decorator, ast.Call):
                    continue
                for kw in decorator.keywords:
                    if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        expressions.update(_SETTING_REF.findall(kw.value.value))
                        if kw.arg == "connection":
                            connections.add(kw.value.value)
                for arg in decorator.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        expressions.update(_SETTING_REF.findall(arg.value))
    return expressions, connections
