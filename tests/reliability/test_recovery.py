"""Exactly-once across a stop with savepoint (issue 7, item 3; the crash: test_crash_recovery.py).

The reference pipeline runs unbounded on the local stack while a feeder keeps sending; the job is
stopped with a savepoint through the REST API (no drain), restarted from it with a changed checkpoint
interval (an unrelated setting), and finally stopped with a draining savepoint. Window and OVER state
continue across the restart: every Kafka output (read_committed), the dead-letter topic and the
finished Parquet files equal the independent reference for all records sent, with no gap and no
duplicate.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from tests.support.exactly_once import assert_exactly_once, uncommitted_extra
from tests.support.jobs import (
    Feeder,
    JobProcess,
    prepare_run,
    start_job,
    wait_caught_up,
    write_properties,
)
from tests.support.recovery import RATE, SPEC, report, straddling_windows


@pytest.mark.slow
def test_stop_with_savepoint_and_restart_with_a_changed_setting(
    local_stack: Endpoints, built_package: Path, tmp_path: Path
) -> None:
    """Stop with a savepoint through the REST API (no drain), change the checkpoint interval (an
    unrelated setting), restore: window and OVER state continue, nothing is duplicated or lost."""
    started = time.monotonic()
    run = prepare_run(local_stack, SPEC, "savepoint-", tmp_path, checkpoint_interval_ms=1000)
    changed = replace(run.cfg, pipeline=replace(run.cfg.pipeline, checkpoint_interval_ms=2500))
    changed_properties = write_properties(changed, tmp_path / "changed.json")
    half = len(run.records) // 2
    conf = librdkafka_config(local_stack.kafka_config("plaintext"))
    before, after = Feeder(run.records[:half], conf, RATE), Feeder(run.records[half:], conf, RATE)
    assert straddling_windows(run.records[:half], run.records[half:]) > 0, (
        "precondition: windows span the stop"
    )
    first = start_job(run.properties, tmp_path / "checkpoints", tmp_path / "run1.log")
    second: JobProcess | None = None
    try:
        first.wait_all_tasks_running()
        before.start()
        before.finish()
        wait_caught_up(run.cfg, first)
        savepoint = first.stop_with_savepoint(tmp_path / "savepoints", drain=False)
        assert first.popen.returncode == 0, first.output_tail()
        after.start()  # input arrives while the job is stopped, and after it resumes
        second = start_job(
            changed_properties, tmp_path / "checkpoints", tmp_path / "run2.log", restore_from=savepoint
        )
        second.wait_all_tasks_running()
        after.finish()
        wait_caught_up(changed, second)
        second.stop_with_savepoint(tmp_path / "final-savepoint", drain=True)
    finally:
        before.stop()
        after.stop()
        first.ensure_stopped()
        if second is not None:
            second.ensure_stopped()
    sent = before.sent + after.sent
    assert len(sent) == len(run.records)

    checked = assert_exactly_once(run.cfg, sent)
    extra = uncommitted_extra(run.cfg, checked.expected)
    # A stop with savepoint commits everything written before it and nothing is written after it:
    # even a read_uncommitted reader sees no aborted rows.
    assert sum(extra.values()) == 0, extra
    report(
        "savepoint",
        seconds=round(time.monotonic() - started),
        records_sent=len(sent),
        sent_before_stop=len(before.sent),
        savepoint=savepoint.name,
        straddling_txn_1h_windows=straddling_windows(before.sent, after.sent),
        feature_rows=checked.rows,
        dead_letter=checked.invalid,
        aborted_rows_seen_by_read_uncommitted=extra,
    )
