"""The dashboard's MSAL.js comes from npm at a pinned version, not from a file kept in git:
scripts/vendor-ui copies it from node_modules into shared/ui/static/vendor/ (git-ignored),
at setup and before every packaging (azd's hook, the deploy workflow), and the app serves
exactly the npm package's file. Needs scripts/setup to have run (CI's scripts/setup-tests does)."""

from __future__ import annotations

import json
import re
import subprocess

import azure.functions as func
import yaml

from shared import bootstrap, ui
from shared.settings import AuthMode, Settings, StorageSettings
from tests.infra import sources
from tests.infra.test_package import ignored
from tests.support.functions import functions

PACKAGE = "@azure/msal-browser"
NPM_FILE = sources.ROOT / "node_modules" / PACKAGE / "lib" / "msal-browser.min.js"
VENDORED = "shared/ui/static/vendor/msal-browser.min.js"


def _pinned() -> str:
    package = json.loads((sources.ROOT / "package.json").read_text(encoding="utf-8"))
    return str(package["dependencies"][PACKAGE])


def test_the_version_is_pinned_and_installed_as_pinned() -> None:
    version = _pinned()
    assert re.fullmatch(r"4\.\d+\.\d+", version), version  # exact, and the 4.x API auth.js uses
    lock = json.loads((sources.ROOT / "package-lock.json").read_text(encoding="utf-8"))
    entry = lock["packages"][f"node_modules/{PACKAGE}"]
    assert entry["version"] == version and not entry.get("dev")
    installed = json.loads((NPM_FILE.parents[1] / "package.json").read_text(encoding="utf-8"))
    assert installed["version"] == version


def test_the_served_file_is_the_npm_packages(monkeypatch) -> None:
    cfg = Settings(storage=StorageSettings(connection_string="unused"),
                   auth_mode=AuthMode.ENTRA, entra_client_id="c", entra_audience="api://x")
    monkeypatch.setattr(bootstrap, "settings", lambda: cfg)
    serve = {f.get_function_name(): f.get_user_function() for f in functions()}["ui_asset"]
    req = func.HttpRequest("GET", "http://127.0.0.1:7071/api/ui/msal-browser.min.js",
                           headers={}, params={}, route_params={"file": ui.MSAL_BUNDLE},
                           body=b"")
    resp = serve(req)
    assert resp.status_code == 200, "no MSAL bundle served: run scripts/setup (scripts/vendor-ui)"
    assert resp.get_body() == NPM_FILE.read_bytes()
    assert resp.get_body().startswith(f"/*! {PACKAGE} v{_pinned()} ".encode())
    assert ui.client_config(cfg)["entra"]["msalBundle"] == ui.MSAL_BUNDLE


def test_no_copy_is_kept_in_git_and_the_package_holds_it() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=sources.ROOT, check=True,
                             capture_output=True, text=True).stdout.split()
    assert not [p for p in tracked if p.endswith("msal-browser.min.js")]
    check = subprocess.run(["git", "check-ignore", "-q", VENDORED], cwd=sources.ROOT)
    assert check.returncode == 0, f"{VENDORED} should be ignored by git"
    assert not ignored(VENDORED), ".funcignore must let the vendored MSAL.js into the package"


def test_every_way_to_package_copies_it_first() -> None:
    setup = (sources.ROOT / "scripts" / "setup").read_text(encoding="utf-8")
    assert "scripts/vendor-ui" in setup
    azure = yaml.safe_load((sources.ROOT / "azure.yaml").read_text(encoding="utf-8"))
    assert azure["services"]["api"]["hooks"]["prepackage"]["posix"]["run"] == "scripts/vendor-ui"
    deploy = (sources.WORKFLOWS / "deploy.yml").read_text(encoding="utf-8")
    assert -1 < deploy.find("run: scripts/vendor-ui") < deploy.find("Azure/functions-action@")
