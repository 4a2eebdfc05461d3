"""The import layers of docs/development.md hold (the contracts in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_import_layers_hold() -> None:
    """The layers of docs/development.md (pyproject.toml's import-linter contracts): among them, the
    runtime, operations and the offline loop never import the dev tools, so what users install
    without the dev extra works without it. ``make lint`` checks the same; this runs it in make test."""
    repo = Path(__file__).resolve().parents[3]
    linter = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(linter)], cwd=repo, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout
