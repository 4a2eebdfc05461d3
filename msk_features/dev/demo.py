"""The reference pipeline end to end on the local stack: generate, run bounded, summarise the outputs.

Steps: start (or reuse) the local stack; reset the pipeline's topics and offline prefix so the run is
repeatable; produce seeded events (with invalid, out-of-order and late records, and the labels that
arrive later) to single-partition input topics, so which records are late is exact; run the fraud
pipeline in bounded mode; read every output back (topics with ``read_committed``, Parquet through
the S3 API) and check what can be checked from the generator's own records: dead letters = invalid
records sent, late events = late records sent, archived events = the rest.

Then the model: train the scoring's model on that offline data (:func:`train_model`), serve it on
the local endpoint, and run the pipeline again with its scoring over a second, later batch of
events (topics and offline prefix of their own): every transaction gets its score, and the scores
served equal the model's offline predictions (:func:`scoring_outcome`).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient

from flink_jobs.config import AppConfig
from flink_jobs.features import Scoring
from flink_jobs.pipelines import get_pipeline, pipeline_topics
from msk_features.dev.generator.plan import GenerateSpec, PlannedRecord, build_plan
from msk_features.dev.generator.send import send
from msk_features.kafka.auth import librdkafka_config
from msk_features.operations.outputs import (
    feature_rows_from_table,
    read_offline,
    read_topic,
)

__all__ = [
    "TrainedModel",
    "expected_counts",
    "generate_and_send",
    "reset_pipeline_data",
    "scoring_outcome",
    "train_model",
]


def expected_counts(records: list[PlannedRecord]) -> dict[str, int]:
    """From the generator's labels: invalid records, late records, and on-time valid events per input."""
    counts = Counter(r.kind for r in records)
    expected = {"dead-letter": counts["invalid"], "late-events": counts["late"]}
    for stream in sorted({r.stream for r in records}):
        expected[f"events/{stream}"] = sum(
            1 for r in records if r.stream == stream and r.kind in ("valid", "out_of_order")
        )
    return expected


def reset_pipeline_data(cfg: AppConfig, s3_client: Any, timeout_s: float = 30.0) -> None:
    """Delete the pipeline's topics (re-create them with ``up``) and its offline objects."""
    admin = AdminClient(librdkafka_config(cfg.kafka))
    existing = set(admin.list_topics(timeout=10).topics)
    names = [spec.name for spec in pipeline_topics(cfg.topics, cfg.pipeline.name) if spec.name in existing]
    if names:
        for future in admin.delete_topics(names, operation_timeout=timeout_s).values():
            future.result()
        deadline = time.monotonic() + timeout_s
        while set(names) & set(admin.list_topics(timeout=10).topics):
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics {names} were not deleted within {timeout_s:.0f} s")
            time.sleep(0.2)
    if cfg.offline is not None and cfg.offline.path.startswith("s3a://"):
        bucket, _, prefix = cfg.offline.path.removeprefix("s3a://").partition("/")
        paginator = s3_client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                s3_client.delete_objects(Bucket=bucket, Delete={"Objects": keys})


def generate_and_send(cfg: AppConfig, spec: GenerateSpec, progress: bool = True) -> list[PlannedRecord]:
    """Build the plan for ``spec`` and send it to ``cfg``'s cluster; return the records as sent."""
    records = build_plan(spec)
    send(records, librdkafka_config(cfg.kafka), progress=progress)
    return records


@dataclass(frozen=True)
class TrainedModel:
    """The model the demo trained: its artifact and the training report (``model.json``)."""

    artifact: Path
    description: dict[str, Any]


def train_model(cfg: AppConfig, out_dir: Path, scoring: Scoring) -> TrainedModel:
    """Train ``scoring``'s model on ``cfg``'s offline data (the labels archive and the scored feature
    set's dataset, point in time, :mod:`msk_features.offline.train`); write the artifact to ``out_dir``."""
    from msk_features.offline.train import train as train_booster
    from msk_features.offline.train import training_rows, write_artifact

    assert cfg.offline is not None
    spec = get_pipeline(cfg.pipeline.name)
    labels = read_offline(cfg.offline, "events/labels")
    features = read_offline(cfg.offline, f"features/{scoring.features.name}")
    rows = training_rows(spec, scoring, labels, features, positive="fraud")
    result = train_booster(rows, scoring, spec.name)
    description = write_artifact(result, out_dir)
    return TrainedModel(out_dir / "model.tar.gz", description)


def scoring_outcome(
    cfg: AppConfig, scoring: Scoring, artifact: Path, timeout_s: float = 60.0
) -> dict[str, Any]:
    """What the scoring run served: scores in the topic, the scoring's dead letters, and the parity
    of the scores dataset with the model's offline predictions (:mod:`msk_features.offline.score_parity`),
    with the served scores' AUC against the labels that arrived later."""
    from msk_features.offline.score_parity import compare_scores

    assert cfg.offline is not None
    client = librdkafka_config(cfg.kafka)
    topic = read_topic(client, cfg.topics.scores_topic(scoring.name), timeout_s=timeout_s)
    dead = [
        r
        for r in read_topic(client, cfg.topics.dead_letter, timeout_s=timeout_s)
        if r.headers.get("dlq.scoring") == scoring.name.encode()
    ]
    id_column = scoring.columns[0]
    features = feature_rows_from_table(read_offline(cfg.offline, f"features/{scoring.features.name}"))
    scores = feature_rows_from_table(read_offline(cfg.offline, f"scores/{scoring.name}"))
    label_rows = feature_rows_from_table(read_offline(cfg.offline, "events/labels"))
    labels = {row[id_column]: row["label"] == "fraud" for row in label_rows}
    parity = compare_scores(scoring, artifact, features, scores, id_column, labels)
    return {
        "topic": cfg.topics.scores_topic(scoring.name),
        "topic_records": len(topic),
        "dead_letters": len(dead),
        "parity": parity,
    }
