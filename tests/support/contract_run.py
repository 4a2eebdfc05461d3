"""Run records through the job's own input path: a real Kafka topic, the Kafka source with the
``contract-json`` format (the uber-jar) and the checked view, on a Flink mini-cluster.

:func:`checked_rows` sends ``(key, value, kafka timestamp)`` records to a fresh single-partition
topic of the local stack and returns, per record in order, the checked view's row as a dict
(``kafka_key``, ``raw_value``, ``rowtime``, the typed fields, ``dlq_reason``). The topic keeps its
records forever (``retention.ms=-1``), so fixed Kafka timestamps from any date stay readable.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from confluent_kafka import Producer
from pyflink.table import EnvironmentSettings, TableEnvironment

from flink_jobs.features.compiler.contract_sql import checked_view_sql, valid_columns
from flink_jobs.features.compiler.inputs import contract_source_ddl
from flink_jobs.features.contracts import InputSchema
from flink_jobs.runtime.environment import PLANNER_OPTIONS
from flink_jobs.topics import TopicSpec
from msk_features.dev.stack.control import Endpoints
from msk_features.kafka.auth import librdkafka_config
from msk_features.kafka.topic_setup import ensure_topics

__all__ = ["Record", "checked_rows", "contract_table_env"]

REPO = Path(__file__).resolve().parents[2]
JAR = REPO / "target" / "lib" / "pyflink-dependencies.jar"
Record = tuple[bytes | None, bytes | None, datetime | int | None]
"""Kafka key, value and timestamp (a datetime, epoch milliseconds, or None for the send time)."""


def contract_table_env() -> TableEnvironment:
    """A streaming TableEnvironment with the uber-jar, UTC and the job's planner options."""
    assert JAR.is_file(), f"{JAR} is missing: run `make package`"
    env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    config = env.get_config()
    config.set("table.local-time-zone", "UTC")
    config.set("parallelism.default", "1")
    config.set("pipeline.jars", JAR.as_uri())
    for key, value in PLANNER_OPTIONS.items():
        config.set(key, value)
    return env


def _millis(stamp: datetime | int | None) -> int | None:
    if stamp is None or isinstance(stamp, int):
        return stamp
    return int(stamp.timestamp() * 1000)


def checked_rows(
    endpoints: Endpoints,
    table_env: TableEnvironment,
    schema: InputSchema,
    records: Sequence[Record],
    max_message_bytes: int = 1_048_588,
    text_columns: tuple[str, ...] = (),
) -> list[dict[str, object]]:
    """The checked view's row of each record, in the order sent (one partition, bounded read).

    ``text_columns`` (timestamps) are returned as ``yyyy-MM-dd HH:mm:ss.SSS`` text: PyFlink's
    conversion to ``datetime`` goes through a float."""
    kafka = endpoints.kafka_config("plaintext", bounded=True, consumer_group=f"contract-{uuid.uuid4().hex}")
    topic = f"contract-{schema.name}-{uuid.uuid4().hex[:12]}"
    conf = librdkafka_config(kafka)
    ensure_topics(conf, [TopicSpec(topic, 1, retention_ms=-1)])
    producer = Producer({**conf, "acks": "all", "message.max.bytes": max_message_bytes})
    errors: list[str] = []
    for key, value, stamp in records:
        millis = _millis(stamp)
        extra = {} if millis is None else {"timestamp": millis}
        producer.produce(
            topic,
            key=key,
            value=value,
            partition=0,
            on_delivery=lambda e, _m: e and errors.append(str(e)),
            **extra,
        )
    assert producer.flush(60) == 0 and not errors, errors
    name = uuid.uuid4().hex[:8]
    source, checked = f"src_{name}", f"chk_{name}"
    table_env.execute_sql(
        contract_source_ddl(schema, source, topic, kafka, watermark_delay_s=30, idle_timeout_s=1)
    )
    passthrough = ("kafka_offset", "kafka_key", "raw_value", "rowtime")
    table_env.execute_sql(checked_view_sql(schema, checked, source, passthrough=passthrough))
    columns = [*passthrough, *valid_columns(schema), "dlq_reason"]
    select = ", ".join(
        f"DATE_FORMAT(`{c}`, 'yyyy-MM-dd HH:mm:ss.SSS')" if c in text_columns else f"`{c}`" for c in columns
    )
    with table_env.execute_sql(f"SELECT {select} FROM `{checked}`").collect() as results:
        rows = sorted(
            (dict(zip(columns, tuple(r), strict=True)) for r in results), key=lambda r: r["kafka_offset"]
        )
    assert [r["kafka_offset"] for r in rows] == list(range(len(records))), "a record is missing or doubled"
    return rows
