"""The last (or first) records of a topic, as a ``read_committed`` consumer sees them.

Records of open or aborted transactions are never returned (the isolation level every consumer of
an exactly-once topic needs). The consumer joins no group: it reads every partition under a group
id of its own and commits nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, TopicPartition

from flink_jobs.config import KafkaConfig
from msk_features.kafka.auth import librdkafka_config, record_headers
from msk_features.kafka.preflight import check_connection

__all__ = ["TailError", "TailRecord", "TailReport", "tail_topic"]


class TailError(RuntimeError):
    """The topic cannot be read (it does not exist, or the broker reports an error)."""


@dataclass(frozen=True)
class TailRecord:
    """One record: where it is, its timestamp (epoch milliseconds), key, value and headers as bytes."""

    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


@dataclass(frozen=True)
class TailReport:
    """The records read from ``topic``, oldest first (by timestamp, then partition and offset)."""

    topic: str
    bootstrap_servers: str
    records: list[TailRecord]


def tail_topic(
    kafka: KafkaConfig,
    topic: str,
    from_beginning: bool = False,
    limit: int = 20,
    idle_timeout_s: float = 5.0,
    consumer_factory: Callable[[dict[str, Any]], Any] = Consumer,
) -> TailReport:
    """Read up to ``limit`` committed records of ``topic`` over ``kafka``'s settings.

    From the oldest record with ``from_beginning``, else from the end (waiting for new records).
    Stops after ``limit`` records, or when none has arrived for ``idle_timeout_s`` seconds. Raises
    :class:`TailError` when the topic does not exist or a read fails, and the broker check's own
    errors (:func:`msk_features.kafka.preflight.check_connection`) when the cluster cannot be
    reached. ``consumer_factory`` builds the consumer from its librdkafka settings (tests pass a fake).
    """
    check_connection(kafka)
    consumer = consumer_factory(
        librdkafka_config(
            kafka,
            **{
                "group.id": f"msk-features-tail-{uuid.uuid4()}",
                "enable.auto.commit": False,
                "isolation.level": "read_committed",
                "log_level": 3,
            },
        )
    )
    records: list[TailRecord] = []
    try:
        metadata = consumer.list_topics(topic, timeout=10).topics.get(topic)
        if metadata is None or metadata.error is not None:
            raise TailError(f"topic '{topic}' does not exist on {kafka.bootstrap_servers}")
        start = OFFSET_BEGINNING if from_beginning else OFFSET_END
        consumer.assign([TopicPartition(topic, p, start) for p in sorted(metadata.partitions)])
        last = time.monotonic()
        while len(records) < limit and time.monotonic() - last < idle_timeout_s:
            for message in consumer.consume(min(500, limit - len(records)), timeout=0.5):
                error = message.error()
                if error is not None:
                    if error.code() == KafkaError._PARTITION_EOF:
                        continue
                    raise TailError(f"reading '{topic}': {error}")
                records.append(_record(message))
                last = time.monotonic()
    finally:
        consumer.close()
    records.sort(key=lambda r: (r.timestamp_ms, r.partition, r.offset))
    return TailReport(topic, kafka.bootstrap_servers, records[:limit])


def _record(message: Any) -> TailRecord:
    return TailRecord(
        partition=message.partition(),
        offset=message.offset(),
        timestamp_ms=message.timestamp()[1],
        key=message.key(),
        value=message.value(),
        headers=record_headers(message),
    )
