"""Every repository file that the code and the docs cite exists.

A path is cited when it appears in a Markdown file, a Python module or a Terraform file as
``<top-level folder>/.../<name>.<ext>`` with one of this repository's top-level folders (or a
top-level file such as ``ARCHITECTURE.md``); placeholders (``<version>``, ``*``, ``.../``) are
skipped. A path relative to the citing file's folder counts too; ``file.py::name`` must name a
function or class that the file defines.
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


def missing_citations(path: Path, text: str) -> list[str]:
    """``file:line: what`` for each repository path that ``text`` (the content of ``path``) cites but
    that does not exist, and each ``file.py::name`` whose file defines no such function or class."""
    missing: list[str] = []
    where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    for number, line in enumerate(text.splitlines(), start=1):
        for match in CITED.finditer(line):
            cited = match.group(1)
            if "<" in cited or "*" in cited or "..." in cited:
                continue
            target = next((t for t in (REPO / cited, path.parent / cited) if t.exists()), None)
            if target is None:
                missing.append(f"{where}:{number}: {cited}")
                continue
            named = re.match(r"::(\w+)", line[match.end() :])
            if named is None:
                continue
            definition = rf"^\s*(?:async\s+)?(?:def|class)\s+{named.group(1)}\b"
            if not re.search(definition, target.read_text(encoding="utf-8"), re.M):
                missing.append(f"{where}:{number}: {cited}::{named.group(1)}")
        for match in ABSENT_TOP_LEVEL.finditer(line):
            missing.append(f"{where}:{number}: {match.group(1)} (not in this repository)")
    return missing


def test_every_cited_repository_file_exists() -> None:
    missing: list[str] = []
    for path in _citing_files():
        if path.resolve() != Path(__file__).resolve():
            missing += missing_citations(path, path.read_text(encoding="utf-8", errors="replace"))
    assert not missing, "cited files that do not exist:\n" + "\n".join(missing)


def test_the_check_sees_a_missing_file_and_a_missing_test(tmp_path: Path) -> None:
    """What the test above must refuse, so that it can fail."""
    here = tmp_path / "doc.md"
    text = (
        "see flink_jobs/no_such_module.py and docs/architecture.md\n"
        "`tests/unit/layout/test_cited_files.py::test_no_such_test`, "
        "`tests/unit/layout/test_cited_files.py::missing_citations`\n"
    )
    assert missing_citations(here, text) == [
        f"{here}:1: flink_jobs/no_such_module.py",
        f"{here}:2: tests/unit/layout/test_cited_files.py::test_no_such_test",
    ]
