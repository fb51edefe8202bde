"""Readers for the drift tests: what the code reads and names, and what the Bicep deploys.

Everything here parses text (Python with ``ast``, Bicep and workflows with small scanners):
no network, no Azure tooling, so the checks run everywhere the unit tests run.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
WORKFLOWS = ROOT / ".github" / "workflows"
FUNCTIONS_BICEP = INFRA / "modules" / "functionapp.bicep"
MAIN_BICEP = INFRA / "main.bicep"

# The Python side lives in its own module; re-exported so tests keep one import.
from tests.infra.python_sources import (  # noqa: E402
    SETTINGS_PY,
    ExtractionError,
    app_python_files,
    binding_settings,
    code_settings,
    environment_readers,
    settings_read,
)

__all__ = [
    "SETTINGS_PY", "ExtractionError", "app_python_files", "binding_settings", "code_settings",
    "environment_readers", "settings_read",
]


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
