"""``tail_topic`` against a fake consumer: where it starts, the limit, the order, the idle stop and its
errors (the real broker: tests/integration/test_operations_cli.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, KafkaError

from flink_jobs.config import KafkaConfig, parse_config
from msk_features.operations import tail as tail_module
from msk_features.operations.tail import TailError, TailRecord, tail_topic


@dataclass
class FakeMessage:
    part: int
    off: int
    ts: int
    val: bytes | None = b"v"
    err: Any = None
    hdrs: list[tuple[str, bytes]] = field(default_factory=list)

    def error(self) -> Any:
        return self.err

    def partition(self) -> int:
        return self.part

    def offset(self) -> int:
        return self.off

    def timestamp(self) -> tuple[int, int]:
        return (1, self.ts)

    def key(self) -> bytes | None:
        return b"k"

    def value(self) -> bytes | None:
        return self.val

    def headers(self) -> list[tuple[str, bytes]]:
        return self.hdrs


class FakeConsumer:
    """Hands out ``batches`` one per ``consume`` call, then nothing; records what it was told."""

    def __init__(self, batches: list[list[FakeMessage]], partitions: int = 2, exists: bool = True):
        self.batches, self.partitions, self.exists = list(batches), partitions, exists
        self.conf: dict[str, Any] = {}
        self.assigned: list[Any] = []
        self.asked: list[int] = []
        self.closed = False

    def __call__(self, conf: dict[str, Any]) -> FakeConsumer:
        self.conf = conf
        return self

    def list_topics(self, topic: str, timeout: float) -> Any:
        meta = SimpleNamespace(partitions=dict.fromkeys(range(self.partitions)), error=None)
        return SimpleNamespace(topics={topic: meta} if self.exists else {})

    def assign(self, partitions: list[Any]) -> None:
        self.assigned = partitions

    def consume(self, n: int, timeout: float) -> list[FakeMessage]:
        self.asked.append(n)
        return self.batches.pop(0) if self.batches else []

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def kafka(monkeypatch: pytest.MonkeyPatch) -> KafkaConfig:
    monkeypatch.setattr(tail_module, "check_connection", lambda kafka: None)
    groups = [
        {
            "PropertyGroupId": "kinesis.analytics.flink.run.options",
            "PropertyMap": {"python": "main.py", "jarfile": "lib/pyflink-dependencies.jar"},
        },
        {"PropertyGroupId": "kafka", "PropertyMap": {"bootstrap.servers": "b:9092", "auth": "plaintext"}},
    ]
    return parse_config(groups).kafka


def eof() -> Any:
    return SimpleNamespace(code=lambda: KafkaError._PARTITION_EOF)


def test_reads_committed_records_from_the_beginning_oldest_first(kafka: KafkaConfig) -> None:
    consumer = FakeConsumer(
        [
            [FakeMessage(1, 7, 2_000, hdrs=[("h", b"x")]), FakeMessage(0, 3, 1_000, err=eof())],
            [FakeMessage(0, 3, 1_000)],
        ]
    )
    report = tail_topic(
        kafka, "t", from_beginning=True, limit=5, idle_timeout_s=0.2, consumer_factory=consumer
    )
    assert (
        consumer.conf["isolation.level"] == "read_committed" and consumer.conf["enable.auto.commit"] is False
    )
    assert [(tp.partition, tp.offset) for tp in consumer.assigned] == [
        (0, OFFSET_BEGINNING),
        (1, OFFSET_BEGINNING),
    ]
    assert report.records == [  # by timestamp; the end-of-partition event is not a record
        TailRecord(0, 3, 1_000, b"k", b"v", {}),
        TailRecord(1, 7, 2_000, b"k", b"v", {"h": b"x"}),
    ]
    assert (report.topic, report.bootstrap_servers) == ("t", "b:9092") and consumer.closed


def test_stops_at_the_limit_and_starts_at_the_end_by_default(kafka: KafkaConfig) -> None:
    consumer = FakeConsumer([[FakeMessage(0, i, i) for i in range(2)], [FakeMessage(0, 2, 2)]])
    report = tail_topic(kafka, "t", limit=3, idle_timeout_s=5, consumer_factory=consumer)
    assert [r.offset for r in report.records] == [0, 1, 2]
    assert consumer.asked == [3, 1]  # never more than the records still wanted
    assert {tp.offset for tp in consumer.assigned} == {OFFSET_END}


def test_a_missing_topic_or_a_read_error_is_a_tail_error(kafka: KafkaConfig) -> None:
    with pytest.raises(TailError, match="topic 'nope' does not exist on b:9092"):
        tail_topic(kafka, "nope", consumer_factory=FakeConsumer([], exists=False))
    broken = FakeConsumer([[FakeMessage(0, 0, 0, err=SimpleNamespace(code=lambda: -1))]])
    with pytest.raises(TailError, match="reading 't': "):
        tail_topic(kafka, "t", idle_timeout_s=1, consumer_factory=broken)
    assert broken.closed
