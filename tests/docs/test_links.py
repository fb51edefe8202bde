"""The repository stands on its own: no Markdown file links to a path outside it, and every
relative link points at a file or folder that exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {"node_modules", ".venv", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache",
        ".artifacts", ".azurite"}
# [text](target) and [label]: target; images too. Targets with a scheme (https:, mailto:)
# or only an anchor are not paths.
INLINE = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)


def markdown_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.md")
                  if not SKIP & set(p.relative_to(ROOT).parts))


def link_targets(text: str) -> list[str]:
    text = FENCE.sub("", text)  # code blocks show commands, not links
    return [*INLINE.findall(text), *REFERENCE.findall(text)]


def problems(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for target in link_targets(path.read_text(encoding="utf-8")):
        if SCHEME.match(target) or target.startswith("#"):
            continue
        relative = target.split("#", 1)[0].split("?", 1)[0]
        if not relative:
            continue
        if relative.startswith("/"):
            found.append(f"{target}: absolute path")
            continue
        resolved = (path.parent / relative).resolve()
        if not resolved.is_relative_to(root):
            found.append(f"{target}: outside the repository")
        elif not resolved.exists():
            found.append(f"{target}: does not exist")
    return found


def test_markdown_links_stay_inside_the_repository() -> None:
    bad = {str(p.relative_to(ROOT)): problems(p) for p in markdown_files()}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, bad


def test_no_reference_to_a_sibling_folder_anywhere() -> None:
    """Nothing tracked cites the team toolbox beside the repository (a clone lacks it)."""
    result = subprocess.run(["git", "grep", "-n", r"\.\./shared", "--", ".", ":!tests/docs"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout


def test_the_checker_sees_an_outside_link(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "here.md").write_text("x")
    page = repo / "README.md"
    page.write_text("[api](../toolbox/spec.md) [ok](docs/here.md) [web](https://x.y/z)\n"
                    "[gone](docs/missing.md) [abs](/etc/passwd)\n\n[ref]: ../../x.md\n"
                    "```\n[not a link](../in/code.md)\n```\n")
    assert problems(page, repo) == [
        "../toolbox/spec.md: outside the repository", "docs/missing.md: does not exist",
        "/etc/passwd: absolute path", "../../x.md: outside the repository"]


def test_the_docs_exist_and_the_readme_links_them() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("api", "events", "settings", "storage", "operations"):
        assert (ROOT / "docs" / f"{name}.md").is_file(), name
        assert f"docs/{name}.md" in readme, f"README.md does not link docs/{name}.md"
