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


def test_each_field_is_read_from_the_json_once_per_record(plan: str) -> None:
    """JSON functions parse the whole document at every call (Flink 2.2), so their count is the cost.

    Per record and source: the event-time column reads each field once and the time field three
    times (fields + 2 calls, evaluated in the source for the watermark and again after it), and the
    checked view reads each field twice (wrapped JSON and text) into columns that every rule
    shares. Before ``connectors.validation._materialised`` and the one-call field patterns, a
    transaction cost 92 calls (39 + 53); now 32.

    Parsing a timestamp text (``TRY_CAST`` to ``TIMESTAMP(3)``) is the next cost: the event-time
    column parses once (its other rules are a pattern and a text comparison), the view twice per
    timestamp field, in one column that every rule shares. Before, a transaction cost 16 parses.
    """
    from flink_jobs.schemas import CLICKS, PROFILES, TRANSACTIONS

    execution = plan.split("== Optimized Execution Plan ==")[1].splitlines()
    for schema, own_field in ((TRANSACTIONS, "txn_id"), (CLICKS, "click_id"), (PROFILES, "home_country")):
        fields = len(schema.fields)
        (rules,) = [i for i, line in enumerate(execution) if f"'missing field: {own_field}'" in line]
        assert "JSON_QUERY(" not in execution[rules] and "JSON_VALUE(" not in execution[rules]
        extracting = next(line for line in execution[rules + 1 :] if "JSON_QUERY(" in line)
        (scan_at,) = [
            i
            for i, line in enumerate(execution)
            if f"{schema.name}_raw," in line and "TableSourceScan" in line
        ]
        scan = execution[scan_at]
        assert (scan.count("JSON_QUERY("), scan.count("JSON_VALUE(")) == (fields + 2, 0), schema.name
        assert extracting.count("JSON_VALUE(") == fields, schema.name
        assert extracting.count("JSON_QUERY(") == 2 * fields + 2, schema.name
        times = sum(f.kind == "timestamp" for f in schema.fields)
        # The operators from the view's rules down to the scan (the plan prints the source last).
        parses = [line.count("TRY_CAST(") for line in execution[rules + 1 : scan_at + 1]]
        assert scan.count("TRY_CAST(") == 1, schema.name
        assert sum(parses) == 2 * 1 + 2 * times, f"{schema.name}: timestamp parses {parses}"
