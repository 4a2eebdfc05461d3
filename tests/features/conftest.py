"""Fixtures of the feature-kind tests: one streaming TableEnvironment for the whole session and a
``features`` runner per test that drops the tables it registered (see
:mod:`tests.support.feature_harness`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from pyflink.table import EnvironmentSettings, TableEnvironment

from flink_jobs.features import FeatureSet, Source
from flink_jobs.runtime.environment import PLANNER_OPTIONS
from tests.support.feature_harness import Result, run_features

Runner = Callable[..., Result]


@pytest.fixture(scope="session")
def table_env() -> TableEnvironment:
    """Streaming mode, parallelism 1, UTC, and the job's own planner options."""
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    config.set("parallelism.default", "1")
    config.set("table.local-time-zone", "UTC")
    for key, value in PLANNER_OPTIONS.items():
        config.set(key, value)
    return env


@pytest.fixture
def features(table_env: TableEnvironment, tmp_path: Path) -> Iterator[Runner]:
    """``features(fs, {source: rows}, delay=...)`` runs ``fs`` over the rows (see ``run_features``)."""
    created: list[str] = []
    runs = iter(range(1_000))

    def run(
        fs: FeatureSet,
        inputs: Mapping[Source, Sequence[Mapping[str, object]]],
        delay: timedelta | Mapping[Source, timedelta] | None = None,
    ) -> Result:
        for name in created:
            table_env.execute_sql(f"DROP TEMPORARY TABLE IF EXISTS `{name}`")
        created.clear()
        return run_features(table_env, tmp_path / f"run{next(runs)}", fs, inputs, delay, created)

    try:
        yield run
    finally:
        for name in created:
            table_env.execute_sql(f"DROP TEMPORARY TABLE IF EXISTS `{name}`")
