"""Shared set-up for tests that run the job on the local stack: unique topics, send, run, read back."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from flink_jobs.config import AppConfig, TopicsConfig, to_property_groups
from flink_jobs.pipelines import get_pipeline
from msk_features.generator.plan import GenerateSpec, PlannedRecord, build_plan
from msk_features.generator.send import send
from msk_features.kafka_clients import librdkafka_config
from msk_features.kafka_topics import ensure_topics
from msk_features.local_properties import local_app_config
from msk_features.localstack.stack import Endpoints

FEATURE_SETS = get_pipeline("fraud").feature_set_names()


@dataclass(frozen=True)
class SentData:
    """Input topics of one test, and the exact records sent to them (with partition and offset)."""

    topics: TopicsConfig
    records: list[PlannedRecord]


def unique_topics(prefix: str, partitions: int = 3) -> TopicsConfig:
    """Topic names no other test uses (the broker is shared by the session)."""
    return TopicsConfig(
        transactions=f"{prefix}transactions",
        clicks=f"{prefix}clicks",
        profiles=f"{prefix}profiles",
        dead_letter=f"{prefix}dead-letter",
        late_events=f"{prefix}late-events",
        partitions=partitions,
        feature_topics={name: f"{prefix}features-{name}" for name in FEATURE_SETS},
    )


def send_records(
    endpoints: Endpoints, records: list[PlannedRecord], prefix: str, partitions: int = 3
) -> SentData:
    """Create ``prefix``-ed input topics and send ``records`` (their ``topic`` is the stream name)."""
    topics = unique_topics(prefix, partitions)
    input_names = {topics.transactions, topics.clicks, topics.profiles}
    ensure_topics(endpoints.kafka_plaintext_bootstrap, [s for s in topics.specs() if s.name in input_names])
    names = {"transactions": topics.transactions, "clicks": topics.clicks, "profiles": topics.profiles}
    records = [replace(r, topic=names[r.stream]) for r in records]
    send(records, librdkafka_config(endpoints.kafka_config("plaintext")), progress=False)
    return SentData(topics, records)


def send_inputs(endpoints: Endpoints, spec: GenerateSpec, prefix: str, partitions: int = 3) -> SentData:
    """Create ``prefix``-ed topics and send ``spec``'s records to them."""
    return send_records(endpoints, build_plan(spec), prefix, partitions)


def job_config(
    endpoints: Endpoints,
    inputs: TopicsConfig,
    output_prefix: str,
    tmp: Path,
    auth: str = "plaintext",
    **pipeline: object,
) -> tuple[AppConfig, Path]:
    """A config reading ``inputs`` and writing to ``output_prefix``-ed outputs; its properties file.

    ``pipeline`` overrides fields of the ``pipeline`` property group (e.g. ``version``).
    """
    outputs = unique_topics(output_prefix)
    input_names = {outputs.transactions, outputs.clicks, outputs.profiles}
    ensure_topics(
        endpoints.kafka_plaintext_bootstrap,
        [s for s in outputs.specs(FEATURE_SETS) if s.name not in input_names],
    )
    topics = replace(
        inputs,
        dead_letter=outputs.dead_letter,
        late_events=outputs.late_events,
        feature_topics=outputs.feature_topics,
    )
    run_id = f"{output_prefix}{uuid.uuid4().hex[:8]}"
    cfg = local_app_config(
        endpoints,
        auth=auth,
        topics=topics,
        prefix=f"{output_prefix}offline",  # type: ignore[arg-type]
        transactional_id_prefix=run_id,
        consumer_group=run_id,
    )
    if pipeline:
        cfg = replace(cfg, pipeline=replace(cfg.pipeline, **pipeline))  # type: ignore[arg-type]
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "application_properties.json"
    path.write_text(json.dumps(to_property_groups(cfg), indent=2), encoding="utf-8")
    return cfg, path
