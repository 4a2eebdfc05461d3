"""Create the pipeline's topics explicitly (the broker, like MSK, does not auto-create topics)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from flink_jobs.config import TopicSpec
from msk_features.localstack import LocalStackError

__all__ = ["TopicResult", "describe_topics", "ensure_topics"]

log = logging.getLogger(__name__)

TopicOutcome = Literal["created", "exists", "mismatch"]


@dataclass(frozen=True)
class TopicResult:
    """What :func:`ensure_topics` did with one topic.

    ``outcome`` is ``created``, ``exists`` (as specified) or ``mismatch`` (it existed already with a
    different partition count or cleanup policy; it is left as it is and ``detail`` says how).
    """

    name: str
    outcome: TopicOutcome
    partitions: int
    compacted: bool
    detail: str = ""


def _admin(bootstrap: str) -> AdminClient:
    # log_level 4: warnings and errors only (librdkafka's INFO notes about purged queues are noise here)
    return AdminClient({"bootstrap.servers": bootstrap, "security.protocol": "PLAINTEXT", "log_level": 4})


def describe_topics(
    bootstrap: str, names: Sequence[str], timeout_s: float = 15.0
) -> dict[str, tuple[int, bool]]:
    """``{name: (partition count, compacted)}`` for the topics among ``names`` that exist."""
    admin = _admin(bootstrap)
    metadata = admin.list_topics(timeout=timeout_s)
    present = [name for name in names if name in metadata.topics and metadata.topics[name].error is None]
    if not present:
        return {}
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in present]
    result: dict[str, tuple[int, bool]] = {}
    for resource, future in admin.describe_configs(resources, request_timeout=timeout_s).items():
        configs = future.result(timeout=timeout_s)
        policy = configs["cleanup.policy"].value if "cleanup.policy" in configs else "delete"
        result[resource.name] = (len(metadata.topics[resource.name].partitions), "compact" in (policy or ""))
    return result


def ensure_topics(bootstrap: str, specs: Sequence[TopicSpec], timeout_s: float = 30.0) -> list[TopicResult]:
    """Create each topic of ``specs`` that does not exist (replication factor 1).

    ``cleanup.policy=compact`` is set for compacted specs, ``retention.ms`` for the other specs
    that have one. Existing topics are never altered; a
    partition count or cleanup policy that differs from the spec is reported as ``mismatch`` (and
    logged as a warning). Raises :class:`LocalStackError` if a topic cannot be created.
    """
    existing = describe_topics(bootstrap, [spec.name for spec in specs], timeout_s=timeout_s)
    results: dict[str, TopicResult] = {}
    to_create: list[NewTopic] = []
    for spec in specs:
        if spec.name in existing:
            results[spec.name] = _compare(spec, *existing[spec.name])
            continue
        config = {"cleanup.policy": "compact"} if spec.compacted else {}
        if spec.retention_ms is not None and not spec.compacted:
            config["retention.ms"] = str(spec.retention_ms)
        to_create.append(
            NewTopic(spec.name, num_partitions=spec.partitions, replication_factor=1, config=config)
        )
    if to_create:
        admin = _admin(bootstrap)
        futures = admin.create_topics(to_create, operation_timeout=timeout_s, request_timeout=timeout_s)
        by_name = {spec.name: spec for spec in specs}
        for name, future in futures.items():
            spec = by_name[name]
            try:
                future.result(timeout=timeout_s)
            except KafkaException as exc:
                error = exc.args[0] if exc.args else None
                if isinstance(error, KafkaError) and error.code() == KafkaError.TOPIC_ALREADY_EXISTS:
                    # Created concurrently (e.g. a second `up`): compare like any existing topic.
                    partitions, compacted = describe_topics(bootstrap, [name], timeout_s)[name]
                    results[name] = _compare(spec, partitions, compacted)
                    continue
                raise LocalStackError(f"cannot create topic '{name}': {exc}") from exc
            log.info(
                "created topic %s (%d partitions%s)",
                name,
                spec.partitions,
                ", compacted" if spec.compacted else "",
            )
            results[name] = TopicResult(name, "created", spec.partitions, spec.compacted)
    return [results[spec.name] for spec in specs]


def _compare(spec: TopicSpec, partitions: int, compacted: bool) -> TopicResult:
    problems: list[str] = []
    if partitions != spec.partitions:
        problems.append(f"has {partitions} partitions, the spec says {spec.partitions}")
    if compacted != spec.compacted:
        problems.append(
            "is compacted, the spec says not compacted"
            if compacted
            else "is not compacted, the spec says compacted"
        )
    if problems:
        detail = "; ".join(problems) + " (left unchanged)"
        log.warning("topic %s %s", spec.name, detail)
        return TopicResult(spec.name, "mismatch", partitions, compacted, detail)
    return TopicResult(spec.name, "exists", partitions, compacted)
