"""checkov over terraform/, offline: 0 failed checks, 0 parse errors, every skip inline with its reason.

A file checkov cannot parse is not checked at all, so a parse error counts as a failure
(``summary.parsing_errors`` of its JSON report; the files are named by ``--output cli``).

checkov runs from its own virtualenv (.venv-tools, `make tools`), so that its many dependencies
cannot move the runtime pins of .venv. ``--skip-download`` keeps it offline.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import report
from .hcl import ROOT, TERRAFORM

CHECKOV = Path(os.environ.get("CHECKOV", ROOT / ".venv-tools" / "bin" / "checkov"))


@pytest.fixture(scope="module")
def checkov_results() -> list[dict]:
    if not CHECKOV.exists():
        report(f"checkov: not installed at {CHECKOV}: run `make tools`; checkov test skipped")
        pytest.skip(f"checkov is not installed at {CHECKOV}: run `make tools` (or set $CHECKOV)")
    version = subprocess.run(
        [str(CHECKOV), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    proc = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(TERRAFORM),
            "--framework",
            "terraform",
            "--skip-download",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"},
    )
    try:
        document = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"checkov printed no JSON (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    results = document if isinstance(document, list) else [document]
    summary = results[0].get("summary", {})
    report(
        f"checkov {version} (offline, --skip-download) over terraform/: passed {summary.get('passed')}, "
        f"failed {summary.get('failed')}, skipped {summary.get('skipped')}, "
        f"parse errors {summary.get('parsing_errors')}"
    )
    return results


def parsing_errors(results: list[dict]) -> int:
    """The parse errors of a checkov JSON report (one summary per framework report)."""
    counts = [r.get("summary", {}).get("parsing_errors") for r in results]
    if any(count is None for count in counts):
        pytest.fail("checkov's JSON report has no summary.parsing_errors: has its format changed?")
    return sum(counts)


def test_checkov_parses_every_file(checkov_results):
    errors = parsing_errors(checkov_results)
    assert errors == 0, (
        f"checkov could not parse {errors} file(s) under terraform/, so it checked nothing in them; "
        "see which with `checkov --directory terraform --framework terraform --skip-download`"
    )


@pytest.mark.parametrize(
    "document, expected",
    [
        ({"summary": {"passed": 3, "failed": 0, "parsing_errors": 0}}, 0),
        ([{"summary": {"parsing_errors": 1}}, {"summary": {"parsing_errors": 2}}], 3),
    ],
)
def test_parsing_errors_are_counted(document, expected):
    """The counter itself: a report with parse errors is not read as clean."""
    results = document if isinstance(document, list) else [document]
    assert parsing_errors(results) == expected


def test_checkov_reports_no_failed_check(checkov_results):
    failed = [c for r in checkov_results for c in r.get("results", {}).get("failed_checks", [])]
    lines = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}:{c['file_line_range']}): {c['check_name']}"
        for c in failed
    ]
    assert not failed, "\n".join(lines)
    passed = [c for r in checkov_results for c in r.get("results", {}).get("passed_checks", [])]
    assert len(passed) > 50, "checkov ran almost no checks: is the terraform/ tree being scanned?"


def test_every_checkov_skip_carries_its_reason(checkov_results):
    skipped = [c for r in checkov_results for c in r.get("results", {}).get("skipped_checks", [])]
    assert skipped
    without_reason = [
        f"{c['check_id']} {c['resource']}"
        for c in skipped
        if len((c.get("check_result") or {}).get("suppress_comment", "")) < 20
    ]
    assert not without_reason, without_reason
