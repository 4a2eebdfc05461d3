"""Flink's own planner on the compiled reference pipeline: every operator feeding a sink is
insert-only (append-only end to end), no Python operator is in the plan, and each record is decoded
and validated once (by the ``contract-json`` format in its source), not once per sink."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyflink.common import Configuration
from pyflink.table import EnvironmentSettings, ExplainDetail, TableEnvironment

from flink_jobs.config import parse_config
from flink_jobs.runtime.environment import PLANNER_OPTIONS
from flink_jobs.runtime.job import build_pipeline

DOCUMENT = [
    {
        "PropertyGroupId": "kinesis.analytics.flink.run.options",
        "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
    },
    {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "127.0.0.1:9", "auth": "plaintext"}},
    {"PropertyGroupId": "offline", "PropertyMap": {"path": "file:///tmp/msk-features-plan-test"}},
    {"PropertyGroupId": "pipeline", "PropertyMap": {"name": "fraud"}},
]


def table_env(jar: Path) -> TableEnvironment:
    """A streaming environment with the uber-jar and the job's own planner options."""
    configuration = Configuration()
    configuration.set_string("pipeline.jars", jar.resolve().as_uri())
    configuration.set_string("table.local-time-zone", "UTC")
    for key, value in PLANNER_OPTIONS.items():
        configuration.set_string(key, value)
    settings = (
        EnvironmentSettings.new_instance().in_streaming_mode().with_configuration(configuration).build()
    )
    return TableEnvironment.create(settings)


@pytest.fixture(scope="module")
def plan(built_package: Path) -> str:
    env = table_env(built_package.parent / "lib" / "pyflink-dependencies.jar")
    statements = build_pipeline(parse_config(DOCUMENT)).statement_set(env)
    return statements.explain(ExplainDetail.CHANGELOG_MODE)


def test_every_operator_is_insert_only(plan: str) -> None:
    physical = plan.split("== Optimized Physical Plan ==")[1].split("== Optimized Execution Plan ==")[0]
    modes = {}
    for line in physical.splitlines():
        match = re.search(r"([A-Z][A-Za-z]+)\(.*changelogMode=\[([^\]]*)\]", line)
        if match and match.group(1) != "Sink":  # a sink emits nothing downstream: NONE
            modes[line.strip()[:120]] = match.group(2)
    assert len(modes) > 20
    updating = {op: mode for op, mode in modes.items() if mode != "I"}
    assert not updating, f"operators that are not insert-only: {updating}"


def test_plan_uses_window_tvfs_and_over_windows_only(plan: str) -> None:
    execution = plan.split("== Optimized Execution Plan ==")[1]
    operators = set(re.findall(r"^[ :|+-]*([A-Z][A-Za-z]+)\(", execution, re.MULTILINE))
    assert not {op for op in operators if "Python" in op}
    assert {"WindowAggregate", "GlobalWindowAggregate", "OverAggregate"} <= operators
    assert not operators & {
        "GroupAggregate",
        "Join",
        "TemporalJoin",
        "Deduplicate",
        "Rank",
        "ChangelogNormalize",
    }


def test_each_record_is_validated_once(plan: str) -> None:
    """Each source is scanned (decoded) once and its reason computed in one operator shared by
    every sink, not repeated per sink."""
    execution = plan.split("== Optimized Execution Plan ==")[1].splitlines()
    sources = ("transactions", "clicks", "profiles", "labels")
    for source in sources:
        scans = [line for line in execution if "TableSourceScan" in line and f"{source}_raw," in line]
        assert len(scans) == 1, f"{source}: {len(scans)} scans"
    reasons = [line for line in execution if "contract_reason)" in line and "too large" in line]
    assert len(reasons) == len(sources), f"one reason per source, found {len(reasons)}"


def test_sql_parses_nothing(plan: str) -> None:
    """The format parses each record once, in the source; no JSON, regex or text-to-time function
    runs in SQL on any record, and no anti-inlining guard (``RAND()``) is needed: the typed columns
    are physical. The event-time column compares typed columns only."""
    execution = plan.split("== Optimized Execution Plan ==")[1]
    for function in (
        "JSON_QUERY(",
        "JSON_VALUE(",
        "IS JSON",
        "REGEXP",
        "TRY_CAST(",
        "TO_TIMESTAMP(",
        "RAND(",
    ):
        assert function not in execution, function
