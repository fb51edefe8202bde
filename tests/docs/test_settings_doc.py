"""docs/settings.md lists exactly the settings the app and the host read for it."""

from __future__ import annotations

import re

from tests.infra import sources

DOC = sources.ROOT / "docs" / "settings.md"


def documented(text: str) -> list[str]:
    """The first-column names of the settings table: rows like "| `NAME` | ... |"."""
    return re.findall(r"^\|\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*\|", text, re.M)


def read_by_the_code() -> set[str]:
    expressions, _ = sources.binding_settings(sources.app_python_files())
    return sources.code_settings() | expressions


def test_the_table_matches_what_the_code_reads() -> None:
    names = documented(DOC.read_text(encoding="utf-8"))
    assert len(names) == len(set(names)), "a setting is listed twice"
    missing = sorted(read_by_the_code() - set(names))
    extra = sorted(set(names) - read_by_the_code())
    assert not missing, f"docs/settings.md lacks {missing}, which the code reads"
    assert not extra, f"docs/settings.md lists {extra}, which nothing reads"


def test_the_checker_sees_a_missing_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `AUTH_MODE` |"))
    assert "AUTH_MODE" not in documented(text.replace(row + "\n", ""))
