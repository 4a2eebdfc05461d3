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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient

from flink_jobs.config import AppConfig
from flink_jobs.features import Scoring
from flink_jobs.pipelines import get_pipeline, pipeline_topics
from msk_features.generator.plan import GenerateSpec, PlannedRecord, build_plan
from msk_features.generator.send import send
from msk_features.kafka_clients import librdkafka_config
from msk_features.outputs import (
    feature_rows_from_table,
    feature_rows_from_topic,
    list_offline_files,
    read_offline,
    read_topic,
)

__all__ = [
    "DatasetSummary",
    "OutputSummary",
    "TrainedModel",
    "expected_counts",
    "generate_and_send",
    "reset_pipeline_data",
    "scoring_outcome",
    "summarise_outputs",
    "train_model",
]


@dataclass(frozen=True)
class DatasetSummary:
    """One Parquet dataset: finished files, rows, partitions and ``_SUCCESS`` markers."""

    name: str
    files: int
    rows: int
    partitions: int
    success_markers: int


@dataclass
class OutputSummary:
    """What the pipeline wrote, as read back."""

    topics: dict[str, int] = field(default_factory=dict)  # output topic label -> records
    dead_letters_by_reason: dict[str, int] = field(default_factory=dict)
    late_by_source: dict[str, int] = field(default_factory=dict)
    datasets: list[DatasetSummary] = field(default_factory=list)
    sample: list[dict[str, Any]] = field(default_factory=list)  # a few txn_features rows


def expected_counts(records: list[PlannedRecord]) -> dict[str, int]:
    """From the generator's labels: invalid records, late records, and on-time valid events per input."""
    counts = Counter(r.kind for r in records)
    expected = {"dead-letter": counts["invalid"], "late-events": counts["late"]}
    for stream in sorted({r.stream for r in records}):
        expected[f"events/{stream}"] = sum(
            1 for r in records if r.stream == stream and r.kind in ("valid", "out_of_order")
        )
    return expected


def _dataset(cfg: AppConfig, name: str) -> DatasetSummary:
    assert cfg.offline is not None
    listing = list_offline_files(cfg.offline, name)
    names = [p.rsplit("/", 1)[-1] for p in listing]
    return DatasetSummary(
        name=name,
        files=sum(1 for n in names if not n.startswith((".", "_"))),
        rows=read_offline(cfg.offline, name).num_rows,
        partitions=len({p.rsplit("/", 1)[0] for p in listing}),
        success_markers=sum(1 for n in names if n == "_SUCCESS"),
    )


def summarise_outputs(cfg: AppConfig, timeout_s: float = 60.0, sample_size: int = 3) -> OutputSummary:
    """Read back every output of ``cfg``'s pipeline."""
    client = librdkafka_config(cfg.kafka)
    spec = get_pipeline(cfg.pipeline.name)
    summary = OutputSummary()
    dead = read_topic(client, cfg.topics.dead_letter, timeout_s=timeout_s)
    late = read_topic(client, cfg.topics.late_events, timeout_s=timeout_s)
    summary.topics[f"dead-letter ({cfg.topics.dead_letter})"] = len(dead)
    summary.topics[f"late-events ({cfg.topics.late_events})"] = len(late)
    summary.dead_letters_by_reason = dict(
        Counter((r.headers.get("dlq.reason") or b"?").decode().split(":", 1)[0] for r in dead)
    )
    summary.late_by_source = dict(Counter((r.headers.get("late.topic") or b"?").decode() for r in late))
    for name in spec.feature_set_names():
        records = read_topic(client, cfg.topics.feature_topic(name), timeout_s=timeout_s)
        summary.topics[f"{name} ({cfg.topics.feature_topic(name)})"] = len(records)
        if name == "txn_features":
            # Show rows with the most columns filled (clicks and a profile known), in topic order.
            rows = feature_rows_from_topic(records)
            rows.sort(key=lambda row: -sum(value is not None for value in row.values()))
            summary.sample = rows[:sample_size]
    if cfg.offline is not None:
        names = [f"features/{n}" for n in spec.feature_set_names()]
        names += [f"events/{s.name}" for s in spec.sources if s.archive]
        summary.datasets = [_dataset(cfg, name) for name in names]
    return summary


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
    set's dataset, point in time, :mod:`msk_features.train`); write the artifact to ``out_dir``."""
    from msk_features.train import train as train_booster
    from msk_features.train import training_rows, write_artifact

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
    of the scores dataset with the model's offline predictions (:mod:`msk_features.score_parity`),
    with the served scores' AUC against the labels that arrived later."""
    from msk_features.score_parity import compare_scores

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
