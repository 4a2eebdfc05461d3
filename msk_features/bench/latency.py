"""Event-to-feature latency: steady real-time input, ``txn_features`` rows timed as a consumer sees them.

A producer thread sends events whose event time is the wall clock at sending (transactions, clicks and
profiles in the 50/40/10 split, ``rate`` events per second in total). Each partition gets strictly
increasing event times, so with a watermark delay of 0 no record is late. A consumer thread reads the
job's ``txn_features`` topic with ``isolation.level=read_committed`` (as every consumer of an
exactly-once topic must) and takes, for each row, the time it was received minus the time its
transaction was handed to the producer: the latency a model server reading the topic would see,
producer batching, the job, the sink's commit and the consumer's fetch included.

Until the first feature row is visible the sender sends a trickle (:data:`TRICKLE_RATE`), so the
job does not start behind; then ``rate``, until the end. Timing starts ``warmup_s`` after that first
row; only transactions sent in the following ``measure_s`` count, and every one of them must arrive
(within the settling time, while the sender goes on), or the run reports how many did not.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition

from flink_jobs.config import TopicsConfig
from flink_jobs.pipelines import input_topics, prefixed_topics
from msk_features.bench.flink_run import FlinkJob, RunSettings, job_config, slug
from msk_features.bench.procstats import children_of, read_sample
from msk_features.bench.workload import CLICKS, FULL, PER_EVENT, PROFILES, TRANSACTIONS
from msk_features.dev.generator.instants import format_instant
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.topic_setup import ensure_topics

__all__ = ["LatencyResult", "measure_latency", "percentile"]

TRICKLE_RATE = 20.0
"""Events per second sent until the first feature row is visible (the job is up), then ``rate``."""


@dataclass(frozen=True)
class LatencyResult:
    """Latency percentiles (milliseconds) of one configuration."""

    label: str
    guarantee: str
    checkpoint_ms: int
    rate: float
    achieved_rate: float
    measured: int
    missing: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    late_or_invalid: int
    written_p50_ms: float = float("nan")
    """Median time from sending a transaction to the job's producer creating its feature row (the
    row's Kafka timestamp): the job's share of the latency; the rest is the sink's commit (for
    exactly-once) and the consumer's fetch."""
    written_p99_ms: float = float("nan")
    cores_used: dict[str, float] = field(default_factory=dict)
    """CPU in use during the measured window, in cores, per process: ``job`` (the Flink job's
    process tree), ``broker``, ``s3`` (the local S3 API server) and ``harness`` (this process: the
    sender and the reader)."""


