"""Exactly-once across a crash and across a stop with savepoint (issue 7, items 1 and 3).

The reference pipeline runs unbounded on the local stack (real broker, S3 server, Flink
mini-cluster in the job's own process) with 1 s checkpoints and exactly-once Kafka sinks, while a
background producer keeps sending. After the fault, the job resumes from the retained checkpoint or
the savepoint with the same transactional-id prefix and consumer group, catches up, and is stopped
with a draining savepoint (every window fires). Then every Kafka feature output (read_committed), the
dead-letter topic and the finished Parquet files equal the independent reference for ALL records
sent: no gap, no duplicate.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from msk_features.generator.plan import GenerateSpec, PlannedRecord
from msk_features.kafka_clients import librdkafka_config
from msk_features.localstack.stack import Endpoints
from tests.reference.fraud import floor_to, parse_time
from tests.reliability.exactly_once import assert_exactly_once, uncommitted_extra
from tests.reliability.jobs import (
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
    write_properties,
)

SPEC = GenerateSpec(
    seed=21,
    transactions=900,
    clicks=750,
    profiles=90,
    users=30,
    merchants=15,
    span=timedelta(hours=2),
    invalid_fraction=0.02,
)
RATE = 30.0  # records per second
# A plan longer than a run needs (~3 min at RATE): the feeder keeps sending through the fault and the
# recovery and is then stopped; the reference covers exactly the records it sent.
STREAM_SPEC = replace(SPEC, transactions=3000, clicks=2500, profiles=300, span=timedelta(hours=6))


def report(name: str, **numbers: object) -> None:
    """One line of numbers for docs/RELIABILITY.md (shown with ``pytest -s``)."""
    print(f"\nRELIABILITY {name}: {json.dumps(numbers, default=str)}")


@pytest.mark.integration
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


def _hop_windows(record: PlannedRecord) -> set[tuple[str, object]]:
    """The (user, 1 h window start) of the ``txn_1h`` windows (slide 5 min) holding ``record``."""
    assert record.event is not None
    first = floor_to(parse_time(record.event["event_time"]), timedelta(minutes=5))
    return {(record.event["user_id"], first - k * timedelta(minutes=5)) for k in range(12)}


def straddling_windows(before: list[PlannedRecord], after: list[PlannedRecord]) -> int:
    """How many txn_1h windows hold valid transactions sent before AND after the restart."""

    def windows(records: list[PlannedRecord]) -> set[tuple[str, object]]:
        out: set[tuple[str, object]] = set()
        for record in records:
            if record.stream == "transactions" and record.kind != "invalid":
                out |= _hop_windows(record)
        return out

    return len(windows(before) & windows(after))


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.reliability
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
