"""Rescale across a savepoint (issue 18, item 3): what a Managed Flink user does when changing KPUs.

The reference pipeline runs unbounded on the local stack at parallelism 1, reads the first third of
the input and stops with a savepoint (no drain: windows stay open); it restores at parallelism 2,
reads the second third and stops with a savepoint again; it restores at parallelism 1, reads the
rest and is drained. Keyed state (windows, OVER ranges, as-of versions) is redistributed by key
group at each restore; the Kafka source's splits by partition. Then every Kafka output
(read_committed), the dead-letter topic and the Parquet datasets equal the independent reference for
all input, once, and windows of ``txn_1h`` hold transactions from both sides of each restore.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from pathlib import Path

import pytest

from msk_features.dev.generator.send import send
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from tests.support.exactly_once import assert_exactly_once, uncommitted_extra
from tests.support.jobs import JobProcess, prepare_run, start_job, wait_caught_up, write_properties
from tests.support.recovery import SPEC, report, straddling_windows

pytestmark = pytest.mark.slow

PARALLELISMS = (1, 2, 1)


def test_restore_at_another_parallelism_and_back_keeps_exactly_once(
    local_stack: Endpoints, built_package: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    run = prepare_run(local_stack, SPEC, "rescale-", tmp_path)
    third = len(run.records) // 3
    parts = [run.records[:third], run.records[third : 2 * third], run.records[2 * third :]]
    for before, after in itertools.pairwise(parts):
        assert straddling_windows(before, after) > 0, "precondition: windows span each restore"
    conf = librdkafka_config(local_stack.kafka_config("plaintext"))
    savepoint: Path | None = None
    restores: list[dict[str, object]] = []
    for step, (parallelism, records) in enumerate(zip(PARALLELISMS, parts, strict=True)):
        cfg = replace(run.cfg, pipeline=replace(run.cfg.pipeline, parallelism=parallelism))
        properties = write_properties(cfg, tmp_path / f"p{step}.json")
        job: JobProcess = start_job(
            properties, tmp_path / "checkpoints", tmp_path / f"run{step}.log", restore_from=savepoint
        )
        try:
            down_at = time.monotonic()
            job_id = job.wait_all_tasks_running()
            vertices = job.rest("GET", f"/jobs/{job_id}")["vertices"]
            assert max(v["parallelism"] for v in vertices) == parallelism, vertices
            restores.append({"parallelism": parallelism, "start_s": round(time.monotonic() - down_at)})
            send(records, conf, progress=False)
            wait_caught_up(cfg, job)
            last = step == len(PARALLELISMS) - 1
            savepoint = job.stop_with_savepoint(tmp_path / f"savepoints-{step}", drain=last)
            assert job.popen.returncode == 0, job.output_tail()
        finally:
            job.ensure_stopped()

    checked = assert_exactly_once(run.cfg, run.records)
    extra = uncommitted_extra(run.cfg, checked.expected)
    assert sum(extra.values()) == 0, extra  # stops with savepoint commit everything, abort nothing
    report(
        "rescale",
        seconds=round(time.monotonic() - started),
        records_sent=len(run.records),
        parallelisms=list(PARALLELISMS),
        restores=restores,
        straddling_txn_1h_windows=[straddling_windows(a, b) for a, b in itertools.pairwise(parts)],
        feature_rows=checked.rows,
        dead_letter=checked.invalid,
    )


CHAIN_DIFFERENT_MAX = "pipeline.operator-chaining.chain-operators-with-different-max-parallelism"


def test_negative_control_chained_committer_cannot_restore_at_parallelism_2(
    local_stack: Endpoints, built_package: Path, tmp_path: Path
) -> None:
    """With Flink's default (chain operators of different max parallelism), the Parquet sink's
    PartitionCommitter is chained at parallelism 1 and its own vertex at 2: the restore fails. This
    is what the job's setting (flink_jobs/runtime/environment.py PLANNER_OPTIONS) prevents."""
    run = prepare_run(local_stack, SPEC, "rescale-neg-", tmp_path)
    conf = librdkafka_config(local_stack.kafka_config("plaintext"))
    flink_default = {CHAIN_DIFFERENT_MAX: "true"}
    savepoint: Path | None = None
    for step, parallelism in enumerate((1, 2)):
        cfg = replace(run.cfg, pipeline=replace(run.cfg.pipeline, parallelism=parallelism))
        properties = write_properties(cfg, tmp_path / f"p{step}.json")
        job = start_job(
            properties,
            tmp_path / "checkpoints",
            tmp_path / f"run{step}.log",
            restore_from=savepoint,
            flink_options=flink_default,
        )
        try:
            if step == 0:
                job.wait_all_tasks_running()
                send(run.records[:200], conf, progress=False)
                wait_caught_up(cfg, job)
                savepoint = job.stop_with_savepoint(tmp_path / "savepoints", drain=False)
                continue
            job.popen.wait(timeout=420)
            assert job.popen.returncode != 0, "the restore at parallelism 2 was expected to fail"
            assert "Max parallelism mismatch" in job.log_file.read_text(errors="replace")
        finally:
            job.ensure_stopped()
