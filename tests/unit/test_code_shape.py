"""The shape a newcomer relies on: layers import downward only, and nothing grows past the
size where it should be split. Each check is shown able to fail on a made-up source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 45  # "about 40": a screenful

# Lower ranks are more fundamental; a module may import only lower ranks or its own package.
RANKS = {
    "shared.domain": 0, "shared.auth_errors": 0,
    "shared.settings": 1,  # checks notification URLs with the domain's webhook URL rules
    "shared.storage": 2, "shared.auth_entra": 2, "shared.ui": 2, "shared.auth": 3,
    "shared.services": 3,
    "shared.notifications": 4,
    "shared.bootstrap": 5,
    "shared.triggers": 6,
}


def _layer(module: str) -> str | None:
    return next((name for name in sorted(RANKS, key=len, reverse=True)
                 if module == name or module.startswith(name + ".")), None)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    return found


def upward_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    own = _layer(module)
    if own is None:
        return []
    bad = []
    for target in sorted(_imports(ast.parse(source), module, is_package)):
        layer = _layer(target)
        if layer is not None and layer != own and RANKS[layer] >= RANKS[own]:
            bad.append(f"{module} imports {target}")
    return bad


def long_functions(source: str, name: str) -> list[str]:
    return [f"{name}:{n.lineno} {n.name}() is {n.end_lineno - n.lineno + 1} lines"
            for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and (n.end_lineno or n.lineno) - n.lineno + 1 > MAX_FUNCTION_LINES]


def _python_files(*tops: str) -> list[Path]:
    return [p for top in tops for p in sorted((ROOT / top).rglob("*.py"))
            if "node_modules" not in p.parts]


def test_layers_import_downward_only():
    bad = [problem for path in _python_files("shared")
           for problem in upward_imports(path.read_text(encoding="utf-8"), _module_name(path),
                                         path.name == "__init__.py")]
    assert not bad, "imports against the layering:\n" + "\n".join(bad)


def test_the_layer_check_catches_an_upward_import():
    assert upward_imports("from shared.services import referrals\n", "shared.domain.models")
    assert upward_imports("from ..triggers import errors\n", "shared.storage.tables")
    assert not upward_imports("from .models import Referral\n", "shared.domain.operations")


@pytest.mark.parametrize("top", ["shared", "devhost", "tools", "tests"])
def test_no_module_over_300_lines(top):
    big = [f"{p.relative_to(ROOT)}: {n} lines" for p in _python_files(top)
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]
    assert not big, "split these by role:\n" + "\n".join(big)


@pytest.mark.parametrize("top", ["shared", "devhost", "tools", "tests"])
def test_no_function_over_about_40_lines(top):
    long = [problem for p in _python_files(top)
            for problem in long_functions(p.read_text(encoding="utf-8"),
                                          str(p.relative_to(ROOT)))]
    assert not long, "\n".join(long)


def test_the_length_check_catches_a_long_function():
    source = "def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES
    assert long_functions(source, "made-up.py") and not long_functions("def g():\n    pass\n",
                                                                        "ok.py")
