"""The shape a newcomer relies on: layers import downward only, no import cycle between app
modules, no crowded folder, no fake in the product, and nothing grows past the size where it
should be split. Each check is shown able to fail on a made-up input."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 45  # "about 40": a screenful
MAX_MODULES_PER_FOLDER = 15
SIZED = ["shared", "devhost", "tools", "tests", "bench", "function_app.py"]
ROOMS = ("partner_center", "marketplace", "privacy")  # revision 3 capabilities
ENTRY_MODULES = ("routes", "triggers")  # a room's HTTP routes and background functions

# Lower ranks are more fundamental; a module may import only lower ranks or its own layer.
RANKS: dict[str, float] = {
    "shared.domain": 0,
    # The settings' parts, which settings.py reads and checks together.
    "shared.connector_settings": 0.5, "shared.email_settings": 0.5,
    "shared.secret_settings": 0.5, "shared.telemetry.settings": 0.5,
    "shared.storage.ports.ids": 0.5,  # public ids, pure: telemetry checks what it records
    "shared.settings": 1,  # checks notification URLs with the domain's webhook URL rules
    "shared.telemetry": 2,  # low, so that every layer above may record spans and counts
    "shared.storage": 3, "shared.auth": 3, "shared.ui": 3,
    "shared.services": 4,
    "shared.notifications": 5,
    # A room (a connector or capability) uses the services, storage and notifications; its
    # routes and triggers sit with the other entry points.
    **{f"shared.{room}": 6 for room in ROOMS},
    **{f"shared.{room}.ports": 3 for room in ROOMS},  # what the services' Context holds
    "shared.bootstrap": 7,
    "shared.http": 8,
    "shared.openapi": 9, "shared.background": 9,
    "shared.routes": 10,
    **{f"shared.{room}.{entry}": 10 for room in ROOMS for entry in ENTRY_MODULES},
    "shared.route_table": 11,
}

# Known exceptions: none today. An entry names work in progress elsewhere; the checks still
# fail on anything new. Remove an entry when its owner fixes it.
KNOWN_CYCLES: list[list[str]] = []
KNOWN_CROWDED: set[Path] = set()


def _layer(module: str) -> str | None:
    return next((name for name in sorted(RANKS, key=len, reverse=True)
                 if module == name or module.startswith(name + ".")), None)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """Every module ``tree`` imports, anywhere (inside functions too); ``from a import b``
    counts as ``a`` and ``a.b``, since ``b`` may be a module."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            elif node.module:
                source = node.module
            else:
                continue
            found.add(source)
            found.update(f"{source}.{a.name}" for a in node.names)
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


def _python_files(*tops: str) -> list[Path]:
    files: list[Path] = []
    for top in tops:
        path = ROOT / top
        files += [path] if path.is_file() else [p for p in sorted(path.rglob("*.py"))
                                                 if "node_modules" not in p.parts]
    return files


def _app_sources() -> dict[str, tuple[str, bool]]:
    return {_module_name(p): (p.read_text(encoding="utf-8"), p.name == "__init__.py")
            for p in _python_files("shared")}


def test_layers_import_downward_only():
    bad = [problem for module, (source, is_package) in _app_sources().items()
           for problem in upward_imports(source, module, is_package)]
    assert not bad, "imports against the layering:\n" + "\n".join(bad)


def test_the_layer_check_catches_an_upward_import():
    assert upward_imports("from shared.services import referrals\n", "shared.domain.models")
    assert upward_imports("from ..http import errors\n", "shared.storage.tables")
    assert upward_imports("from shared import bootstrap\n", "shared.services.referrals")
    assert upward_imports("def f():\n    from shared.routes import health\n", "shared.http.call")
    assert not upward_imports("from .models import Referral\n", "shared.domain.operations")