def _cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds so far of each named process (0 for one that is gone); for ``job``, its whole tree."""
    totals: dict[str, float] = {}
    for name, pid in pids.items():
        samples = [read_sample(p) for p in [pid, *(children_of(pid) if name == "job" else [])]]
        totals[name] = sum(s.cpu_s for s in samples if s is not None)
    return totals


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by the nearest-rank method; ``nan`` for no values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-q * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class _SteadyProducer(threading.Thread):
    """Sends ``rate`` events per second until stopped; remembers when each transaction was sent."""

    def __init__(self, bootstrap: str, topics: TopicsConfig, rate: float, users: int) -> None:
        super().__init__(name="steady-producer", daemon=True)
        self.producer = Producer(
            {"bootstrap.servers": bootstrap, "linger.ms": 1, "acks": "all", "enable.idempotence": True}
        )
        self.topics, self.rate, self.users = topics, rate, users
        self.sent_at: dict[str, float] = {}
        self.sent = 0
        self.stop_event = threading.Event()
        self.full_rate = threading.Event()
        self.ramped_at: float | None = None
        self.last_ms: dict[tuple[str, int], int] = {}

    def _time(self, topic: str, partition: int) -> int:
        now = int(time.time() * 1000)
        stamp = max(now, self.last_ms.get((topic, partition), 0) + 1)
        self.last_ms[(topic, partition)] = stamp
        return stamp

    def _event(self, rng: random.Random, index: int) -> None:
        user = f"u{rng.randrange(self.users):06d}"
        roll = index % 10
        partitions = self.topics.partitions
        partition = rng.randrange(partitions)
        if roll < 5:
            topic = self.topics.source_topic(TRANSACTIONS)
            txn_id = f"lt-{index}"
            value = {
                "txn_id": txn_id,
                "user_id": user,
                "merchant_id": f"m{rng.randrange(500):04d}",
                "amount": round(rng.uniform(1, 500), 2),
                "currency": "EUR",
                "country": rng.choice(["DE", "FR", "NL"]),
                "event_time": format_instant(self._time(topic, partition)),
            }
            self.sent_at[txn_id] = time.time()
        elif roll < 9:
            topic = self.topics.source_topic(CLICKS)
            value = {
                "click_id": f"lc-{index}",
                "user_id": user,
                "page": "/p",
                "action": "view",
                "event_time": format_instant(self._time(topic, partition)),
            }
        else:
            topic = self.topics.source_topic(PROFILES)
            value = {
                "user_id": user,
                "home_country": "DE",
                "risk_tier": "low",
                "updated_at": format_instant(self._time(topic, partition)),
            }
        self.producer.produce(topic, json.dumps(value).encode(), user.encode(), partition=partition)

    def run(self) -> None:
        rng = random.Random(11)
        started, base = time.monotonic(), 0
        while not self.stop_event.is_set():
            if not self.full_rate.is_set():  # a trickle until the job is up: no backlog to catch up
                due = int((time.monotonic() - started) * TRICKLE_RATE)
            else:
                if self.ramped_at is None:
                    self.ramped_at, base = time.monotonic(), self.sent
                due = base + int((time.monotonic() - self.ramped_at) * self.rate)
            while self.sent < due:
                try:
                    self._event(rng, self.sent)
                except BufferError:
                    self.producer.poll(0.01)
                    continue
                self.sent += 1
            self.producer.poll(0)
            time.sleep(0.002)
        self.producer.flush(30)


class _FeatureReader(threading.Thread):
    """Reads a topic read_committed from the start; records when each ``txn_id`` arrived."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        super().__init__(name="feature-reader", daemon=True)
        self.consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"bench-latency-{uuid.uuid4().hex[:8]}",
                "isolation.level": "read_committed",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
                "fetch.wait.max.ms": 10,
            }
        )
        self.topic = topic
        self.arrived: dict[str, float] = {}
        self.written: dict[str, float] = {}
        """When the job's producer created each row (its Kafka timestamp), seconds since the epoch."""
        self.stop_event = threading.Event()

    def run(self) -> None:
        metadata = self.consumer.list_topics(self.topic, timeout=10).topics[self.topic]
        self.consumer.assign([TopicPartition(self.topic, p, 0) for p in metadata.partitions])
        while not self.stop_event.is_set():
            for message in self.consumer.consume(1000, timeout=0.05):
                value = message.value()
                if message.error() is not None or value is None:
                    continue
                now = time.time()
                txn_id = json.loads(value).get("txn_id")
                if txn_id is not None:
                    self.arrived.setdefault(txn_id, now)
                    self.written.setdefault(txn_id, message.timestamp()[1] / 1000)
        self.consumer.close()


def _count(bootstrap: str, topic: str) -> int:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-count-{uuid.uuid4().hex[:8]}"})
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics[topic]
        return sum(
            consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in metadata.partitions
        )
    finally:
        consumer.close()


