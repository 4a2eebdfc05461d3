"""Exactly-once across a broker restart (issue 7, item 2).

The only broker of a SEPARATE local stack (restarting the session's shared broker would disturb
other tests) is stopped and started again on the same ports and data dir while the reference
pipeline runs unbounded and a background producer keeps sending. The local job runs with a
fixed-delay restart strategy, as Managed Flink's default restart strategy would restart it: the
report says whether the job failed over (its exception history) or rode the outage out on client
retries.
After the job has caught up and is stopped with a draining savepoint, every output equals the
reference for all records sent.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from msk_features.dev.stack.control import Endpoints, LocalStack
from msk_features.kafka.auth import librdkafka_config
from tests.support.exactly_once import assert_exactly_once, uncommitted_extra
from tests.support.jobs import (
    Feeder,
    completed_checkpoints,
    prepare_run,
    start_job,
    wait_caught_up,
    wait_for,
)
from tests.support.recovery import RATE, STREAM_SPEC, report

pytestmark = pytest.mark.slow

RESTART_STRATEGY = {
    "restart-strategy.type": "fixed-delay",
    "restart-strategy.fixed-delay.attempts": "30",
    "restart-strategy.fixed-delay.delay": "3 s",
}
BROKER_DOWN_S = 10.0


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A local stack for this module only: its broker gets restarted."""
    stack = LocalStack(tmp_path_factory.mktemp("restart-stack"))
    try:
        stack.up(topics=[])
        yield stack
    finally:
        stack.down()


def test_broker_restart_mid_run_keeps_exactly_once(
    own_stack: LocalStack, built_package: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    endpoints = own_stack.read_endpoints()
    assert endpoints is not None
    run = prepare_run(endpoints, STREAM_SPEC, "roll-", tmp_path)
    checkpoints = tmp_path / "checkpoints"
    feeder = Feeder(run.records, librdkafka_config(endpoints.kafka_config("plaintext")), RATE)
    job = start_job(run.properties, checkpoints, tmp_path / "job.log", flink_options=RESTART_STRATEGY)
    try:
        job_id = job.wait_all_tasks_running()
        feeder.start()
        wait_for(
            lambda: len(feeder.sent) >= 600 and len(completed_checkpoints(checkpoints)) >= 3,
            job,
            300,
            "completed checkpoints while input arrives",
        )
        sent_before = len(feeder.sent)
        old_pid = endpoints.kafka_pid
        restarted: Endpoints = own_stack.restart_broker(down_s=BROKER_DOWN_S)
        assert restarted.kafka_pid != old_pid
        assert restarted.kafka_plaintext_bootstrap == endpoints.kafka_plaintext_bootstrap
        time.sleep(10)  # input keeps arriving after the broker is back, then stops
        feeder.stop()
        sent = feeder.finish()
        wait_caught_up(run.cfg, job, timeout_s=420)
        failures = job.rest("GET", f"/jobs/{job_id}/exceptions")["exceptionHistory"]["entries"]
        job.stop_with_savepoint(tmp_path / "final-savepoint", drain=True)
    finally:
        feeder.stop()
        job.ensure_stopped()
    assert len(sent) > sent_before

    checked = assert_exactly_once(run.cfg, sent)
    extra = uncommitted_extra(run.cfg, checked.expected)
    report(
        "broker-restart",
        seconds=round(time.monotonic() - started),
        records_sent=len(sent),
        sent_before_restart=sent_before,
        broker_down_s=BROKER_DOWN_S,
        job_failovers=len(failures),
        failure_causes=sorted({f["exceptionName"] for f in failures}),
        feature_rows=checked.rows,
        dead_letter=checked.invalid,
        aborted_rows_seen_by_read_uncommitted=extra,
    )


# Longer than the producer's delivery.timeout.ms (Kafka's default, 120 s: the job does not set it),
# its max.block.ms (60 s) and the sinks' transaction timeout (prepare_run: 120 s).
LONG_DOWN_S = 150.0
DELIVERY_TIMEOUT_S = 120.0
PATIENT_RESTARTS = {
    "restart-strategy.type": "fixed-delay",
    "restart-strategy.fixed-delay.attempts": "1000",
    "restart-strategy.fixed-delay.delay": "5 s",
}


def timeouts_in(failures: list[dict[str, object]]) -> list[str]:
    """The ``...TimeoutException: <message>`` lines of the job's failures, each once, in order."""
    found: list[str] = []
    for failure in failures:
        for line in str(failure.get("stacktrace", "")).splitlines():
            line = line.strip()
            if "TimeoutException" in line and not line.startswith("at ") and line not in found:
                found.append(line[:300])
    return found


def test_broker_outage_longer_than_the_timeouts_fails_over_and_keeps_exactly_once(
    own_stack: LocalStack, built_package: Path, tmp_path: Path
) -> None:
    """Issue 18, item 2: the broker is down for longer than every client timeout. The job fails,
    its restart strategy restarts it from the latest checkpoint (again and again while the broker
    is away), and the outputs equal the reference exactly once."""
    started = time.monotonic()
    endpoints = own_stack.read_endpoints()
    assert endpoints is not None
    run = prepare_run(endpoints, STREAM_SPEC, "outage-", tmp_path)
    checkpoints = tmp_path / "checkpoints"
    feeder = Feeder(run.records, librdkafka_config(endpoints.kafka_config("plaintext")), RATE)
    job = start_job(run.properties, checkpoints, tmp_path / "job.log", flink_options=PATIENT_RESTARTS)
    try:
        job_id = job.wait_all_tasks_running()
        feeder.start()
        wait_for(
            lambda: len(feeder.sent) >= 600 and len(completed_checkpoints(checkpoints)) >= 3,
            job,
            300,
            "completed checkpoints while input arrives",
        )
        feeder.stop()  # the producer of the test would fail too: input resumes after the outage
        sent_before = len(feeder.finish())
        checkpoints_before = len(completed_checkpoints(checkpoints))
        own_stack.restart_broker(down_s=LONG_DOWN_S)
        rest = Feeder(run.records[sent_before:], librdkafka_config(endpoints.kafka_config("plaintext")), RATE)
        rest.start()
        time.sleep(20)
        rest.stop()
        sent = run.records[:sent_before] + rest.finish()
        wait_caught_up(run.cfg, job, timeout_s=600)
        failures = job.rest("GET", f"/jobs/{job_id}/exceptions")["exceptionHistory"]["entries"]
        job.stop_with_savepoint(tmp_path / "final-savepoint", drain=True)
    finally:
        feeder.stop()
        job.ensure_stopped()
    assert LONG_DOWN_S > DELIVERY_TIMEOUT_S and run.cfg.sink.transaction_timeout_ms < LONG_DOWN_S * 1000
    assert failures, "the job rode out an outage longer than its timeouts: the test did not fail it over"
    fired = timeouts_in(failures)
    assert fired, f"no timeout among the failures: {[f['exceptionName'] for f in failures]}"
    assert len(sent) > sent_before

    checked = assert_exactly_once(run.cfg, sent)
    extra = uncommitted_extra(run.cfg, checked.expected)
    report(
        "broker-outage",
        seconds=round(time.monotonic() - started),
        records_sent=len(sent),
        sent_before_outage=sent_before,
        checkpoints_before_outage=checkpoints_before,
        broker_down_s=LONG_DOWN_S,
        job_failovers=len(failures),
        failure_causes=sorted({f["exceptionName"] for f in failures}),
        timeouts_fired=fired,
        feature_rows=checked.rows,
        dead_letter=checked.invalid,
        aborted_rows_seen_by_read_uncommitted=extra,
    )