def import_graph(sources: Mapping[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """Which app modules each app module imports, counting imports inside functions."""
    def resolve(name: str) -> str | None:  # the module itself, or the package it names
        parts = name.split(".")
        return next((".".join(parts[:n]) for n in range(len(parts), 0, -1)
                     if ".".join(parts[:n]) in sources), None)

    graph: dict[str, set[str]] = {}
    for module, (source, is_package) in sources.items():
        targets = {resolve(name) for name in _imports(ast.parse(source), module, is_package)}
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def import_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while (member := stack.pop()) != node:
                group.append(member)
            if group:
                cycles.append(sorted([node, *group]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycle_between_app_modules():
    cycles = [c for c in import_cycles(import_graph(_app_sources())) if c not in KNOWN_CYCLES]
    assert not cycles, "import cycles (late imports count):\n" + "\n".join(map(str, cycles))


def test_the_cycle_check_catches_a_late_import():
    made_up = {"shared.a": ("from shared import b\n", False),
               "shared.b": ("def f():\n    from shared.a import x\n", False),
               "shared.c": ("import shared.a\n", False)}
    assert import_cycles(import_graph(made_up)) == [["shared.a", "shared.b"]]
    assert not import_cycles({"a": {"b"}, "b": set()})


def crowded_folders(modules: Iterable[Path], limit: int = MAX_MODULES_PER_FOLDER) -> list[str]:
    counts: dict[Path, int] = {}
    for path in modules:
        if path.name != "__init__.py":
            counts[path.parent] = counts.get(path.parent, 0) + 1
    return [f"{folder}: {n} modules" for folder, n in sorted(counts.items()) if n > limit]


def test_no_folder_under_shared_holds_more_than_15_modules():
    crowded = crowded_folders(p.relative_to(ROOT) for p in _python_files("shared")
                              if p.parent.relative_to(ROOT) not in KNOWN_CROWDED)
    assert not crowded, "split these into rooms:\n" + "\n".join(crowded)


def test_the_folder_check_catches_a_crowded_folder():
    made_up = [Path("shared/flat") / f"m{i}.py" for i in range(MAX_MODULES_PER_FOLDER + 1)]
    assert crowded_folders(made_up) == ["shared/flat: 16 modules"]
    assert not crowded_folders([*made_up[:-1], Path("shared/flat/__init__.py")])


FAKE = re.compile(r"(Memory|Fake)[A-Z0-9_]")


def fake_classes(source: str, name: str) -> list[str]:
    return [f"{name}:{n.lineno} class {n.name}" for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.ClassDef) and FAKE.match(n.name)]


def test_no_fake_in_the_product():
    fakes = [problem for p in _python_files("shared")
             for problem in fake_classes(p.read_text(encoding="utf-8"),
                                         str(p.relative_to(ROOT)))]
    assert not fakes, "fakes belong in tests/fakes:\n" + "\n".join(fakes)


def test_the_fake_check_catches_a_fake():
    assert fake_classes("class MemoryStore:\n    pass\n", "made-up.py")
    assert fake_classes("class FakeClock:\n    pass\n", "made-up.py")
    assert not fake_classes("class Memo:\n    pass\nclass TableStore:\n    pass\n", "ok.py")


def long_functions(source: str, name: str) -> list[str]:
    return [f"{name}:{n.lineno} {n.name}() is {n.end_lineno - n.lineno + 1} lines"
            for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and (n.end_lineno or n.lineno) - n.lineno + 1 > MAX_FUNCTION_LINES]


def long_modules(paths: Iterable[Path]) -> list[str]:
    return [f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}: {n} lines" for p in paths
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES]


@pytest.mark.parametrize("top", SIZED)
def test_no_module_over_300_lines(top):
    big = long_modules(_python_files(top))
    assert not big, "split these by role:\n" + "\n".join(big)


def test_the_module_check_catches_a_long_module(tmp_path):
    made_up = tmp_path / "made_up.py"
    made_up.write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    assert long_modules([made_up]) and not long_modules([Path(__file__)])


@pytest.mark.parametrize("top", SIZED)
def test_no_function_over_about_40_lines(top):
    long = [problem for p in _python_files(top)
            for problem in long_functions(p.read_text(encoding="utf-8"),
                                          str(p.relative_to(ROOT)))]
    assert not long, "\n".join(long)


def test_the_length_check_catches_a_long_function():
    source = "def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES
    assert long_functions(source, "made-up.py") and not long_functions("def g():\n    pass\n",
                                                                        "ok.py")
