"""Scoring under faults (issue 16, item 5): a crash keeps the scores topic exactly-once, and a slow
endpoint makes the job fall behind (consumer lag grows) and then catch up, with nothing lost.

The reference pipeline runs unbounded with its scoring on the local stack, calling a local endpoint
that speaks the SageMaker runtime protocol (``msk_features.dev.model_endpoint.server``; no SageMaker
runs here) and serves a model trained by :mod:`msk_features.dev.model_endpoint.synthetic_model`.
Expected scores come from the
independent reference's ``txn_features`` rows (:mod:`tests.reference.fraud`), encoded by the spec
and scored by the model offline: the scores topic (read_committed) must hold exactly one row per
reference row, with that score.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import pytest

from flink_jobs.config import AppConfig, ScoringConfig
from flink_jobs.pipelines import fraud
from msk_features.dev.generator.plan import GenerateSpec
from msk_features.dev.generator.send import send
from msk_features.dev.model_endpoint.synthetic_model import ScoringModel, train_scoring_model
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.lag import consumer_lag
from msk_features.operations.outputs import feature_rows_from_table, read_offline, read_topic
from tests.support.exactly_once import assert_exactly_once
from tests.support.fraud_check import kafka_rows, reference_for
from tests.support.jobs import (
    Feeder,
    JobProcess,
    can_list_children,
    completed_checkpoints,
    input_topic_names,
    latest_checkpoint,
    open_transaction_records,
    prepare_run,
    start_job,
    wait_caught_up,
    wait_for,
    wait_for_unchecked_output,
    write_properties,
)
from tests.support.recovery import report

SCORING = fraud.fraud_score
SPEC = GenerateSpec(
    seed=31, transactions=3000, clicks=2500, profiles=300, users=30, merchants=15,
    span=timedelta(hours=6), labels=False,
)  # fmt: skip


def with_scoring(cfg: AppConfig, url: str, **limits: int) -> AppConfig:
    scoring = ScoringConfig(
        endpoints={SCORING.name: "fraud-score"}, endpoint_override=url, region="eu-west-1",
        access_key="AKIDLOCAL", secret_key="local-secret", **limits,
    )  # fmt: skip
    return replace(cfg, scoring=scoring)


def scores(
    cfg: AppConfig, isolation: Literal["read_committed", "read_uncommitted"] = "read_committed"
) -> list[dict[str, Any]]:
    records = read_topic(
        librdkafka_config(cfg.kafka), cfg.topics.scores_topic(SCORING.name), isolation=isolation
    )
    return [json.loads(r.value) for r in records]


def assert_scores_exactly_once(
    cfg: AppConfig,
    sent: list,
    model: ScoringModel,
    optional: Collection[str] = (),
) -> int:
    """One score per reference txn_features row, equal to the model's own score of that row.
    ``optional``: ids whose score may be absent (a row the watermark has not reached); if present
    it must be right."""
    rows = reference_for(sent, cfg).features["txn_features"]
    expected = dict(zip((r["txn_id"] for r in rows), model.scores(rows), strict=True))
    got = scores(cfg)
    ids = [s["txn_id"] for s in got]
    assert len(ids) == len(set(ids)), f"{len(ids) - len(set(ids))} transactions scored twice"
    scored = set(ids)
    expected = {k: v for k, v in expected.items() if k in scored or k not in optional}
    missing = set(expected) - scored
    if missing:  # where did they get to? (a diagnosis for the message)
        features = {r["txn_id"] for r in kafka_rows(cfg, "txn_features")}
        uncommitted = {s["txn_id"] for s in scores(cfg, "read_uncommitted")}
        assert cfg.offline is not None
        offline = {
            r["txn_id"] for r in feature_rows_from_table(read_offline(cfg.offline, f"scores/{SCORING.name}"))
        }
        late = [json.loads(r.value) for r in read_topic(librdkafka_config(cfg.kafka), cfg.topics.late_events)]
        late_ids = {v.get("txn_id") for v in late}
        raise AssertionError(
            f"{len(missing)} transactions without a score, e.g. {sorted(missing)[:3]}: "
            f"{len(missing & features)} of them in the features topic, {len(missing & uncommitted)} "
            f"in the scores topic uncommitted, {len(missing & offline)} in the scores dataset, "
            f"{len(missing & late_ids)} in the late-events topic ({len(late)} late records in all)"
        )
    assert set(ids) == set(expected), f"unexpected scores: {sorted(set(ids) - set(expected))[:3]}"
    wrong = [s for s in got if s["fraud_score"] != expected[s["txn_id"]]]
    assert not wrong, f"{len(wrong)} scores differ from the model's, e.g. {wrong[:3]}"
    dead = [
        r
        for r in read_topic(librdkafka_config(cfg.kafka), cfg.topics.dead_letter)
        if "dlq.scoring" in r.headers
    ]
    assert not dead, f"a healthy endpoint gave {len(dead)} dead letters: {dead[0].headers}"
    return len(got)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> ScoringModel:
    return train_scoring_model(SCORING, tmp_path_factory.mktemp("scoring-model"))


@pytest.mark.slow
def test_crash_keeps_scores_exactly_once(
    local_stack: Endpoints, built_package: Path, tmp_path: Path, model: ScoringModel, start_model_endpoint
) -> None:
    """SIGKILL the job while scores sit in open transactions; restore from the latest checkpoint.

    Calls in flight at the checkpoint are sent again by the restored job (the async operator keeps
    them in its state), so the endpoint sees more calls than rows; the topic still holds each score
    once. Negative control: read_uncommitted sees the aborted transactions' scores (duplicates)."""
    if not can_list_children():
        pytest.skip("needs /proc/<pid>/task/<tid>/children (Linux) to find the gateway JVM's pid")
    started = time.monotonic()
    endpoint = start_model_endpoint("--latency-ms", "20", models=[f"fraud-score={model.artifact}"])
    run = prepare_run(local_stack, SPEC, "score-crash-", tmp_path)
    cfg = with_scoring(run.cfg, endpoint.url, max_in_flight=16)
    properties = write_properties(cfg, tmp_path / "scoring.json")
    checkpoints = tmp_path / "checkpoints"
    feeder = Feeder(run.records, librdkafka_config(local_stack.kafka_config("plaintext")), 30.0)
    first = start_job(properties, checkpoints, tmp_path / "run1.log")
    second: JobProcess | None = None
    scores_topic = [cfg.topics.scores_topic(SCORING.name)]
    try:
        first.wait_all_tasks_running()
        feeder.start()
        wait_for(lambda: len(completed_checkpoints(checkpoints)) >= 2, first, 420, "completed checkpoints")
        # Scores in a transaction no checkpoint covers: the restored job must abort them.
        wait_for_unchecked_output(cfg, first, scores_topic, checkpoints)
        sent_before_kill = len(feeder.sent)
        first.kill_hard()
        open_at_kill = open_transaction_records(cfg, scores_topic)
        checkpoint = latest_checkpoint(checkpoints)
        assert checkpoint is not None
        second = start_job(properties, checkpoints, tmp_path / "run2.log", restore_from=checkpoint)
        second.wait_all_tasks_running()
        time.sleep(5)
        feeder.stop()
        sent = feeder.finish()
        wait_caught_up(cfg, second)
        second.stop_with_savepoint(tmp_path / "final-savepoint", drain=True)
    finally:
        feeder.stop()
        first.ensure_stopped()
        if second is not None:
            second.ensure_stopped()
    assert open_at_kill > 0, "precondition: the killed job left scores in open transactions"
    scored = assert_scores_exactly_once(cfg, sent, model)
    checked = assert_exactly_once(cfg, sent)
    uncommitted = scores(cfg, "read_uncommitted")
    duplicates = len(uncommitted) - len({s["txn_id"] for s in uncommitted})
    assert duplicates > 0, "the negative control saw no aborted score: the test could not fail"
    calls = endpoint.stats()["endpoints"]["fraud-score"]["calls"]
    report(
        "scoring-crash", seconds=round(time.monotonic() - started), records_sent=len(sent),
        sent_before_kill=sent_before_kill, scores=scored, endpoint_calls=calls,
        open_transaction_scores_at_kill=open_at_kill, aborted_duplicates_seen_by_read_uncommitted=duplicates,
        feature_rows=checked.rows,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("idle_timeout_s", [600, 60], ids=["idle-600s", "idle-default-60s"])
def test_slow_endpoint_backpressures_then_drains(
    local_stack: Endpoints,
    built_package: Path,
    tmp_path: Path,
    model: ScoringModel,
    start_model_endpoint,
    idle_timeout_s: int,
) -> None:
    """An endpoint at 250 ms per call with 2 calls in flight per instance scores at most ~8 rows/s
    (parallelism 1): input at ~40 records/s (~18 transactions/s) is more than it can take. The job
    does not fail or drop: ML_PREDICT's queue fills, backpressure slows the sources, the consumer
    lag on the inputs grows; when input stops, the job catches up (lag 0) and every transaction has
    its score. Calls never exceed the bound in flight, and no operator drops a row as late
    (``numLateRecordsDropped`` 0), at the default idle timeout (60 s) as at 600 s. After the input
    the test sends one later event per input, as a live stream would: a draining stop after the
    sources have been idle emits nothing the job still holds (a known limit, docs/RELIABILITY.md)."""
    started = time.monotonic()
    endpoint = start_model_endpoint("--latency-ms", "250", models=[f"fraud-score={model.artifact}"])
    run = prepare_run(local_stack, replace(SPEC, seed=32), f"score-slow-{idle_timeout_s}-", tmp_path)
    cfg = with_scoring(run.cfg, endpoint.url, max_in_flight=2, attempt_timeout_ms=5_000)
    cfg = replace(cfg, pipeline=replace(cfg.pipeline, parallelism=1, idle_timeout_s=idle_timeout_s))
    properties = write_properties(cfg, tmp_path / "scoring.json")
    client = librdkafka_config(cfg.kafka)
    feeder = Feeder(run.records[:2400], client, 40.0)
    job = start_job(properties, tmp_path / "checkpoints", tmp_path / "run.log")
    lags: list[tuple[float, int]] = []

    def lag() -> int | None:
        """The group's lag on the inputs; None while the broker cannot tell (no coordinator yet)."""
        try:
            rows = consumer_lag(client, cfg.kafka.consumer_group, input_topic_names(cfg), timeout_s=10)
        except Exception:
            return None
        return sum(r.lag for r in rows if r.lag is not None)

    try:
        job.wait_all_tasks_running()
        feeder.start()
        while feeder.is_alive():
            if (value := lag()) is not None:
                lags.append((time.monotonic() - started, value))
            assert job.alive(), job.output_tail()
            time.sleep(5)
        sent = feeder.finish()
        # As a live stream would: later events move every watermark past what was fed (each
        # stream's last planned valid record, hours later), so every fed transaction's row is due.
        closers = [
            next(r for r in reversed(run.records) if r.stream == stream and r.kind == "valid")
            for stream in ("transactions", "clicks", "profiles")
        ]
        send(closers, client, progress=False)
        sent = [*sent, *closers]
        peak = max(value for _, value in lags)
        caught_up_from = time.monotonic()
        wait_caught_up(cfg, job, timeout_s=900)
        drain_s = time.monotonic() - caught_up_from
        dropped = sum(job.late_records_dropped().values())
        job.stop_with_savepoint(tmp_path / "final-savepoint", drain=True)
    finally:
        feeder.stop()
        job.ensure_stopped()
    assert peak > 200, f"the lag never grew (peak {peak}): the endpoint was not the bottleneck"
    grew = [value for _, value in lags]
    assert grew[-1] > grew[len(grew) // 4], f"lag did not grow while input arrived: {lags}"
    assert dropped == 0, f"{dropped} rows dropped as late inside the job"
    closer = json.loads(closers[0].value)["txn_id"]  # its own row waits for a later watermark
    scored = assert_scores_exactly_once(cfg, sent, model, optional={closer})
    stats = endpoint.stats()
    most = stats["max_in_flight"]
    assert most <= 2, f"more calls in flight than the bound (1 x 2): {most}"
    report(
        f"scoring-slow-endpoint-idle-{idle_timeout_s}s", seconds=round(time.monotonic() - started),
        records_sent=len(sent), scores=scored, dropped_as_late=dropped, peak_input_lag=peak,
        drain_s=round(drain_s),
        endpoint_max_in_flight=stats["max_in_flight"], lag_samples=lags[:: max(1, len(lags) // 12)],
    )  # fmt: skip
