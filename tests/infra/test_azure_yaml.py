"""azure.yaml (`azd up`) against the Bicep it relies on.

azd provisions infra/<module>.bicep with infra/<module>.parameters.json, replacing each
``${NAME}`` (or ``${NAME=default}``) with the azd environment's value, then deploys each
service to the resource tagged ``azd-service-name: <service>``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from tests.infra import sources

AZURE_YAML = sources.ROOT / "azure.yaml"
# Set by azd itself in every environment.
AZD_BUILTINS = {"AZURE_ENV_NAME", "AZURE_LOCATION", "AZURE_SUBSCRIPTION_ID",
                "AZURE_PRINCIPAL_ID", "AZURE_RESOURCE_GROUP"}
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(=[^}]*)?\}")


def _doc() -> dict[str, Any]:
    loaded = yaml.safe_load(AZURE_YAML.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _parameters_file() -> dict[str, Any]:
    infra = _doc()["infra"]
    path = sources.ROOT / infra["path"] / f"{infra['module']}.parameters.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))["parameters"])


def test_the_api_service_is_this_function_app() -> None:
    doc = _doc()
    assert doc["infra"] == {"provider": "bicep", "path": "infra", "module": "main"}
    assert (sources.ROOT / "infra" / "main.bicep").is_file()
    api = doc["services"]["api"]
    assert {k: v for k, v in api.items() if k != "hooks"} == {
        "project": ".", "language": "python", "host": "function"}
    assert set(api.get("hooks", {})) == {"prepackage"}  # MSAL.js from npm (test_msal_from_npm)
    assert (sources.ROOT / api["project"] / "function_app.py").is_file()
    assert (sources.ROOT / api["project"] / "requirements.txt").is_file()


def test_every_service_has_its_tagged_resource() -> None:
    tagged = re.findall(r"'azd-service-name':\s*'([^']+)'", sources.all_bicep())
    assert sorted(tagged) == sorted(_doc()["services"]), tagged
    body = sources.resource_body(sources.bicep(sources.FUNCTIONS_BICEP), "functionApp")
    assert "'azd-service-name': 'api'" in body, "the tag belongs on the function app"


def test_parameters_azd_fills_exist_in_main_bicep() -> None:
    declared = sources.bicep_params(sources.bicep(sources.MAIN_BICEP))
    filled = _parameters_file()
    unknown = sorted(set(filled) - set(declared))
    assert not unknown, f"main.parameters.json fills parameters main.bicep lacks: {unknown}"
    text = json.dumps(filled)
    used = {m.group(1) for m in REFERENCE.finditer(text)}
    assert {"AZURE_ENV_NAME", "AZURE_LOCATION"} <= used
    # Every non-builtin variable is documented for the newcomer.
    guide = (sources.INFRA / "README.md").read_text(encoding="utf-8")
    undocumented = sorted(v for v in used - AZD_BUILTINS if v not in guide)
    assert not undocumented, f"infra/README.md does not mention azd variables {undocumented}"


def test_name_prefix_default_fits_the_bicep_bounds() -> None:
    value = _parameters_file()["namePrefix"]["value"]
    match = REFERENCE.fullmatch(value)
    assert match and match.group(2), "namePrefix needs a default: env names may be too long"
    default = match.group(2)[1:]
    assert 3 <= len(default) <= 11 and re.fullmatch(r"[a-z0-9-]+", default)


def test_outputs_the_workflow_and_guide_read_exist() -> None:
    outputs = sources.bicep_outputs(sources.bicep(sources.MAIN_BICEP))
    assert {"functionAppName", "functionAppHostName", "storageAccountName"} <= set(outputs)
