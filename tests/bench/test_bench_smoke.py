"""The benchmark harness end to end on tiny sizes (``msk-features bench --smoke``), so it keeps working.

Its numbers mean nothing; what is checked is that every step ran and that the harness's own checks
held: each run's output row counts equal the counts computed from the generated records, Quix
Streams' windows equal ours, every transaction sent in the latency window gets its feature row
(none late or invalid), the validation stage runs its three variants over the same transactions,
and the report and chart are written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from msk_features.bench.suite import Sizes, SuiteOptions, run_suite
from msk_features.dev.stack.control import Endpoints
from msk_features.runner import REPO_ROOT

QUIX_PYTHON = REPO_ROOT / ".venv-bench" / "bin" / "python"


def test_every_benchmark_step_runs_and_checks_its_outputs(local_stack: Endpoints, tmp_path: Path) -> None:
    if not QUIX_PYTHON.exists():
        pytest.skip(f"{QUIX_PYTHON} is missing: `make bench-venv` installs Quix Streams and matplotlib")
    out = tmp_path / "report"
    results = run_suite(
        SuiteOptions(out_dir=out, work_dir=tmp_path / "work", sizes=Sizes.smoke(), smoke=True),
        say=print,
        endpoints=local_stack,
    )
    saved = json.loads((out / "results.json").read_text())
    assert saved["ratios"] == results["ratios"]
    assert saved["ceiling_records_per_s"] > 0
    labels = [row["label"] for row in saved["throughput"]]
    assert labels == ["full exactly-once", "windows exactly-once", "Quix Streams (at-least-once)"]
    for row in saved["throughput"]:
        assert "✓" in row["check"], row
        assert 0 < row["busy_s"] < row["wall_s"]
        assert row["events_per_s"] == pytest.approx(row["events"] / row["busy_s"])
    quix = saved["throughput"][-1]
    assert sum(part["compared"] for part in quix["comparison"].values()) > 0
    (latency,) = saved["latency"]  # the smoke variant: at-least-once, one checkpoint interval
    assert latency["measured"] > 0 and latency["missing"] == 0, latency
    assert latency["late_or_invalid"] == 0, latency
    assert 0 < latency["p50_ms"] <= latency["p99_ms"] <= latency["max_ms"], latency
    assert latency["written_p50_ms"] <= latency["p50_ms"], "a row is written before it is read"
    assert set(latency["cores_used"]) == {"job", "broker", "s3", "harness"}, latency
    assert latency["cores_used"]["job"] > 0, latency
    stage = saved["validation_stage"]  # one round, no fixed-cost runs in the smoke variant
    assert [run["variant"] for run in stage["runs"]] == ["raw", "json", "contract"]
    assert stage["events"] == saved["sizes"]["transactions"] and not stage["fixed_cost_subtracted"]
    for run in stage["runs"]:
        assert run["us_cpu_per_event"] > 0 and 0 < run["net_runtime_s"] < run["wall_s"], run
    assert saved["ratios"]["validation_vs_json_cpu"] == stage["ratios"]["contract_vs_json"]
    assert saved["memory"]["max_checkpoint_bytes"] > 0 and saved["memory"]["peak_rss_java"] > 0
    scoring = saved["scoring"]  # every transaction scored once, within the bound of calls in flight
    assert scoring["check"] == "ok", scoring
    assert scoring["scores"] == scoring["calls"] == saved["sizes"]["scoring_transactions"], scoring
    limit = scoring["parallelism"] * scoring["in_flight_per_instance"]
    assert 0 < scoring["max_in_flight_seen"] <= limit, scoring
    assert (
        scoring["calls_per_s"] > 0
        and saved["ratios"]["scoring_vs_capacity"] == scoring["fraction_of_capacity"]
    )
    report = (out / "README.md").read_text()
    assert "## Scoring" in report
    assert "## Headline" in report and "Quix Streams" in report
    assert "## Validation stage" in report and "validation stage ÷ Flink json" in report
    assert (out / "benchmark.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
