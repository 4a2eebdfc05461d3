"""Flink's own planner on the compiled reference pipeline: every operator feeding a sink is
insert-only (append-only end to end), no Python operator is in the plan, and each record is parsed
and validated once, not once per sink."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyflink.common import Configuration
from pyflink.table import EnvironmentSettings, ExplainDetail, TableEnvironment

from flink_jobs.config import parse_config
from flink_jobs.environment import PLANNER_OPTIONS
from flink_jobs.job import build_pipeline

pytestmark = pytest.mark.flink

DOCUMENT = [
    {
        "PropertyGroupId": "kinesis.analytics.flink.run.options",
        "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
    },
    {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "127.0.0.1:9", "auth": "plaintext"}},
    {"PropertyGroupId": "offline", "PropertyMap": {"path": "file:///tmp/msk-features-plan-test"}},
]


@pytest.fixture(scope="module")
def plan(built_package: Path) -> str:
    jar = built_package.parent / "lib" / "pyflink-dependencies.jar"
    configuration = Configuration()
    configuration.set_string("pipeline.jars", jar.resolve().as_uri())
    configuration.set_string("table.local-time-zone", "UTC")
    for key, value in PLANNER_OPTIONS.items():
        configuration.set_string(key, value)
    settings = (
        EnvironmentSettings.new_instance().in_streaming_mode().with_configuration(configuration).build()
    )
    table_env = TableEnvironment.create(settings)
    statements = build_pipeline(parse_config(DOCUMENT)).statement_set(table_env)
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
    """The validation of a source is one operator shared by every sink, not repeated per sink."""
    execution = plan.split("== Optimized Execution Plan ==")[1]
    for field in ("txn_id", "click_id", "home_country"):
        rule = f"'missing field: {field}'"
        operators = [line for line in execution.splitlines() if rule in line]
        assert len(operators) == 1, f"{field}: validated in {len(operators)} operators"


def test_a_valid_record_is_parsed_a_few_times_only(plan: str) -> None:
    """JSON functions parse the whole document at every call (Flink 2.2), so their count is the cost.

    A valid record without escapes takes the fast path (:mod:`connectors.fast_path`): one JSON call
    selects every field of the contract. The event-time column makes 2 + T such calls (the pattern,
    the Kafka-time bound of each of the T timestamp fields, the value), evaluated in the source for
    the watermark and again after it; the checked view makes one, into a column (``sel``) that the
    other operators read. A transaction: 7 parses (92 before the parse-once columns, 38 before the
    fast path). Every single-field call is in a branch that only a record failing the fast path
    takes. Each branch of the event-time column parses a timestamp text once.
    """
    from flink_jobs.schemas import CLICKS, PROFILES, TRANSACTIONS

    execution = plan.split("== Optimized Execution Plan ==")[1].splitlines()
    for schema, own_field in ((TRANSACTIONS, "txn_id"), (CLICKS, "click_id"), (PROFILES, "home_country")):
        fields = len(schema.fields)
        times = sum(f.kind == "timestamp" for f in schema.fields)
        (rules,) = [i for i, line in enumerate(execution) if f"'missing field: {own_field}'" in line]
        (scan_at,) = [
            i
            for i, line in enumerate(execution)
            if f"{schema.name}_raw," in line and "TableSourceScan" in line
        ]
        scan, after_scan = execution[scan_at], execution[scan_at - 1]
        assert scan.count("$['") == 2 + times, schema.name
        assert scan.count("TRY_CAST(") == 2, f"{schema.name}: one parse in each branch"
        # After the source: the event-time column again, and the view's one selection.
        assert after_scan.count("$['") == 2 + times + 1, schema.name
        view = execution[rules + 1 : scan_at - 1]
        assert sum(line.count("$['") for line in view) == 0, f"{schema.name}: the selection is not inlined"
        (extracting,) = [line for line in view if "JSON_VALUE(" in line]
        assert extracting.count("CASE(fast,") == 2 * fields + times, schema.name
        assert "JSON_QUERY(" not in execution[rules] and "JSON_VALUE(" not in execution[rules]
