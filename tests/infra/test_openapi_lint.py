"""The OpenAPI document passes the linters people run on it: Redocly's recommended rules (no
errors) and Spectral's ``spectral:oas`` (nothing at all). Both are pinned in package.json and
installed by ``scripts/setup-tests`` (``npm ci``, devDependencies); never skipped. A deliberately broken copy shows
each linter can fail. Each linter runs once, over both files, for the whole module."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shared.domain.models import MONEY_JSON_SCHEMA
from shared.route_table import document
from tests.infra import sources

BIN = sources.ROOT / "node_modules" / ".bin"
SPECTRAL_RULESET = sources.ROOT / ".spectral.yaml"
# No usage reports and no update check: the tests run offline and must not phone home.
QUIET = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}


@dataclass(frozen=True)
class Problem:
    rule: str
    severity: str  # "error", "warning", or lower
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file} {self.severity} {self.rule} at {self.where}: {self.message}"


def _run(tool: str, *args: str) -> str:
    exe = BIN / tool
    assert exe.exists(), f"{tool} missing: run scripts/setup-tests (npm ci installs the devDependencies)"
    result = subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120,
                            check=False, env={**os.environ, **QUIET}, cwd=sources.ROOT)
    if not result.stdout.strip():  # the linter itself failed: show why
        pytest.fail(f"{tool} printed no report (exit {result.returncode}):\n{result.stderr}")
    return result.stdout


def _redocly_problems(out: str) -> list[Problem]:
    found, pos, decoder = [], 0, json.JSONDecoder()
    while pos < len(out):  # one JSON report per file, back to back
        report, pos = decoder.raw_decode(out, pos)
        pos = len(out) - len(out[pos:].lstrip())
        for p in report["problems"]:
            loc = p["location"][0]
            found.append(Problem(p["ruleId"], "warning" if p["severity"] == "warn"
                                 else p["severity"], Path(loc["source"]["ref"]).name,
                                 loc["pointer"], p["message"]))
    return found


def _spectral_problems(out: str) -> list[Problem]:
    levels = ["error", "warning", "info", "hint"]
    return [Problem(p["code"], levels[p["severity"]], Path(p["source"]).name,
                    ".".join(map(str, p["path"])), p["message"]) for p in json.loads(out)]


def lint_files(tool: str, *files: Path) -> list[Problem]:
    if tool == "redocly":
        out, parse = _run(tool, "lint", "--format", "json", *map(str, files)), _redocly_problems
    else:
        out, parse = _run(tool, "lint", "--quiet", "--ruleset", str(SPECTRAL_RULESET),
                          "--format", "json", *map(str, files)), _spectral_problems
    try:
        return parse(out)
    except (ValueError, LookupError, TypeError):
        pytest.fail(f"{tool} printed a report this test cannot read:\n{out}")


def broken(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with a $ref to nothing and two operations sharing an id."""
    bad = copy.deepcopy(doc)
    ok = bad["paths"]["/referrals/{id}"]["get"]["responses"]["200"]
    ok["content"]["application/json"]["schema"] = {"$ref": "#/components/schemas/Nowhere"}
    bad["paths"]["/referrals/{id}"]["patch"]["operationId"] = "getReferral"
    return bad


@pytest.fixture(scope="module")
def lint(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[Problem]]]:
    """linter -> file name -> its problems, for the document and its broken copy."""
    folder = tmp_path_factory.mktemp("openapi")
    good, bad = folder / "openapi.json", folder / "broken.json"
    good.write_text(json.dumps(document(), indent=1))
    bad.write_text(json.dumps(broken(document()), indent=1))
    reports = {tool: lint_files(tool, good, bad) for tool in ("redocly", "spectral")}
    return {linter: {f.name: [p for p in found if p.file == f.name] for f in (good, bad)}
            for linter, found in reports.items()}


def _listing(problems: list[Problem]) -> str:
    return "\n".join(map(str, problems))


