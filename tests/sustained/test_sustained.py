"""A sustained run with a crash in the middle (issue 18, item 4). ``make sustained``: 30 minutes.

The reference pipeline runs unbounded on the local stack (exactly-once sinks, checkpoints every
:data:`CHECKPOINT_MS`) while a producer sends at :data:`RATE` events/s for :data:`DURATION_S`
(``$MSK_FEATURES_SUSTAINED_RATE`` and ``$MSK_FEATURES_SUSTAINED_S`` override both). Event times run
8x the wall clock (4 h of event time in 30 min) so the largest window (1 h, hopping) fills and
then slides within the run: its state must stop growing. Halfway, the job is SIGKILLed (Python and
gateway JVM) and restarted from its latest checkpoint while input keeps arriving.

Every :data:`SAMPLE_S` the test records the consumer group's lag, the latest completed
checkpoint's size, the JVM's resident memory and heap. Then:

- lag stays bounded while the job runs, and after the crash it is back under that bound;
- in the second half, once the job has caught up, the checkpoint size and the JVM's resident
  memory of the last stretch are within 25 % of those of the first stretch (state TTL and window
  cleanup at work, no leak). The JVM's heap is fixed (:data:`JVM_HEAP`, ``-Xms`` = ``-Xmx``), as a
  Managed Flink TaskManager's is sized by its KPUs: with the JVM's default (a quarter of the
  machine's memory, 6 GiB here) G1 grows the heap lazily, and resident memory rose 1.63x in a
  30-minute run's second half (2026-12-03) without any leak; with the heap fixed, resident memory
  that grows is off-heap memory that grows;
- after a draining stop, every Kafka output (read_committed), the dead letters and the Parquet
  datasets equal the independent reference for all records sent, once.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from flink_jobs.config import AppConfig
from msk_features.bench.procstats import read_sample
from msk_features.dev.generator.plan import GenerateSpec
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.lag import consumer_lag
from tests.support.exactly_once import assert_exactly_once
from tests.support.jobs import (
    Feeder,
    JobProcess,
    can_list_children,
    descendants,
    input_topic_names,
    latest_checkpoint,
    prepare_run,
    start_job,
    wait_caught_up,
)
from tests.support.recovery import report

pytestmark = pytest.mark.slow

DURATION_S = float(os.environ.get("MSK_FEATURES_SUSTAINED_S", "1800"))
RATE = float(os.environ.get("MSK_FEATURES_SUSTAINED_RATE", "1000"))
CHECKPOINT_MS = 5000
SAMPLE_S = 15.0
EVENT_TIME_SPEED = 8
FLAT = 1.25  # the last stretch may exceed the first by this factor
JVM_HEAP = "2g"
JVM_ARGS = {"JVM_ARGS": f"-Xms{JVM_HEAP} -Xmx{JVM_HEAP}"}


@dataclass
class Sample:
    t: float  # seconds since the feeder started
    phase: int  # 1 before the crash, 2 after
    lag: int | None
    checkpoint_bytes: int | None
    jvm_rss: int | None
    heap_used: int | None


class Recorder(threading.Thread):
    """Samples the running job (:attr:`job`, swapped at the restart) every :data:`SAMPLE_S`."""

    def __init__(self, cfg: AppConfig, started: float, job: JobProcess) -> None:
        super().__init__(name="recorder", daemon=True)
        self.cfg = cfg
        self.started = started
        self.job = job
        self.phase = 1
        self.samples: list[Sample] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(SAMPLE_S):
            job = self.job
            if not job.alive():
                continue
            self.samples.append(self._sample(job))

    def _sample(self, job: JobProcess) -> Sample:
        lag = checkpoint = rss = heap = None
        try:
            rows = consumer_lag(
                librdkafka_config(self.cfg.kafka),
                self.cfg.kafka.consumer_group,
                input_topic_names(self.cfg),
                10,
            )
            lag = sum(r.lag for r in rows) if rows else None
        except Exception:
            pass
        try:
            jobs = [j["jid"] for j in job.rest("GET", "/jobs/overview")["jobs"] if j["state"] == "RUNNING"]
            if jobs:
                latest = job.rest("GET", f"/jobs/{jobs[0]}/checkpoints")["latest"]["completed"]
                checkpoint = latest["state_size"] if latest else None
            (tm,) = job.rest("GET", "/taskmanagers")["taskmanagers"][:1]
            metric = job.rest("GET", f"/taskmanagers/{tm['id']}/metrics?get=Status.JVM.Memory.Heap.Used")
            heap = int(float(metric[0]["value"])) if metric else None
        except Exception:
            pass
        javas = [s for s in map(read_sample, descendants(job.pid)) if s is not None and s.name == "java"]
        rss = max((s.rss for s in javas), default=None)
        return Sample(time.monotonic() - self.started, self.phase, lag, checkpoint, rss, heap)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=60)


def stretch(samples: list[Sample], attribute: str, start: float, end: float) -> list[int]:
    return [v for s in samples if start <= s.t < end and (v := getattr(s, attribute)) is not None]


@pytest.mark.skipif(not can_list_children(), reason="needs /proc/<pid>/task/<tid>/children (Linux)")
def test_sustained_run_with_a_crash_keeps_lag_state_and_memory_bounded_and_exactly_once(
    local_stack: Endpoints, built_package: Path, tmp_path: Path
) -> None:
    spec = GenerateSpec.from_total(
        int(RATE * DURATION_S),
        seed=41,
        users=5000,
        merchants=500,
        span=timedelta(seconds=DURATION_S * EVENT_TIME_SPEED),
        invalid_fraction=0.01,
    )
    run = prepare_run(local_stack, spec, "sustained-", tmp_path, checkpoint_interval_ms=CHECKPOINT_MS)
    checkpoints = tmp_path / "checkpoints"
    feeder = Feeder(
        run.records, librdkafka_config(local_stack.kafka_config("plaintext")), RATE, chunk=int(RATE)
    )
    first = start_job(run.properties, checkpoints, tmp_path / "run1.log", extra_env=JVM_ARGS)
    second: JobProcess | None = None
    recorder: Recorder | None = None
    try:
        first.wait_all_tasks_running()
        started = time.monotonic()
        recorder = Recorder(run.cfg, started, first)
        recorder.start()
        feeder.start()
        time.sleep(DURATION_S / 2)
        first.kill_hard()
        killed_at = time.monotonic() - started
        checkpoint = latest_checkpoint(checkpoints)
        assert checkpoint is not None
        recorder.phase = 2
        second = start_job(
            run.properties, checkpoints, tmp_path / "run2.log", restore_from=checkpoint, extra_env=JVM_ARGS
        )
        recorder.job = second
        second.wait_all_tasks_running()
        restarted_at = time.monotonic() - started
        sent = feeder.finish(timeout_s=DURATION_S + 600)
        fed_s = time.monotonic() - started
        wait_caught_up(run.cfg, second, timeout_s=600)
        recorder.stop()
        second.stop_with_savepoint(tmp_path / "final-savepoint", drain=True)
    finally:
        feeder.stop()
        if recorder is not None:
            recorder.stop()
        first.ensure_stopped()
        if second is not None:
            second.ensure_stopped()
    assert len(sent) == len(run.records)
    samples = recorder.samples
    settle = min(120.0, DURATION_S / 10)  # start-up: the job catches up the input it missed

    steady_one = stretch(samples, "lag", settle, killed_at)
    steady_two = stretch(samples, "lag", restarted_at + settle, fed_s)
    assert steady_one and steady_two, "precondition: lag sampled in both halves"
    bound = max(steady_one)
    assert bound <= RATE * (CHECKPOINT_MS / 1000 + 30), f"lag grew to {bound} records before the crash"
    assert max(steady_two) <= max(bound, RATE * (CHECKPOINT_MS / 1000 + 30)), (
        f"after the crash lag stayed at up to {max(steady_two)} records (bound {bound})"
    )
    recovered_s = next(
        (s.t - restarted_at for s in samples if s.phase == 2 and s.lag is not None and s.lag <= bound),
        None,
    )
    assert recovered_s is not None, "lag never came back under its pre-crash bound"

    # Flat: in the second half, after catching up, the last stretch against the first one.
    span = fed_s - (restarted_at + settle)
    early = (restarted_at + settle, restarted_at + settle + span / 3)
    late = (fed_s - span / 3, fed_s)
    flat: dict[str, dict[str, float]] = {}
    for attribute in ("checkpoint_bytes", "jvm_rss"):
        first_part, last_part = stretch(samples, attribute, *early), stretch(samples, attribute, *late)
        assert first_part and last_part, f"precondition: {attribute} sampled"
        ratio = max(last_part) / max(first_part)
        flat[attribute] = {"early_max": max(first_part), "late_max": max(last_part), "ratio": round(ratio, 3)}
        assert ratio <= FLAT, f"{attribute} grew {ratio:.2f}x within the second half: {flat[attribute]}"

    heap = [s.heap_used for s in samples if s.heap_used is not None]
    figures = dict(
        duration_s=DURATION_S,
        jvm_heap=JVM_HEAP,
        rate_asked=RATE,
        rate_achieved=round(len(sent) / fed_s, 1),
        records_sent=len(sent),
        killed_at_s=round(killed_at),
        restart_s=round(restarted_at - killed_at),
        lag_back_under_bound_s=round(recovered_s),
        lag_max_before_crash=bound,
        lag_max_after_restart=max(stretch(samples, "lag", restarted_at, fed_s), default=None),
        lag_median_steady=statistics.median(steady_one + steady_two),
        flat=flat,
        heap_used_max=max(heap, default=None),
        samples=len(samples),
    )
    report("sustained-run", **figures)  # before the (long) reference check, so a failure there keeps them
    reference_started = time.monotonic()
    checked = assert_exactly_once(run.cfg, sent)
    report(
        "sustained",
        **figures,
        reference_check_s=round(time.monotonic() - reference_started),
        feature_rows=checked.rows,
        dead_letter=checked.invalid,
    )
