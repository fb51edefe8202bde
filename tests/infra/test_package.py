"""What the deployment package holds: the app, and nothing only development needs."""

from __future__ import annotations

import fnmatch

from tests.infra import sources

FUNCIGNORE = sources.ROOT / ".funcignore"
SHIPPED = ["function_app.py", "host.json", "requirements.txt", "shared/bootstrap.py",
           "shared/ui/static/index.html"]
LEFT_OUT = ["package-lock.json", "package.json", "node_modules/x", "tests/unit/test_auth.py",
            "shared/__pycache__/x.cpython-311.pyc", "x.pyc", ".pytest_cache/v", ".mypy_cache/x",
            ".ruff_cache/x", "requirements-dev.txt", "requirements-checkov.txt",
            "local.settings.json", "local.settings.sample.json", ".venv/bin/python",
            "devhost/host.py", "bench/common.py", "scripts/run", "infra/main.bicep",
            "tools/reindex.py", "docs/api.md", ".github/workflows/ci.yml", "azure.yaml"]


def _patterns() -> list[str]:
    lines = FUNCIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str) -> bool:
    """.gitignore-style: a pattern matches the path or any of its parent folders' names."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))] + parts
    return any(fnmatch.fnmatch(c, p) for p in _patterns() for c in candidates)


def test_dev_files_stay_out_of_the_package() -> None:
    shipped = [p for p in LEFT_OUT if not ignored(p)]
    assert not shipped, f".funcignore lets these into the deployment package: {shipped}"


def test_the_app_is_in_the_package() -> None:
    missing = [p for p in SHIPPED if ignored(p)]
    assert not missing, f".funcignore leaves out what the app needs: {missing}"
