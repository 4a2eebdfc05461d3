"""The validation stage's SQL, summary and report section, without Flink or a broker (fast).

The jobs themselves run in the bench smoke test (``tests/bench/test_bench_smoke.py``). Here: the
``contract`` variant is exactly the product's first two ``source_sql`` statements and reads the
view ``transactions_checked``; the ``raw`` and ``json`` variants read the same topic, bounded, from
the earliest offset; the summary subtracts each variant's fixed cost and takes medians; the report
has the section and the goal row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flink_jobs.config import AppConfig, KafkaConfig, RunOptions, TopicsConfig
from flink_jobs.features.compiler import source_sql
from msk_features.bench.decode_job import (
    CHECKED_VIEW,
    JOB_CPU_PREFIX,
    SINK,
    VARIANTS,
    blackhole_ddl,
    transactions_source,
    variant_sql,
)
from msk_features.bench.flink_run import FlinkRunResult
from msk_features.bench.report import render_markdown
from msk_features.bench.validation_stage import SETTINGS, VariantRun, _job_cpu_s, summarise

CFG = AppConfig(
    run_options=RunOptions(python="main.py", jarfile="lib/pyflink-dependencies.jar"),
    kafka=KafkaConfig(bootstrap_servers="127.0.0.1:9092", consumer_group="g1", bounded=True),
    topics=TopicsConfig(sources={"transactions": "bench1-transactions"}),
)


def test_contract_is_the_products_raw_table_and_checked_view() -> None:
    statements, relation = variant_sql("contract", CFG)
    assert statements == source_sql(transactions_source(), CFG)[:2]
    assert relation == CHECKED_VIEW
    assert f"VIEW `{CHECKED_VIEW}`" in statements[1]


@pytest.mark.parametrize("variant", ["raw", "json"])
def test_flink_formats_read_the_same_topic_bounded(variant: str) -> None:
    (ddl,), relation = variant_sql(variant, CFG)
    assert f"`{relation}`" in ddl
    for option in (
        "'topic' = 'bench1-transactions'",
        "'properties.bootstrap.servers' = '127.0.0.1:9092'",
        "'scan.startup.mode' = 'earliest-offset'",
        "'scan.bounded.mode' = 'latest-offset'",
        f"'value.format' = '{variant}'",
    ):
        assert option in ddl
    if variant == "json":
        assert "`amount` DECIMAL(18, 4)" in ddl and "`event_time` TIMESTAMP_LTZ(3)" in ddl
        assert "'value.json.timestamp-format.standard' = 'ISO-8601'" in ddl
        assert "'value.json.ignore-parse-errors' = 'true'" in ddl
    else:
        assert "raw_value BYTES" in ddl


def test_blackhole_takes_every_column() -> None:
    ddl = blackhole_ddl([("a", "VARCHAR(2147483647)"), ("rowtime", "TIMESTAMP(3)")])
    assert ddl.startswith(f"CREATE TEMPORARY TABLE `{SINK}`")
    assert "`a` VARCHAR(2147483647),\n  `rowtime` TIMESTAMP(3)" in ddl
    assert "'connector' = 'blackhole'" in ddl
    assert SETTINGS.flink_options["parallelism.default"] == "1"


def _run(variant: str, round_no: int, cpu_s: float, job_cpu_s: float | None) -> VariantRun:
    result = FlinkRunResult("x", SETTINGS, 10.0, cpu_s, 1, 0, 0, net_runtime_s=2.0)
    return VariantRun(variant, round_no, result, job_cpu_s)


def _stage() -> dict[str, Any]:
    # Whole process: fixed 10/11/12 s; the job window: fixed 2 s each.
    fixed = {v: _run(v, 0, 10.0 + i, 2.0) for i, v in enumerate(VARIANTS)}
    process = {"raw": (11.0, 11.2), "json": (13.0, 13.4), "contract": (15.0, 16.0)}
    job = {"raw": (3.0, 3.4), "json": (4.0, 4.2), "contract": (5.0, 5.5)}
    runs = [_run(v, r + 1, process[v][r], job[v][r]) for r in range(2) for v in VARIANTS]
    return summarise(1_000_000, runs, fixed)


def test_summary_subtracts_the_fixed_cost_and_takes_medians() -> None:
    stage = _stage()
    assert [r["variant"] for r in stage["runs"]] == ["raw", "json", "contract"] * 2
    assert stage["rounds"] == 2 and stage["fixed_cost_subtracted"] and stage["measure"] == "job"
    raw, json_, contract = (stage["variants"][v]["us_cpu_per_event"] for v in VARIANTS)
    assert raw == pytest.approx({"min": 1.0, "median": 1.2, "max": 1.4})
    assert json_["median"] == pytest.approx(2.1)
    assert contract["median"] == pytest.approx(3.25)
    assert stage["ratios"]["contract_vs_json"] == pytest.approx(3.25 / 2.1)
    assert stage["ratios"]["contract_vs_raw"] == pytest.approx(3.25 / 1.2)
    assert stage["variants"]["raw"]["us_cpu_per_event_process"]["median"] == pytest.approx(1.1)
    assert stage["ratios_process"]["contract_vs_json"] == pytest.approx(3.5 / 2.2)
    assert stage["variants"]["raw"]["events_per_s"]["median"] == pytest.approx(500_000)


def test_without_the_jobs_window_the_whole_process_counts() -> None:
    runs = [_run(v, 1, 12.0, None) for v in VARIANTS]
    stage = summarise(1_000, runs, None)
    assert stage["measure"] == "process" and not stage["fixed_cost_subtracted"]
    assert stage["variants"]["json"]["us_cpu_per_event"]["median"] == pytest.approx(12_000)


def test_the_jobs_cpu_window_is_read_from_its_output(tmp_path: Path) -> None:
    stdout = tmp_path / "stdout.txt"
    stdout.write_text(f"noise\n{JOB_CPU_PREFIX} 20.500 23.750\nmsk-flink-features: job finished\n")
    assert _job_cpu_s(stdout) == pytest.approx(3.25)
    stdout.write_text("nothing\n")
    assert _job_cpu_s(stdout) is None


def test_report_has_the_section_and_the_goal_row() -> None:
    results: dict[str, Any] = {
        "machine": {"cpus": 2, "cpu_model": "x", "memory_gib": 1, "os": "Linux"},
        "versions": {"kafka": "3.9.1", "flink": "2.2.1", "python": "3.11", "java": "17"},
        "sizes": {
            "transactions": 1,
            "clicks": 0,
            "profiles": 0,
            "users": 1,
            "span": "1 min",
            "partitions": 3,
        },
        "finished": "now",
        "command": "msk-features bench",
        "ratios": {},
        "throughput": [],
        "latency": [],
        "validation_stage": _stage(),
    }
    report = render_markdown(results, None)
    assert "## Validation stage" in report
    assert "| contract | ours:" in report
    assert "| validation stage ÷ Flink json (CPU per event) ≤ 1.5x | 1.55x | missed by 1.03x |" in report
    del results["validation_stage"]
    assert "| validation stage ÷ Flink json (CPU per event) ≤ 1.5x | - | not measured |" in render_markdown(
        results, None
    )
