"""S3 unreachable under the Parquet sinks (issue 18, item 1).

The job reaches the local S3 API server through a loopback TCP forwarder (tests/reliability/
tcp_proxy.py: moto keeps its objects in memory, so the server itself cannot be stopped without
losing them). While the reference pipeline runs unbounded with 1 s checkpoints and input keeps
arriving, the forwarder is cut for :data:`OUTAGE_S` (open connections reset, new ones refused),
then restored. The job retries or fails over by its restart strategy, by itself. Then:

- every Parquet dataset (features and archives) and every Kafka output (read_committed) equals the
  independent reference for all input, once;
- a partition that had its ``_SUCCESS`` file after the outage held then exactly the rows it holds
  at the end (a partition is marked complete only when it is), and at the end, after the drain,
  every partition has one.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from flink_jobs.config import AppConfig
from flink_jobs.pipelines import get_pipeline
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import list_offline_files, read_offline
from tests.reliability.test_broker_restart import PATIENT_RESTARTS
from tests.support.exactly_once import assert_exactly_once, uncommitted_extra
from tests.support.jobs import (
    Feeder,
    completed_checkpoints,
    prepare_run,
    start_job,
    wait_caught_up,
    wait_for,
    write_properties,
)
from tests.support.recovery import RATE, STREAM_SPEC, report
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.slow

OUTAGE_S = 30.0  # 30 checkpoint intervals
_PARTITION = re.compile(r"/(dt=[^/]+/hr=[^/]+)/([^/]+)$")


def datasets() -> list[str]:
    spec = get_pipeline("fraud")
    return [f"features/{name}" for name in spec.feature_set_names()] + [
        f"events/{s.name}" for s in spec.sources if s.archive
    ]


def partitions(cfg: AppConfig, dataset: str) -> tuple[set[str], Counter[str]]:
    """The partitions of ``dataset`` with a ``_SUCCESS`` file, and the finished rows per partition."""
    assert cfg.offline is not None
    done: set[str] = set()
    rows: Counter[str] = Counter()
    for path in list_offline_files(cfg.offline, dataset):
        match = _PARTITION.search(path)
        if not match:
            continue
        partition, name = match.groups()
        if name == "_SUCCESS":
            done.add(partition)
        elif not name.startswith((".", "_")) and partition not in rows:
            rows[partition] = read_offline(cfg.offline, f"{dataset}/{partition}").num_rows
    return done, rows


def test_s3_outage_under_the_parquet_sinks_keeps_every_dataset_exact(
    local_stack: Endpoints, built_package: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    run = prepare_run(local_stack, STREAM_SPEC, "s3out-", tmp_path)
    proxy = TcpProxy(("127.0.0.1", local_stack.s3_port))
    assert run.cfg.offline is not None
    cfg = replace(run.cfg, offline=replace(run.cfg.offline, s3_endpoint=proxy.url))
    properties = write_properties(cfg, tmp_path / "via-proxy.json")
    checkpoints = tmp_path / "checkpoints"
    feeder = Feeder(run.records, librdkafka_config(local_stack.kafka_config("plaintext")), RATE)
    job = start_job(properties, checkpoints, tmp_path / "job.log", flink_options=PATIENT_RESTARTS)
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
        proxy.cut()
        time.sleep(OUTAGE_S)
        proxy.restore()
        time.sleep(15)  # input keeps arriving after S3 is back, then stops
        feeder.stop()
        sent = feeder.finish()
        wait_caught_up(cfg, job, timeout_s=600)
        after_outage = {d: partitions(cfg, d) for d in datasets()}
        failures = job.rest("GET", f"/jobs/{job_id}/exceptions")["exceptionHistory"]["entries"]
        stats = job.rest("GET", f"/jobs/{job_id}/checkpoints")
        job.stop_with_savepoint(tmp_path / "final-savepoint", drain=True)
    except BaseException:
        proxy.close()
        raise
    finally:
        feeder.stop()
        job.ensure_stopped()
    assert len(sent) > sent_before

    try:  # the checks read through the same endpoint
        checked = assert_exactly_once(cfg, sent)
        extra = uncommitted_extra(cfg, checked.expected)
        marked_early = 0
        for dataset, (done, rows) in after_outage.items():
            final_done, final_rows = partitions(cfg, dataset)
            for partition in done:
                assert rows[partition] == final_rows[partition], (
                    f"{dataset}/{partition} had _SUCCESS with {rows[partition]} rows, "
                    f"{final_rows[partition]} at the end"
                )
            marked_early += len(done)
            assert set(final_rows) <= final_done, f"{dataset}: partitions without _SUCCESS after the drain"
    finally:
        proxy.close()
    assert marked_early > 0, "precondition: partitions were committed during the run"
    counts, slowest = stats["counts"], stats["summary"]["end_to_end_duration"]["max"] / 1000
    # The outage reached the sinks: a failover, a failed checkpoint or one held up by it.
    assert failures or counts["failed"] or slowest >= OUTAGE_S / 2, (counts, slowest)
    report(
        "s3-outage",
        seconds=round(time.monotonic() - started),
        records_sent=len(sent),
        sent_before_outage=sent_before,
        s3_down_s=OUTAGE_S,
        job_failovers=len(failures),
        failure_causes=sorted({f["exceptionName"] for f in failures}),
        partitions_committed_before_the_drain=marked_early,
        s3_connections_reset=proxy.reset_at_cuts,
        checkpoints_completed=counts["completed"],
        checkpoints_failed=counts["failed"],
        slowest_checkpoint_s=round(slowest, 1),
        feature_rows=checked.rows,
        dead_letter=checked.invalid,
        aborted_rows_seen_by_read_uncommitted=extra,
    )
