"""Exactly-once across a crash (issue 7, item 1; the savepoint case: tests/reliability/test_recovery.py).

The reference pipeline runs unbounded on the local stack with 1 s checkpoints and exactly-once Kafka
sinks while a feeder keeps sending; the job process is killed right after a checkpoint while output
sits in open transactions, restarts from the retained checkpoint with the same transactional-id
prefix and consumer group, catches up and stops with a draining savepoint. Every Kafka output
(read_committed) and the finished Parquet files then equal the independent reference for all records
sent, once; a read_uncommitted reader sees the aborted duplicates (so the check can fail).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from tests.support.exactly_once import assert_exactly_once, uncommitted_extra
from tests.support.jobs import (
    Feeder,
    JobProcess,
    can_list_children,
    completed_checkpoints,
    latest_checkpoint,
    open_transaction_records,
    prepare_run,
    start_job,
    wait_caught_up,
    wait_for,
    wait_for_unchecked_output,
)
from tests.support.recovery import RATE, STREAM_SPEC, report


@pytest.mark.slow
def test_crash_after_checkpoint_recovers_exactly_once(
    local_stack: Endpoints, built_package: Path, tmp_path: Path
) -> None:
    """SIGKILL the job (Python and gateway JVM) mid-stream; restore from the latest checkpoint.

    Negative control: a read_uncommitted reader sees the aborted transactions' rows (more rows than
    the reference, each a copy of a reference row), so the equality below can tell the difference.
    """
    if not can_list_children():
        pytest.skip("needs /proc/<pid>/task/<tid>/children (Linux) to find the gateway JVM's pid")
    started = time.monotonic()
    run = prepare_run(local_stack, STREAM_SPEC, "crash-", tmp_path)
    checkpoints = tmp_path / "checkpoints"
    feeder = Feeder(run.records, librdkafka_config(local_stack.kafka_config("plaintext")), RATE)
    first = start_job(run.properties, checkpoints, tmp_path / "run1.log")
    second: JobProcess | None = None
    try:
        first.wait_all_tasks_running()
        feeder.start()
        feature_topics = list(run.cfg.topics.feature_topics.values())
        wait_for(
            lambda: len(completed_checkpoints(checkpoints)) >= 2 and len(feeder.sent) < len(run.records),
            first,
            420,
            "completed checkpoints while input arrives",
        )
        # Feature rows in a transaction no checkpoint covers: the restored job must abort them.
        wait_for_unchecked_output(run.cfg, first, feature_topics, checkpoints)
        sent_before_kill = len(feeder.sent)
        killed = first.kill_hard()
        in_open_transactions = open_transaction_records(run.cfg, feature_topics)
        assert in_open_transactions > 0, "precondition: the killed job left open transactions"
        checkpoint = latest_checkpoint(checkpoints)
        assert checkpoint is not None
        down_at = time.monotonic()
        second = start_job(run.properties, checkpoints, tmp_path / "run2.log", restore_from=checkpoint)
        second.wait_all_tasks_running()
        restart_s = time.monotonic() - down_at
        time.sleep(5)  # input keeps arriving into the recovered job, then stops
        feeder.stop()
        sent = feeder.finish()
        wait_caught_up(run.cfg, second)
        second.stop_with_savepoint(tmp_path / "final-savepoint", drain=True)
    finally:
        feeder.stop()
        first.ensure_stopped()
        if second is not None:
            second.ensure_stopped()
    assert len(sent) > sent_before_kill

    checked = assert_exactly_once(run.cfg, sent)
    extra = uncommitted_extra(run.cfg, checked.expected)
    assert sum(extra.values()) > 0, "the negative control saw no aborted rows: the test could not fail"
    report(
        "crash",
        seconds=round(time.monotonic() - started),
        records_sent=len(sent),
        sent_before_kill=sent_before_kill,
        killed_pids=len(killed),
        restored_from=checkpoint.name,
        open_transaction_records_at_kill=in_open_transactions,
        restart_s=round(restart_s),
        feature_rows=checked.rows,
        dead_letter=checked.invalid,
        aborted_rows_seen_by_read_uncommitted=extra,
    )
