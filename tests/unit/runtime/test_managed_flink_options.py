"""The Flink options the job sets from code on Managed Flink are all on the FLINK-2_2 allowed list.

The list is flink_jobs/runtime/managed_flink_allowed_options.json (from the Developer Guide's "Programmatic
Flink configuration properties" page, with its address and the date it was read). The options are
enumerated with :func:`flink_jobs.runtime.environment.table_options`, the function ``create_table_env``
takes every option from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flink_jobs.config import AppConfig, KafkaConfig, OfflineConfig, PipelineConfig, RunOptions
from flink_jobs.runtime.environment import (
    ENV_FLINK_OPTIONS,
    PLANNER_OPTIONS,
    DisallowedOptionError,
    job_options,
    table_options,
)
from flink_jobs.runtime.managed_flink_options import ALLOWED_OPTIONS_FILE, allowed_options, check_options

PAGE = "https://docs.aws.amazon.com/managed-flink/latest/java/programmatic-configuration.html"
CFG = AppConfig(
    run_options=RunOptions(python="main.py", jarfile="lib/pyflink-dependencies.jar"),
    kafka=KafkaConfig(bootstrap_servers="b-1.example.kafka.us-east-1.amazonaws.com:9098", auth="iam"),
    offline=OfflineConfig(path="s3a://bucket/offline"),
    pipeline=PipelineConfig(parallelism=4),
)


def test_the_list_names_its_page_its_date_and_its_runtime() -> None:
    listed = allowed_options()
    assert listed.source == PAGE
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", listed.read_on)
    assert listed.runtime == "FLINK-2_2"
    assert "Table API / SQL" in listed.sections and "Pipeline configuration" in listed.sections
    for section, keys in listed.sections.items():
        assert len(keys) == len(set(keys)), section
        assert all(re.fullmatch(r"[a-z][a-z0-9.-]+", key) for key in keys), section
    assert ALLOWED_OPTIONS_FILE.parent.parent.name == "flink_jobs"  # ships in the zip with the job


def test_every_option_the_job_sets_on_managed_flink_is_on_the_list() -> None:
    options = table_options(CFG, Path("/nonexistent"), "msk-flink-features-fraud", local=False)
    assert set(options) == {
        "execution.runtime-mode",
        "table.local-time-zone",
        "pipeline.name",
        *PLANNER_OPTIONS,
    }
    assert options == job_options("msk-flink-features-fraud")
    assert allowed_options().disallowed(options) == []
    check_options(options)  # what create_table_env runs on Managed Flink


@pytest.mark.parametrize(
    "key",
    [
        "pipeline.name",
        "pipeline.object-reuse",
        "table.local-time-zone",
        "table.optimizer.reuse-optimize-block-with-digest-enabled",
        "table.exec.uid.generation",  # stable operator uids (the lead's savepoint work)
        "table.exec.uid.format",
        "execution.runtime-mode",
    ],
)
def test_the_options_the_job_relies_on_are_allowed(key: str) -> None:
    assert key in allowed_options().keys


def test_local_only_options_are_not_allowed_and_never_reach_managed_flink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jar = tmp_path / "app.jar"
    jar.write_bytes(b"")
    monkeypatch.setenv("MSK_FEATURES_JAR", str(jar))
    monkeypatch.setenv(ENV_FLINK_OPTIONS, '{"state.backend.type": "rocksdb"}')
    local = table_options(CFG, tmp_path, "job", local=True)
    forbidden = allowed_options().disallowed(local)
    for key in (
        "execution.checkpointing.interval",
        "execution.checkpointing.mode",
        "restart-strategy.type",
        "parallelism.default",
        "state.backend.type",
    ):
        assert key in forbidden
    managed = table_options(CFG, tmp_path, "job", local=False)
    assert not set(forbidden) & set(managed)


@pytest.mark.parametrize(
    "key",
    [
        "execution.checkpointing.interval",
        "python.fn-execution.bundle.size",
        "table.exec.emit.early-fire.enabled",
    ],
)
def test_a_disallowed_option_fails_naming_it_and_the_page(key: str) -> None:
    with pytest.raises(DisallowedOptionError) as info:
        check_options({"pipeline.name": "job", key: "x"})
    message = str(info.value)
    assert f"'{key}'" in message and "'pipeline.name'" not in message
    assert PAGE in message and "FLINK-2_2" in message and "managed_flink_allowed_options.json" in message
    assert "\n" not in message
