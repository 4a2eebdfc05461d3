"""Idle partitions and topics, with the fraud pipeline running unbounded on the local stack.

Two scenarios, each run twice: with a short idle timeout (``idle.timeout.seconds`` = 2) the output
rows appear; with an idle timeout of a day (86400 s) they do not, although the job has read and
committed every input record (consumer lag 0, so its checkpoints complete) and 20 s more.

- ``partition``: ``transactions`` has two partitions and everything goes to partition 0; partition
  1 stays silent. Watermarks are the minimum over partitions, so without the idle timeout no window
  of ``txn_1m`` ever closes.
- ``profiles``: a few profiles at 09:00, then ``profiles`` stays silent while transactions and clicks
  flow from 10:00. The as-of enrichment (``txn_features``) orders the union of the three sources by
  event time, so it waits for the profiles watermark (08:58:30) unless the topic is marked idle.
  (Observed here: ``txn_1m``, from transactions only, did not appear in that run either; the test
  prints what the other outputs held and asserts only on ``txn_features``.)

Rows are compared with the independent reference (:mod:`tests.reference.fraud`) restricted to what
the watermark allows. Everything is sent before the job starts: 65 s of traffic (10:00:00-10:01:05),
then one "closer" transaction and click at 10:20 that move the watermark (delay 90 s) past all of
it; the closers' own rows cannot be emitted. Why the long delay: on a loaded machine a 2 s idle
timeout can mark a partition that is merely slow as idle, the watermark then moves on without it,
and its records arrive late for the windows and OVER aggregations, which drop them without a trace
(a known limit). With a delay longer than the traffic, only a closer can push the watermark past a
record, and each closer is the last record of its partition.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

from flink_jobs.config import ENV_PROPERTIES, AppConfig, to_property_groups
from flink_jobs.pipelines import input_topics
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.kafka.topic_setup import ensure_topics
from msk_features.operations.lag import consumer_lag
from msk_features.runner import REPO_ROOT, flink_log_dir
from tests.reference.fraud import InputRecord, expected_outputs, fmt
from tests.support.fraud_check import assert_same_rows
from tests.support.pipeline_run import job_config, unique_topics

START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CLOSER = START + timedelta(minutes=20)
SHORT_IDLE_S = 2
WATERMARK_DELAY_S = 90
"""Larger than the first batch's span (65 s): until the closers come, no record can be late."""
HUGE_IDLE_S = 86_400
APPEAR_TIMEOUT_S = 240.0  # job start-up on a loaded 2-core machine included
STALL_WAIT_S = 20.0  # after the job has committed every input offset


Event = tuple[str, int, dict[str, Any]]  # (stream, partition, event)


def events(scenario: str) -> list[Event]:
    """The first batch, in send order: (profiles at 09:00,) then 3 users, 65 s of traffic."""
    out: list[Event] = []
    if scenario == "profiles":
        for n, user in enumerate(("u1", "u2", "u3")):
            out.append(
                (
                    "profiles",
                    0,
                    {
                        "user_id": user,
                        "home_country": ("DE", "FR", "US")[n],
                        "risk_tier": ("low", "medium", "high")[n],
                        "updated_at": fmt(START - timedelta(hours=1)),
                    },
                )
            )
    for step in range(16):
        moment = START + timedelta(seconds=4 * step)
        user = f"u{step % 3 + 1}"
        out.append(("clicks", 0, _click(f"c{step}", user, moment)))
        out.append(("transactions", 0, _txn(f"t{step}", user, moment + timedelta(seconds=5), step)))
    return out


def closers() -> list[Event]:
    """Sent last: they move the watermark past all of the first batch."""
    return [
        ("clicks", 0, _click("c-closer", "closer", CLOSER)),
        ("transactions", 0, _txn("t-closer", "closer", CLOSER, 0)),
    ]


def _txn(txn_id: str, user: str, moment: datetime, n: int) -> dict[str, Any]:
    return {
        "txn_id": txn_id,
        "user_id": user,
        "merchant_id": f"m{n % 4}",
        "amount": Decimal(f"{10 + n}.25"),
        "currency": "EUR",
        "country": "DE",
        "event_time": fmt(moment),
    }


