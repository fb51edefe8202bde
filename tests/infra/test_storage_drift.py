"""The Bicep creates exactly the tables and queues the code uses.

The code's lists are what the app creates for itself locally: the tables and queues
shared/bootstrap.py hands to ``_ensure_resources`` (read from that call, with the imports of
the function around it, so a module that moves or a list that grows is followed). A table or
queue added there but not to ``var tableNames`` / ``var queueNames`` in infra/main.bicep makes
the set comparison fail naming it; one added only to the Bicep fails the same test the other
way round. The storage module may create tables and queues only from those lists, so no third
place can add one.
"""

from __future__ import annotations

import ast
import re

from tests.infra import sources

BOOTSTRAP = sources.ROOT / "shared" / "bootstrap.py"


def ensured_locally(source: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tables, queues) of the ``_ensure_resources(storage, service, tables, queues)`` call,
    evaluated with the ``from ... import`` statements of the function that makes it."""
    tree = ast.parse(source)
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Name) and n.func.id == "_ensure_resources"]
        if not calls:
            continue
        namespace: dict[str, object] = {}
        imports: list[ast.stmt] = [n for n in fn.body if isinstance(n, ast.ImportFrom)]
        exec(compile(ast.Module(body=imports, type_ignores=[]), "bootstrap", "exec"), namespace)
        tables, queues = (eval(compile(ast.Expression(arg), "bootstrap", "eval"), namespace)
                          for arg in calls[0].args[2:4])
        return tuple(tables), tuple(queues)
    raise sources.ExtractionError("shared/bootstrap.py no longer calls _ensure_resources")


TABLES, QUEUES = ensured_locally(BOOTSTRAP.read_text(encoding="utf-8"))

STORAGE_BICEP = sources.INFRA / "modules" / "storage.bicep"


def _main_list(name: str) -> list[str]:
    return sources.bicep_string_array(sources.bicep(sources.MAIN_BICEP), name)


def test_tables_match_the_code() -> None:
    deployed = _main_list("tableNames")
    assert len(deployed) == len(set(deployed)), f"duplicate table in main.bicep: {deployed}"
    assert set(deployed) == set(TABLES), (
        f"missing from the Bicep: {sorted(set(TABLES) - set(deployed))}; "
        f"unknown to the code: {sorted(set(deployed) - set(TABLES))}"
    )


def test_queues_match_the_code() -> None:
    deployed = _main_list("queueNames")
    assert len(deployed) == len(set(deployed)), f"duplicate queue in main.bicep: {deployed}"
    assert set(deployed) == set(QUEUES), (
        f"missing from the Bicep: {sorted(set(QUEUES) - set(deployed))}; "
        f"unknown to the code: {sorted(set(deployed) - set(QUEUES))}"
    )


def test_names_are_valid_azure_names() -> None:
    for table in TABLES:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,62}", table), f"invalid table name {table}"
    for queue in QUEUES:
        assert re.fullmatch(r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]", queue), (
            f"invalid queue name {queue}"
        )


def test_tables_and_queues_come_only_from_those_lists() -> None:
    kinds = {"tables": "tableNames", "queues": "queueNames"}
    for path in sources.bicep_files():
        text = sources.bicep(path)
        for symbol, rtype, _, _rest in sources.bicep_resources(text):
            kind = rtype.rsplit("/", 1)[-1]
            if kind not in kinds:
                continue
            assert path == STORAGE_BICEP, f"{path.name} creates {rtype} ({symbol})"
            assert re.search(
                rf"^resource\s+{symbol}\s+'[^']+'\s*=\s*\[\s*for\s+\w+\s+in\s+{kinds[kind]}\s*:",
                text, re.MULTILINE,
            ), f"{symbol} must be a loop over the {kinds[kind]} parameter"
    storage = sources.bicep(STORAGE_BICEP)
    for kind, param in kinds.items():
        assert f"param {param} array" in storage
        assert re.search(rf"'Microsoft\.Storage/storageAccounts/\w+Services/{kind}@", storage)
    main = sources.bicep(sources.MAIN_BICEP)
    assert re.search(r"tableNames:\s*tableNames\b", main)
    assert re.search(r"queueNames:\s*queueNames\b", main)


def test_deployment_container_is_private() -> None:
    storage = sources.bicep(STORAGE_BICEP)
    body = sources.resource_body(storage, "deploymentContainer")
    assert "publicAccess: 'None'" in body


def test_a_queue_added_in_bootstrap_is_seen() -> None:
    """The extraction follows the code: a queue added to the call shows up (and would then be
    reported missing from the Bicep)."""
    source = BOOTSTRAP.read_text(encoding="utf-8")
    anchor = "*PARTNER_CENTER_QUEUES)"
    assert anchor in source, "bootstrap.py changed shape: update this test's anchor"
    _, queues = ensured_locally(source.replace(anchor, anchor[:-1] + ', "brand-new-queue")', 1))
    assert set(queues) - set(QUEUES) == {"brand-new-queue"}
    assert "brand-new-queue" not in _main_list("queueNames")
