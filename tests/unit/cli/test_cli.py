"""The CLI's job commands without a JVM: `sql` prints the compiled pipeline, mistakes are one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from flink_jobs.config import parse_config
from flink_jobs.pipelines import pipeline_names
from flink_jobs.runtime.job import build_pipeline
from msk_features.cli import main
from msk_features.cli.pipeline import EXAMPLE_PROPERTIES


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no .local-stack/application_properties.json here
    monkeypatch.delenv("MSK_FEATURES_PROPERTIES", raising=False)
    return CliRunner()


def test_sql_prints_the_compiled_pipeline_without_udf(runner: CliRunner) -> None:
    result = runner.invoke(main, ["sql", "fraud"])
    assert result.exit_code == 0, result.output
    named = [*EXAMPLE_PROPERTIES, {"PropertyGroupId": "pipeline", "PropertyMap": {"name": "fraud"}}]
    assert result.output == build_pipeline(parse_config(named)).sql()
    assert not re.search(r"\bFUNCTION\b|\bPYTHON\b", result.output, re.IGNORECASE)
    assert (
        result.output.count("INSERT INTO") == 14
    )  # dead letters, late events, 4 x (Kafka + Parquet), 4 archives (transactions, clicks, profiles, labels)


def test_sql_uses_the_properties_given(runner: CliRunner, tmp_path: Path) -> None:
    document = [
        *EXAMPLE_PROPERTIES,
        {"PropertyGroupId": "feature.topics", "PropertyMap": {"txn_1m": "t1m"}},
        {"PropertyGroupId": "pipeline", "PropertyMap": {"name": "fraud"}},  # no PIPELINE argument: this one
    ]
    path = tmp_path / "props.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(main, ["sql", "--properties", str(path)])
    assert result.exit_code == 0, result.output
    assert "'topic' = 't1m'" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["sql", "frod"],
            "property group 'pipeline', key 'name': unknown pipeline 'frod' "
            f"(expected one of {', '.join(pipeline_names())})",
        ),
        (["run", "fraud", "--properties", "missing.json"], "no properties file at missing.json"),
    ],
)
def test_mistakes_are_one_line_without_traceback(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_run_rejects_an_unknown_pipeline_before_starting_flink(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "props.json"
    path.write_text(json.dumps(EXAMPLE_PROPERTIES))
    result = runner.invoke(main, ["run", "frod", "--properties", str(path), "--bounded"])
    assert result.exit_code == 1
    assert "unknown pipeline 'frod'" in result.output
    assert not list(tmp_path.glob(".props.*.run.json"))


def test_run_rejects_a_flink_option_that_is_not_key_value(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "props.json"
    path.write_text(json.dumps(EXAMPLE_PROPERTIES))
    args = ["run", "--properties", str(path), "--flink-option", "pipeline.object-reuse"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert "'pipeline.object-reuse' is not KEY=VALUE" in result.output
    assert "Traceback" not in result.output
