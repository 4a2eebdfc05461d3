"""The benchmark's workload: its names hold in the specs, and the subset is found only through the bench."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from flink_jobs.pipelines import ENV_PIPELINE_PACKAGES, get_pipeline, pipeline_names
from msk_features.bench import workload
from msk_features.bench.suite import Sizes
from msk_features.cli import main


@pytest.fixture(autouse=True)
def _no_extra_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_PIPELINE_PACKAGES, raising=False)


def test_the_names_are_the_specs() -> None:
    with workload.bench_pipelines():
        full, subset = get_pipeline(workload.FULL), get_pipeline(workload.SUBSET)
    assert {workload.TRANSACTIONS, workload.CLICKS, workload.PROFILES} <= set(full.source_names())
    assert subset.source_names() == [workload.TRANSACTIONS]
    assert subset.feature_set_names() == [workload.TUMBLING, workload.HOPPING]
    assert workload.PER_EVENT in full.feature_set_names()
    assert full.scorings, "the scoring stage scores the full pipeline"


def test_the_subset_is_the_full_pipelines_window_sets_on_unarchived_transactions() -> None:
    with workload.bench_pipelines():
        full, subset = get_pipeline(workload.FULL), get_pipeline(workload.SUBSET)
    for name in subset.feature_set_names():
        (whole,) = [fs for fs in full.feature_sets if fs.name == name]
        (part,) = [fs for fs in subset.feature_sets if fs.name == name]
        assert (part.window, part.aggregations) == (whole.window, whole.aggregations)
    assert not subset.sources[0].archive


def test_the_sizes_count_the_workloads_sources() -> None:
    sizes = Sizes.smoke()
    counts = {**dataclasses.asdict(sizes), workload.CLICKS: sizes.clicks, workload.PROFILES: sizes.profiles}
    assert {workload.TRANSACTIONS, workload.CLICKS, workload.PROFILES} <= set(counts)


def test_the_subset_is_found_only_within_bench_pipelines() -> None:
    assert workload.SUBSET not in pipeline_names()
    with workload.bench_pipelines():
        assert workload.SUBSET in pipeline_names()
        assert os.environ[ENV_PIPELINE_PACKAGES] == workload.PIPELINE_PACKAGE
    assert ENV_PIPELINE_PACKAGES not in os.environ


def test_bench_pipelines_keeps_packages_named_already(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PIPELINE_PACKAGES, f"my_team.pipelines, {workload.PIPELINE_PACKAGE}")
    with workload.bench_pipelines():
        assert os.environ[ENV_PIPELINE_PACKAGES] == f"my_team.pipelines,{workload.PIPELINE_PACKAGE}"
    assert os.environ[ENV_PIPELINE_PACKAGES] == f"my_team.pipelines, {workload.PIPELINE_PACKAGE}"


def test_sql_of_the_subset_with_the_bench_package_on_the_discovery_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .local-stack/application_properties.json here
    monkeypatch.delenv("MSK_FEATURES_PROPERTIES", raising=False)
    runner = CliRunner()
    refused = runner.invoke(main, ["sql", workload.SUBSET])
    assert refused.exit_code == 1 and f"unknown pipeline '{workload.SUBSET}'" in refused.output
    result = runner.invoke(
        main, ["sql", workload.SUBSET], env={ENV_PIPELINE_PACKAGES: workload.PIPELINE_PACKAGE}
    )
    assert result.exit_code == 0, result.output
    inserts = re.findall(r"INSERT INTO `?(\w+)`?", result.output)
    assert sorted(inserts) == sorted(
        ["dead_letter", "late_events", "txn_1m_kafka", "txn_1m_offline", "txn_1h_kafka", "txn_1h_offline"]
    )
    assert "clicks" not in result.output and "profiles" not in result.output
