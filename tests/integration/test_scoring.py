"""Event-driven inference on the local stack: the reference pipeline with its scoring, calling a
local endpoint that speaks the SageMaker runtime protocol (no SageMaker can run here; the job's real
AWS SDK async client, SigV4 signing and retries do), bounded.

One run, with an endpoint that answers every 10th call with a ModelError (424, not retried) and
every 7th with a 503 (retried): every txn_features row gets exactly one outcome, a score or a dead
letter; the scores in the topic (read_committed) and in Parquet equal the model's own offline
predictions for the same feature vectors, encoded from the feature rows by the spec
(:func:`flink_jobs.features.encode_row`), bit for bit; the dead letters carry the reason, the
scoring, the endpoint and the input vector; the job finishes (no failure for a failing endpoint).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from flink_jobs.config import AppConfig, ScoringConfig, to_property_groups
from flink_jobs.features import encode_row
from flink_jobs.pipelines import fraud
from msk_features.dev.generator.plan import GenerateSpec
from msk_features.dev.model_endpoint.synthetic_model import ScoringModel, train_scoring_model
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import feature_rows_from_table, read_offline, read_topic
from msk_features.runner import run_job
from tests.support.fraud_check import parquet_rows
from tests.support.pipeline_run import job_config, send_inputs

pytestmark = pytest.mark.slow

SCORING = fraud.fraud_score
PARALLELISM = 2
SPEC = GenerateSpec(seed=16, transactions=600, clicks=500, profiles=60, users=30, merchants=15, labels=False)


def scoring_config(cfg: AppConfig, url: str, **limits: int) -> AppConfig:
    """``cfg`` with the scoring's endpoint at the local server ``url`` (dummy static keys: the server
    checks that requests are SigV4-signed, not the signature)."""
    return dataclasses.replace(
        cfg,
        scoring=ScoringConfig(
            endpoints={SCORING.name: "fraud-score"},
            endpoint_override=url,
            region="eu-west-1",
            access_key="AKIDLOCAL",
            secret_key="local-secret",
            **limits,
        ),
    )


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> ScoringModel:
    return train_scoring_model(SCORING, tmp_path_factory.mktemp("scoring-model"))


def test_scores_equal_the_models_offline_predictions_and_failures_are_dead_letters(
    local_stack, built_package: Path, tmp_path: Path, model: ScoringModel, start_model_endpoint
) -> None:
    endpoint = start_model_endpoint(
        "--fail", "model@every:10", "--fail", "unavailable@every:7", models=[f"fraud-score={model.artifact}"]
    )
    sent = send_inputs(local_stack, SPEC, "score-")
    cfg, properties = job_config(local_stack, sent.topics, "score-out-", tmp_path, parallelism=PARALLELISM)
    cfg = scoring_config(cfg, endpoint.url, max_in_flight=8, attempt_timeout_ms=5_000, backoff_ms=20)
    properties.write_text(json.dumps(to_property_groups(cfg), indent=2), encoding="utf-8")
    run_job(properties, timeout_s=900)

    features = {row["txn_id"]: row for row in parquet_rows(cfg, "txn_features")}
    assert len(features) > 400

    kafka = librdkafka_config(cfg.kafka)
    score_records = read_topic(kafka, cfg.topics.scores_topic(SCORING.name))
    scores = [json.loads(r.value) for r in score_records]
    dead = [
        r
        for r in read_topic(kafka, cfg.topics.dead_letter)
        if r.headers.get("dlq.scoring") == SCORING.name.encode()
    ]
    scored_ids = [s["txn_id"] for s in scores]
    dead_ids = [json.loads(r.value)["txn_id"] for r in dead]

    # Exactly one outcome per feature row: nothing lost, nothing twice.
    assert len(set(scored_ids)) == len(scored_ids), "a transaction scored twice"
    assert sorted(scored_ids + dead_ids) == sorted(features), "scores + dead letters != feature rows"
    assert dead, "every 10th call failed: there must be dead letters"

    # Parity: the topic's score of each transaction is the model's own prediction for its vector.
    ids = sorted(scored_ids)
    expected = dict(zip(ids, model.scores([features[i] for i in ids]), strict=True))
    mismatched = {
        s["txn_id"]: (s["fraud_score"], expected[s["txn_id"]])
        for s in scores
        if s["fraud_score"] != expected[s["txn_id"]]
    }
    assert not mismatched, f"{len(mismatched)} scores differ from the model's: {list(mismatched.items())[:5]}"
    for record, row in zip(score_records, scores, strict=True):
        assert record.key == row["user_id"].encode()
        feature = features[row["txn_id"]]
        assert (row["user_id"], row["event_time"]) == (feature["user_id"], feature["event_time"])
        assert row["pipeline_version"] == cfg.pipeline.version

    # The dataset holds the same scores.
    assert cfg.offline is not None
    offline = feature_rows_from_table(read_offline(cfg.offline, f"scores/{SCORING.name}"))
    assert sorted((r["txn_id"], r["fraud_score"]) for r in offline) == sorted(expected.items())

    # Dead letters: the reason, where from, and the input vector as the model would have seen it.
    # A ModelError ends a row's call (not retried); a 503 is retried, so a row may meet a ModelError
    # on its second or third attempt, or (rarely) 503s on all three.
    reasons = Counter(r.headers["dlq.reason"].decode().split(": ", 2)[1] for r in dead)
    allowed = re.compile(
        r"ModelError \(HTTP 424\) after [123] attempts?|ServiceUnavailable \(HTTP 503\) after 3 attempts"
    )
    assert all(allowed.fullmatch(reason) for reason in reasons), reasons
    assert reasons["ModelError (HTTP 424) after 1 attempt"] > 0, reasons
    for record in dead:
        headers = {k: v.decode() for k, v in record.headers.items()}
        assert headers["dlq.reason"].startswith("endpoint fraud-score: "), headers
        assert headers["dlq.endpoint"] == "fraud-score"
        value = json.loads(record.value)
        feature = features[value["txn_id"]]
        assert record.key == feature["user_id"].encode()
        assert [value[i.column] for i in SCORING.inputs] == encode_row(SCORING, feature)

    # The endpoint saw the 503s retried (more calls than rows), and never more calls at once than
    # the job's bound: 8 per parallel instance of ML_PREDICT.
    stats = endpoint.stats()
    assert stats["endpoints"]["fraud-score"]["calls"] > len(features)
    assert 1 <= stats["max_in_flight"] <= 8 * PARALLELISM
