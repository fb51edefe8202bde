"""The Bicep creates exactly the tables and queues the code uses.

A table added to ``shared.storage.layout.keys.TABLES`` (or a queue to ``QUEUES`` of
``shared.notifications.queue`` or ``SWEEP_QUEUES`` of ``shared.storage.tables.sweep_queue``) but not to
``var tableNames`` / ``var queueNames`` in infra/main.bicep makes the set comparison fail
naming it; one added only to the Bicep fails the same test the other way round. The storage
module may create tables and queues only from those lists, so no third place can add one.
"""

from __future__ import annotations

import re

from shared.notifications.queue import QUEUES as NOTIFICATION_QUEUES
from shared.storage.layout.keys import TABLES
from shared.storage.tables.sweep_queue import SWEEP_QUEUES
from tests.infra import sources

QUEUES = (*NOTIFICATION_QUEUES, *SWEEP_QUEUES)

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
