"""Every repository file that the code and the docs cite exists.

A path is cited when it appears in a Markdown file, a Python module or a Terraform file as
``<top-level folder>/.../<name>.<ext>`` with one of this repository's top-level folders (or a
top-level file such as ``ARCHITECTURE.md``); placeholders (``<version>``, ``*``, ``.../``) are
skipped. A path relative to the citing file's folder counts too.
Moving or renaming a module without updating what cites it fails here.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
TOP = (
    "flink_jobs",
    "connectors",
    "msk_features",
    "tests",
    "docs",
    "terraform",
    "benchmarks",
    "src",
    "assembly",
)
CITED = re.compile(
    r"(?<![\w./-])((?:" + "|".join(TOP) + r")/[\w./-]*?\w\.(?:py|md|json|tf|java|xml|txt|toml))(?![\w-])"
)
# Top-level documents that do not exist here (the design lives in docs/architecture.md).
ABSENT_TOP_LEVEL = re.compile(r"(?<![\w/])(ARCHITECTURE\.md|PITFALLS\.md|STYLE\.md)")


def _tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *patterns],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [REPO / line for line in out.splitlines() if line and (REPO / line).is_file()]


def _citing_files() -> list[Path]:
    return [p for p in _tracked("*.md", "*.py", "*.tf") if not p.relative_to(REPO).parts[0].startswith(".")]


def test_every_cited_repository_file_exists() -> None:
    missing: list[str] = []
    for path in _citing_files():
        if path.resolve() == Path(__file__).resolve():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for match in CITED.finditer(line):
                cited = match.group(1)
                if "<" in cited or "*" in cited or "..." in cited:
                    continue
                if not ((REPO / cited).exists() or (path.parent / cited).exists()):
                    missing.append(f"{path.relative_to(REPO)}:{number}: {cited}")
            for match in ABSENT_TOP_LEVEL.finditer(line):
                missing.append(
                    f"{path.relative_to(REPO)}:{number}: {match.group(1)} (not in this repository)"
                )
    assert not missing, "cited files that do not exist:\n" + "\n".join(missing)


def test_the_check_sees_a_missing_file(tmp_path: Path) -> None:
    """The pattern catches a cited module that is not there (so the test above can fail)."""
    line = "see flink_jobs/no_such_module.py and docs/architecture.md"
    found = [m.group(1) for m in CITED.finditer(line)]
    assert found == ["flink_jobs/no_such_module.py", "docs/architecture.md"]
    assert not (REPO / found[0]).exists() and (REPO / found[1]).exists()