def test_redocly_recommended_reports_no_errors(lint):
    found = lint["redocly"]["openapi.json"]
    errors = [p for p in found if p.severity == "error"]
    assert not errors, _listing(found)
    # The only warnings allowed: anonymous routes that answer no 4xx (health, this
    # document, the dashboard) cannot honestly list one.
    anonymous = {f"#/paths/{path.replace('/', '~1')}/{method}/responses"
                 for path, ops in document()["paths"].items() for method, op in ops.items()
                 if op.get("security") == [] and "parameters" not in op}
    unexpected = [p for p in found if p.rule != "operation-4xx-response"
                  or p.where not in anonymous]
    assert not unexpected, _listing(found)


def test_spectral_oas_reports_nothing(lint):
    found = lint["spectral"]["openapi.json"]
    assert not found, _listing(found)


@pytest.mark.parametrize(("linter", "rules"), [
    ("redocly", {"no-unresolved-refs", "operation-operationId-unique"}),
    ("spectral", {"invalid-ref", "operation-operationId-unique"}),
])
def test_each_linter_catches_a_broken_document(lint, linter, rules):
    found = lint[linter]["broken.json"]
    assert rules <= {p.rule for p in found if p.severity == "error"}, _listing(found)


def test_money_times_and_edits_are_described_as_sent():
    schemas = document()["components"]["schemas"]
    assert schemas["AcceptRequest"]["properties"]["dealValue"] == {
        **MONEY_JSON_SCHEMA, "title": "Dealvalue"}
    assert MONEY_JSON_SCHEMA == {"type": "number", "minimum": 0, "maximum": 10**12,
                                 "multipleOf": 0.01}
    assert schemas["DetailsOut"]["properties"]["dealValue"]["anyOf"] == [
        MONEY_JSON_SCHEMA, {"type": "null"}]
    # Left out, never cleared: not required, no null, no default of null.
    edit = schemas["EditRequest"]
    assert not edit.get("required") and {"type": "null"} in edit["properties"]["notes"]["anyOf"]
    for name in ("name", "dealValue", "currency", "closingDate"):
        assert "anyOf" not in edit["properties"][name] and "default" not in edit["properties"][name]
    times = {k: v for k, v in schemas["ReferralOut"]["properties"].items()
             if k.endswith("DateTime")}
    assert len(times) >= 5 and all("date-time" in json.dumps(v) for v in times.values())


def test_intake_documents_its_headers():
    intake = document()["paths"]["/referrals"]["post"]
    created = intake["responses"]["201"]
    assert set(created["headers"]) == {"ETag", "Location", "Repeatability-Result"}
    asked = {(p["name"], p["in"]) for p in intake["parameters"]}
    assert asked == {("Repeatability-Request-ID", "header"),
                     ("Repeatability-First-Sent", "header")}


def test_every_event_type_has_a_webhook_entry():
    from shared.domain.enums import EventType

    doc = document()
    hooks = doc["webhooks"]
    assert set(hooks) == {t.value for t in EventType}
    for event in EventType:
        post = hooks[event.value]["post"]
        assert {p["name"] for p in post["parameters"]} == {
            "webhook-id", "webhook-timestamp", "webhook-signature"}
        body = post["requestBody"]["content"]["application/cloudevents+json"]["schema"]
        assert body["allOf"][0] == {"$ref": "#/components/schemas/CloudEvent"}
        own = body["allOf"][1]["properties"]
        assert own["type"]["const"] == event.value
        data = json.dumps(own["data"])
        expected = {"webhook.test": {"WebhookTestData"},
                    "referral.declined": {"ReferralOut", "MinimalReferral"},
                    "referral.expired": {"ReferralOut", "MinimalReferral"}}.get(
            event.value, {"ReferralOut"})
        for name in expected:
            assert f"#/components/schemas/{name}" in data, (event, data)
            assert name in doc["components"]["schemas"]
