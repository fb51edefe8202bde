"""Readers for the drift tests: what the code reads and names, and what the Bicep deploys.

Everything here parses text (Python with ``ast``, Bicep and workflows with small scanners):
no network, no Azure tooling, so the checks run everywhere the unit tests run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
WORKFLOWS = ROOT / ".github" / "workflows"
SETTINGS_PY = ROOT / "shared" / "settings.py"
FUNCTIONS_BICEP = INFRA / "modules" / "functionapp.bicep"
MAIN_BICEP = INFRA / "main.bicep"


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
    readers = _reader_helpers(tree)
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
    return settings_read(SETTINGS_PY.read_text(encoding="utf-8"))


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


# --------------------------------------------------------------------------- Bicep side


def strip_bicep_comments(text: str) -> str:
    """Bicep without ``//`` and ``/* */`` comments; string literals (which may hold ``//``,
    as in URLs) are kept intact. Line breaks are kept so line numbers stay meaningful."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("'''", i):
            end = text.find("'''", i + 3)
            end = n if end < 0 else end + 3
            out.append(text[i:end])
            i = end
        elif text[i] == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append("\n" * text.count("\n", i, end))
            i = end
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def bicep(path: Path) -> str:
    """One Bicep file, comments removed."""
    return strip_bicep_comments(path.read_text(encoding="utf-8"))


def all_bicep() -> str:
    return "\n".join(bicep(p) for p in bicep_files())


def bracket_block(text: str, start: int) -> str:
    """The balanced ``[...]`` or ``{...}`` block whose opening bracket is at/after ``start``."""
    open_at = min(i for i in (text.find("[", start), text.find("{", start)) if i >= 0)
    pairs = {"[": "]", "{": "}"}
    stack = []
    i = open_at
    in_string = False
    while i < len(text):
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == "'":
                in_string = False
        elif c == "'":
            in_string = True
        elif c in pairs:
            stack.append(pairs[c])
        elif c in "]}":
            if not stack or stack.pop() != c:
                raise ExtractionError(f"unbalanced {c!r} at offset {i}")
            if not stack:
                return text[open_at : i + 1]
        i += 1
    raise ExtractionError("unterminated block")


def top_level_blocks(array_block: str) -> list[str]:
    """The ``{...}`` items of a ``[...]`` block (braces inside strings are not items)."""
    items = []
    i = 1
    while True:
        next_open = array_block.find("{", i)
        if next_open < 0:
            return items
        # Skip braces that sit inside string literals between items.
        if array_block[i:next_open].count("'") % 2:
            raise ExtractionError("string literal between array items")
        item = bracket_block(array_block, next_open)
        items.append(item[1:-1])
        i = next_open + len(item)


def bicep_var_block(text: str, name: str) -> str:
    match = re.search(rf"^var\s+{re.escape(name)}\s*=\s*", text, re.MULTILINE)
    if not match:
        raise ExtractionError(f"no `var {name} = ...` in the Bicep")
    return bracket_block(text, match.end())


def quoted_strings(block: str) -> list[str]:
    return re.findall(r"'((?:[^'\\]|\\.)*)'", block)


def bicep_string_array(text: str, name: str) -> list[str]:
    """The items of ``var NAME = [ 'a' 'b' ]`` (string literals only)."""
    return quoted_strings(bicep_var_block(text, name))


def bicep_app_settings() -> dict[str, str]:
    """App settings of the function app: name -> value expression (Bicep source text).

    They are the ``var appSettings = [ { name: '...' value: ... } ]`` list in
    functionapp.bicep, which ``siteConfig.appSettings`` uses as is (a test checks that).
    """
    block = bicep_var_block(bicep(FUNCTIONS_BICEP), "appSettings")
    settings: dict[str, str] = {}
    for body in top_level_blocks(block):
        name = re.search(r"^\s*name:\s*'([^']+)'\s*$", body, re.MULTILINE)
        value = re.search(r"^\s*value:\s*(.+?)\s*$", body, re.MULTILINE)
        if not name or not value:
            raise ExtractionError(f"app setting entry without name/value: {body.strip()!r}")
        if name.group(1) in settings:
            raise ExtractionError(f"app setting {name.group(1)} is set twice")
        settings[name.group(1)] = value.group(1)
    return settings


def bicep_params(text: str) -> dict[str, str]:
    """``param NAME TYPE [= default]`` declarations: name -> the rest of the line."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(r"^param\s+([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$", text, re.MULTILINE)
    }


def bicep_outputs(text: str) -> dict[str, str]:
    return {
        m.group(1): m.group(2)
        for m in re.finditer(
            r"^output\s+([A-Za-z_][A-Za-z0-9_]*)\s+\w+\s*=\s*(.*)$", text, re.MULTILINE
        )
    }


def bicep_resources(text: str) -> list[tuple[str, str, str, str]]:
    """``resource SYMBOL 'TYPE@VERSION' [existing] = BODY`` as (symbol, type, version, rest
    of the declaration line)."""
    return [
        (m.group(1), m.group(2), m.group(3), m.group(4))
        for m in re.finditer(
            r"^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s*(.*)$", text, re.MULTILINE
        )
    ]


def resource_body(text: str, symbol: str) -> str:
    match = re.search(rf"^resource\s+{re.escape(symbol)}\s+'[^']+'[^=]*=\s*", text, re.MULTILINE)
    if not match:
        raise ExtractionError(f"no resource {symbol}")
    return bracket_block(text, match.end())
