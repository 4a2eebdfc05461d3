"""Create or verify the pipeline's topics through the Kafka admin API (neither MSK nor the local
broker auto-creates topics). Used by ``msk-features local up`` and ``msk-features topics apply``;
results are returned, and each caller reports them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

from flink_jobs.topics import TopicSpec

__all__ = ["TopicError", "TopicResult", "describe_topics", "ensure_topics"]

log = logging.getLogger(__name__)


class TopicError(RuntimeError):
    """A topic cannot be created; the message names the topic and the broker's reason."""


TopicOutcome = Literal["created", "exists", "mismatch", "missing"]


@dataclass(frozen=True)
class TopicResult:
    """What :func:`ensure_topics` did with one topic.

    ``outcome`` is ``created``, ``exists`` (as specified), ``mismatch`` (it existed already with a
    different partition count, cleanup policy or retention; it is left as it is and ``detail`` says
    how) or ``missing`` (a dry run: it would be created).
    """

    name: str
    outcome: TopicOutcome
    partitions: int
    compacted: bool
    detail: str = ""
    retention_ms: int | None = None


Client = str | dict[str, Any]
"""A plaintext bootstrap string, or a full librdkafka configuration (any auth mode)."""


def _admin(client: Client) -> AdminClient:
    # log_level 4: warnings and errors only (librdkafka's INFO notes about purged queues are noise here)
    if isinstance(client, str):
        return AdminClient({"bootstrap.servers": client, "security.protocol": "PLAINTEXT", "log_level": 4})
    return AdminClient({"log_level": 4, **client})


def describe_topics(
    client: Client, names: Sequence[str], timeout_s: float = 15.0
) -> dict[str, tuple[int, bool, int | None]]:
    """``{name: (partition count, compacted, retention.ms)}`` for the topics among ``names`` that exist."""
    admin = _admin(client)
    metadata = admin.list_topics(timeout=timeout_s)
    present = [name for name in names if name in metadata.topics and metadata.topics[name].error is None]
    if not present:
        return {}
    resources = [ConfigResource(ConfigResource.Type.TOPIC, name) for name in present]
    result: dict[str, tuple[int, bool, int | None]] = {}
    for resource, future in admin.describe_configs(resources, request_timeout=timeout_s).items():
        configs = future.result(timeout=timeout_s)
        policy = configs["cleanup.policy"].value if "cleanup.policy" in configs else "delete"
        retention = configs["retention.ms"].value if "retention.ms" in configs else None
        result[resource.name] = (
            len(metadata.topics[resource.name].partitions),
            "compact" in (policy or ""),
            int(retention) if retention is not None else None,
        )
    return result


def ensure_topics(
    client: Client,
    specs: Sequence[TopicSpec],
    timeout_s: float = 30.0,
    replication_factor: int = 1,
    create: bool = True,
) -> list[TopicResult]:
    """Create each topic of ``specs`` that does not exist (``replication_factor`` -1: the broker's
    ``default.replication.factor``); with ``create=False`` only report what would be created.

    ``cleanup.policy=compact`` is set for compacted specs, ``retention.ms`` for the other specs
    that have one. Existing topics are never altered: a partition count, cleanup policy or
    ``retention.ms`` that differs from the spec is reported as ``mismatch``. Raises
    :class:`TopicError` if a topic cannot be created.
    """
    existing = describe_topics(client, [spec.name for spec in specs], timeout_s=timeout_s)
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
            NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=replication_factor,
                config=config,
            )
        )
    if to_create and not create:
        for topic in to_create:
            spec = next(s for s in specs if s.name == topic.topic)
            results[spec.name] = TopicResult(
                spec.name, "missing", spec.partitions, spec.compacted, "would be created", spec.retention_ms
            )
        to_create = []
    if to_create:
        admin = _admin(client)
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
                    results[name] = _compare(spec, *describe_topics(client, [name], timeout_s)[name])
                    continue
                raise TopicError(f"cannot create topic '{name}': {exc}") from exc
            log.info(
                "created topic %s (%d partitions%s)",
                name,
                spec.partitions,
                ", compacted" if spec.compacted else "",
            )
            results[name] = TopicResult(
                name, "created", spec.partitions, spec.compacted, "", spec.retention_ms
            )
    return [results[spec.name] for spec in specs]


def _compare(
    spec: TopicSpec, partitions: int, compacted: bool, retention_ms: int | None = None
) -> TopicResult:
    problems: list[str] = []
    if partitions != spec.partitions:
        problems.append(f"has {partitions} partitions, the spec says {spec.partitions}")
    if compacted != spec.compacted:
        problems.append(
            "is compacted, the spec says not compacted"
            if compacted
            else "is not compacted, the spec says compacted"
        )
    if spec.retention_ms is not None and not spec.compacted and retention_ms != spec.retention_ms:
        problems.append(f"keeps records for retention.ms={retention_ms}, the spec says {spec.retention_ms}")
    if problems:
        detail = "; ".join(problems) + " (left unchanged)"
        log.info("topic %s %s", spec.name, detail)
        return TopicResult(spec.name, "mismatch", partitions, compacted, detail, retention_ms)
    return TopicResult(spec.name, "exists", partitions, compacted, "", retention_ms)
