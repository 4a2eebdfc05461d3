"""Consumer lag of a consumer group, per partition, as MSK's CloudWatch metrics describe it.

For each partition: the log end offset (as a ``read_committed`` reader sees it), the group's
committed offset, the offset lag (end - committed; end - log start when nothing is committed) and
an estimated time lag: now minus the timestamp of the first record the group has not consumed yet
(0 when the group is caught up), the same idea as MSK's ``EstimatedMaxTimeLag``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, TopicPartition
from confluent_kafka.admin import AdminClient

__all__ = ["PartitionLag", "consumer_lag"]


@dataclass(frozen=True)
class PartitionLag:
    """Lag of one partition; ``committed`` is None when the group has committed nothing there."""

    topic: str
    partition: int
    end_offset: int
    committed: int | None
    lag: int
    time_lag_s: float | None


def _group_topics(client_conf: dict[str, Any], group: str, timeout_s: float) -> list[str]:
    from confluent_kafka import ConsumerGroupTopicPartitions

    admin = AdminClient(client_conf)
    futures = admin.list_consumer_group_offsets(
        [ConsumerGroupTopicPartitions(group)], request_timeout=timeout_s
    )
    result = futures[group].result(timeout=timeout_s)
    return sorted({tp.topic for tp in result.topic_partitions or [] if tp.offset >= 0})


def consumer_lag(
    client_conf: dict[str, Any], group: str, topics: Sequence[str] = (), timeout_s: float = 15.0
) -> list[PartitionLag]:
    """Lag of ``group`` on ``topics`` (default: every topic the group has committed offsets for)."""
    names = list(topics) or _group_topics(client_conf, group, timeout_s)
    reader = Consumer(
        {
            **client_conf,
            "group.id": group,  # committed() reads this group's offsets; the reader never joins it
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
        }
    )
    probe = Consumer(
        {**client_conf, "group.id": f"msk-features-lag-{uuid.uuid4()}", "enable.auto.commit": False}
    )
    try:
        partitions: list[TopicPartition] = []
        for name in names:
            metadata = reader.list_topics(name, timeout=timeout_s).topics.get(name)
            if metadata is None or metadata.error is not None:
                raise KeyError(f"topic '{name}' does not exist")
            partitions += [TopicPartition(name, p) for p in sorted(metadata.partitions)]
        committed = {
            (tp.topic, tp.partition): tp.offset for tp in reader.committed(partitions, timeout=timeout_s)
        }
        now_ms = time.time() * 1000
        lags = []
        for tp in partitions:
            low, high = reader.get_watermark_offsets(tp, timeout=timeout_s)
            offset = committed[(tp.topic, tp.partition)]
            done = offset if offset >= 0 else None
            lag = max(0, high - (done if done is not None else low))
            time_lag = 0.0 if lag == 0 else _time_lag(probe, tp, done if done is not None else low, now_ms)
            lags.append(PartitionLag(tp.topic, tp.partition, high, done, lag, time_lag))
        return lags
    finally:
        reader.close()
        probe.close()


def _time_lag(probe: Consumer, tp: TopicPartition, offset: int, now_ms: float) -> float | None:
    """Seconds since the timestamp of the record at ``offset`` (None if it cannot be read in time)."""
    probe.assign([TopicPartition(tp.topic, tp.partition, offset)])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        message = probe.poll(0.5)
        if message is None:
            continue
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                continue
            return None
        return max(0.0, (now_ms - message.timestamp()[1]) / 1000)
    return None