def _click(click_id: str, user: str, moment: datetime) -> dict[str, Any]:
    return {"click_id": click_id, "user_id": user, "page": "/p", "action": "view", "event_time": fmt(moment)}


def _json(event: dict[str, Any]) -> bytes:
    """JSON of an event; amounts (two decimals here) as JSON numbers."""
    return json.dumps({k: float(v) if isinstance(v, Decimal) else v for k, v in event.items()}).encode()


def send(endpoints: Endpoints, batch: list[Event], topics: dict[str, str]) -> list[InputRecord]:
    """Produce the scenario's events one at a time (offsets follow the send order); return them as
    reference inputs with their positions."""
    producer = Producer(
        {**librdkafka_config(endpoints.kafka_config("plaintext")), "acks": "all", "enable.idempotence": True}
    )
    sent: list[InputRecord] = []
    errors: list[str] = []
    for stream, partition, event in batch:

        def delivered(err: Any, msg: Any, stream: str = stream, event: dict[str, Any] = event) -> None:
            if err is not None:
                errors.append(f"{stream}: {err}")
            else:
                sent.append(InputRecord(stream, msg.partition(), msg.offset(), True, event))

        producer.produce(
            topics[stream],
            value=_json(event),
            key=event["user_id"].encode(),
            partition=partition,
            on_delivery=delivered,
        )
        assert producer.flush(60) == 0, f"{stream} record not delivered in 60 s"
        assert not errors, errors
    assert len(sent) == len(batch)
    return sent