def measure_latency(
    endpoints: Endpoints,
    settings: RunSettings,
    workdir: Path,
    label: str,
    rate: float = 5_000,
    warmup_s: float = 20.0,
    measure_s: float = 40.0,
    users: int = 10_000,
    partitions: int = 3,
    startup_timeout_s: float = 600.0,
    settle_s: float = 60.0,
) -> LatencyResult:
    """Run the full pipeline unbounded on fresh topics at ``rate`` events/s and time ``txn_features``."""
    run_id = f"lat-{slug(label)}-{uuid.uuid4().hex[:6]}"
    inputs = prefixed_topics(f"{run_id}-", FULL, partitions=partitions)
    ensure_topics(endpoints.kafka_plaintext_bootstrap, input_topics(inputs, FULL))
    # Every partition is busy, so no idle timeout is needed; a short one misfires when the machine
    # is loaded (a partition read late is marked idle, the watermark passes its records: late).
    settings = replace(settings, watermark_delay_s=0, idle_timeout_s=30)
    cfg = job_config(endpoints, inputs, settings, run_id)
    cfg = replace(cfg, kafka=replace(cfg.kafka, bounded=False))
    bootstrap = endpoints.kafka_plaintext_bootstrap
    job = FlinkJob(cfg, settings, workdir / run_id, label)
    reader = _FeatureReader(bootstrap, cfg.topics.feature_topic(PER_EVENT))
    producer = _SteadyProducer(bootstrap, inputs, rate, users)
    try:
        reader.start()
        producer.start()
        started = time.time()
        # The clock starts when the first feature row is visible (the job is up and consuming),
        # then ``warmup_s`` more let it settle before the measured window.
        while not reader.arrived:
            if not job.running():
                raise RuntimeError(f"{label}: the job stopped\n{job.failure_details()}")
            if time.time() - started > startup_timeout_s:
                raise RuntimeError(f"{label}: no feature row within {startup_timeout_s:.0f} s")
            time.sleep(0.5)
        producer.full_rate.set()
        window_start = time.time() + warmup_s
        window_end = window_start + measure_s
        pids = {"job": job.process.pid, "broker": endpoints.kafka_pid, "s3": endpoints.s3_pid}
        pids["harness"] = os.getpid()
        cpu_before: dict[str, float] | None = None
        while time.time() < window_end:
            if not job.running():
                raise RuntimeError(f"{label}: the job stopped\n{job.failure_details()}")
            if cpu_before is None and time.time() >= window_start:
                cpu_before, cpu_from = _cpu_seconds(pids), time.monotonic()
            time.sleep(0.5)
        cores: dict[str, float] = {}
        if cpu_before is not None:
            cpu_after, elapsed = _cpu_seconds(pids), time.monotonic() - cpu_from
            cores = {name: (cpu_after[name] - cpu_before[name]) / elapsed for name in pids}
        # The sender keeps going while the window's rows come in: a row is emitted when the
        # watermark passes its event time, which takes later events on every partition (with no
        # more input, the last rows would wait for the idle timeout).
        # Transactions are every other event (index % 10 < 5): the rate achieved in the window.
        sent = list(producer.sent_at.items())  # one copy: the sender thread adds to it meanwhile
        achieved = 2 * sum(window_start <= at < window_end for _, at in sent) / measure_s
        wanted = {t for t, at in sent if window_start <= at < window_end}
        settle = time.time() + settings.checkpoint_ms / 1000 * 2 + settle_s
        while time.time() < settle and not wanted <= reader.arrived.keys():
            time.sleep(0.5)
        producer.stop_event.set()
        producer.join()
    finally:
        producer.stop_event.set()
        reader.stop_event.set()
        job.stop()
    reader.join(timeout=10)
    latencies = sorted(
        (reader.arrived[t] - producer.sent_at[t]) * 1000 for t in wanted if t in reader.arrived
    )
    written = sorted((reader.written[t] - producer.sent_at[t]) * 1000 for t in wanted if t in reader.written)
    late_or_invalid = _count(bootstrap, cfg.topics.late_events) + _count(bootstrap, cfg.topics.dead_letter)
    return LatencyResult(
        label=label,
        guarantee=settings.guarantee,
        checkpoint_ms=settings.checkpoint_ms,
        rate=rate,
        achieved_rate=achieved,
        measured=len(latencies),
        missing=len(wanted) - len(latencies),
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
        max_ms=latencies[-1] if latencies else float("nan"),
        late_or_invalid=late_or_invalid,
        written_p50_ms=percentile(written, 0.50),
        written_p99_ms=percentile(written, 0.99),
        cores_used=cores,
    )
