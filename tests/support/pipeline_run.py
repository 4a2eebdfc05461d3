"""Shared set-up for tests that run the job on the local stack: unique topics, send, run, read back."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from flink_jobs.config import AppConfig, TopicsConfig, to_property_groups
from flink_jobs.pipelines import get_pipeline, input_topics, output_topics, prefixed_topics
from msk_features.dev.generator.plan import GenerateSpec, PlannedRecord, build_plan
from msk_features.dev.generator.send import send
from msk_features.dev.stack.control import Endpoints
from msk_features.dev.stack.properties import local_app_config
from msk_features.kafka.auth import librdkafka_config
from msk_features.kafka.topic_setup import ensure_topics

FEATURE_SETS = get_pipeline("fraud").feature_set_names()


@dataclass(frozen=True)
class SentData:
    """Input topics of one test, and the exact records sent to them (with partition and offset)."""

    topics: TopicsConfig
    records: list[PlannedRecord]


def unique_topics(prefix: str, partitions: int = 3, name: str = "fraud") -> TopicsConfig:
    """Topic names of pipeline ``name`` that no other test uses (the broker is shared by the session)."""
    return prefixed_topics(prefix, name, partitions)


def send_records(
    endpoints: Endpoints, records: list[PlannedRecord], prefix: str, partitions: int = 3, name: str = "fraud"
) -> SentData:
    """Create ``prefix``-ed input topics of pipeline ``name`` and send ``records`` (their ``stream``
    is the source name; ``key``, ``value`` and ``headers`` are sent as they are)."""
    topics = unique_topics(prefix, partitions, name)
    ensure_topics(endpoints.kafka_plaintext_bootstrap, input_topics(topics, name))
    records = [replace(r, topic=topics.source_topic(r.stream)) for r in records]
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

    ``pipeline`` overrides fields of the ``pipeline`` property group (e.g. ``version``, or ``name``
    for another pipeline than the reference one).
    """
    name = str(pipeline.get("name", "fraud"))
    outputs = unique_topics(output_prefix, name=name)
    ensure_topics(endpoints.kafka_plaintext_bootstrap, output_topics(outputs, name))
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
        pipeline=name,
    )
    if pipeline:
        cfg = replace(cfg, pipeline=replace(cfg.pipeline, **pipeline))  # type: ignore[arg-type]
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "application_properties.json"
    path.write_text(json.dumps(to_property_groups(cfg), indent=2), encoding="utf-8")
    return cfg, path