@contextmanager
def unbounded_job(cfg: AppConfig, tmp: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The job running unbounded in its own process group; stopped (by its group id) on exit."""
    properties = tmp / "unbounded.json"
    properties.write_text(json.dumps(to_property_groups(cfg)), encoding="utf-8")
    env = dict(os.environ, **{ENV_PROPERTIES: str(properties)})
    started = time.time()
    job = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "main.py")],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "job.stderr").open("wb"),
        start_new_session=True,
    )
    try:
        yield job
    finally:
        try:
            os.killpg(job.pid, signal.SIGTERM)
            job.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(job.pid, signal.SIGKILL)
            job.wait(timeout=30)
        if job.returncode not in (0, -signal.SIGTERM, -signal.SIGKILL):
            logs = [p for p in flink_log_dir().glob("*.log") if p.stat().st_mtime >= started]
            print(f"job exited {job.returncode}; logs: {logs}")


class CommittedReader:
    """Reads a topic from the beginning with ``read_committed``, keeping every record seen so far."""

    def __init__(self, cfg: AppConfig, topic: str):
        self.consumer = Consumer(
            {
                **librdkafka_config(cfg.kafka),
                "group.id": f"idle-test-{topic}",
                "enable.auto.commit": False,
                "isolation.level": "read_committed",
                "auto.offset.reset": "earliest",
            }
        )
        partitions = self.consumer.list_topics(topic, timeout=10).topics[topic].partitions
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        self.rows: list[dict[str, Any]] = []

    def poll(self, seconds: float = 1.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            message = self.consumer.poll(min(left, 0.5))
            if message is not None and message.error() is None and message.value() is not None:
                self.rows.append(json.loads(message.value(), parse_float=Decimal))
        return self.rows

    def close(self) -> None:
        self.consumer.close()


def wait_for_rows(
    job: subprocess.Popen[bytes], reader: CommittedReader, count: int, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while len(reader.poll()) < count:
        assert job.poll() is None, "the job stopped (see job.stderr and the Flink log)"
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(reader.rows)} of {count} rows after {timeout_s:.0f} s")


def wait_for_zero_lag(
    job: subprocess.Popen[bytes], cfg: AppConfig, topics: list[str], timeout_s: float
) -> None:
    """Until the job's consumer group has committed every input offset (it has read everything)."""
    client = librdkafka_config(cfg.kafka)
    deadline = time.monotonic() + timeout_s
    while True:
        lags = consumer_lag(client, cfg.kafka.consumer_group, topics, timeout_s=10)
        if lags and all(row.lag == 0 and (row.committed or row.end_offset == 0) for row in lags):
            return
        assert job.poll() is None, "the job stopped"
        assert time.monotonic() < deadline, f"the job did not commit its input offsets: {lags}"
        time.sleep(1)


def setup(
    local_stack: Endpoints, tmp: Path, scenario: str, idle_s: int
) -> tuple[AppConfig, list[InputRecord]]:
    """Topics for one run with the first batch in them, and the unbounded job's config."""
    prefix = f"idle-{scenario}-{idle_s}-"
    topics = unique_topics(prefix, partitions=2 if scenario == "partition" else 1)
    names = dict(topics.sources)
    ensure_topics(local_stack.kafka_plaintext_bootstrap, input_topics(topics, "fraud"))
    records = send(local_stack, events(scenario) + closers(), names)
    cfg, _ = job_config(
        local_stack,
        topics,
        f"{prefix}out-",
        tmp,
        watermark_delay_s=WATERMARK_DELAY_S,
        idle_timeout_s=idle_s,
        checkpoint_interval_ms=1000,
    )
    return replace(cfg, kafka=replace(cfg.kafka, bounded=False)), records


def emitted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reference rows the watermark lets out: everything but the closers' own rows."""
    return [r for r in rows if r["user_id"] != "closer"]


@pytest.mark.parametrize(
    ("scenario", "stalled"),
    [("partition", ("txn_1m", "txn_features")), ("profiles", ("txn_features",))],
)
def test_outputs_complete_with_the_idle_timeout_and_stall_without(
    local_stack: Endpoints, built_package: Path, tmp_path: Path, scenario: str, stalled: tuple[str, ...]
) -> None:
    started = time.monotonic()
    # With the idle timeout: every row the watermark allows appears and equals the reference.
    cfg, records = setup(local_stack, tmp_path / "short", scenario, SHORT_IDLE_S)
    readers = {
        name: CommittedReader(cfg, cfg.topics.feature_topic(name)) for name in ("txn_1m", "txn_features")
    }
    inputs = list(cfg.topics.sources.values())
    try:
        with unbounded_job(cfg, tmp_path / "short") as job:
            expected = expected_outputs(records, cfg.pipeline.version, timedelta(seconds=WATERMARK_DELAY_S))
            for name, reader in readers.items():
                want = emitted(expected.features[name])
                assert want, name
                wait_for_rows(job, reader, len(want), APPEAR_TIMEOUT_S)
                reader.poll(2 * cfg.pipeline.checkpoint_interval_ms / 1000)  # would show any extra row
                assert_same_rows(reader.rows, want, f"{scenario} {name}")
    finally:
        for reader in readers.values():
            reader.close()
    with_timeout = time.monotonic() - started

    # Without it (a day): the job reads and commits everything, but the stalled outputs stay empty.
    cfg, records = setup(local_stack, tmp_path / "huge", scenario, HUGE_IDLE_S)
    readers = {
        name: CommittedReader(cfg, cfg.topics.feature_topic(name)) for name in ("txn_1m", "txn_features")
    }
    inputs = list(cfg.topics.sources.values())
    try:
        with unbounded_job(cfg, tmp_path / "huge") as job:
            wait_for_zero_lag(job, cfg, inputs, APPEAR_TIMEOUT_S)
            time.sleep(STALL_WAIT_S)
            for name in stalled:
                assert readers[name].poll(2.0) == [], f"{scenario}: {name} rows without an idle timeout"
            assert job.poll() is None, "the job stopped"
            others = {n: len(r.poll(0.5)) for n, r in readers.items() if n not in stalled}
    finally:
        for reader in readers.values():
            reader.close()
    print(
        f"idle {scenario}: rows complete in {with_timeout:.0f} s with a {SHORT_IDLE_S} s idle timeout; "
        f"none of {', '.join(stalled)} {STALL_WAIT_S:.0f} s after a full read with {HUGE_IDLE_S} s "
        f"(rows of the others then: {others})"
    )
