"""Flink SQL table definitions for Kafka/MSK sources and sinks.

- Input sources read the record key as bytes and decode the value with the format the caller
  names (the compiler passes the uber-jar's ``contract-json`` format and the columns it fills: the
  contract's typed fields, the verdict and the original bytes, so that an invalid record can be
  kept byte for byte); plus the topic, partition, offset and timestamp metadata. Event time is a
  computed column given by the caller (NULL for an invalid record); the watermark trails it by the
  given delay, is emitted on every event (so which records are late does not depend on a timer) and
  a partition idle for ``idle_timeout_s`` stops holding it back.
- The dead-letter sink writes the original key and value bytes unchanged and puts the source position,
  the reason and the pipeline version in Kafka headers (``dlq.*``), as Kafka Connect's DLQ does.
- JSON sinks write one JSON object per row, keyed by an entity column, with the configured delivery
  guarantee. Exactly-once needs a transactional-id prefix unique per sink on the cluster (the sink
  name is appended to the configured prefix) and a transaction timeout within the broker maximum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from connectors.kafka_auth import client_properties
from flink_jobs.config import KafkaConfig, SinkConfig
from flink_jobs.sql_text import sql_string

__all__ = [
    "DLQ_HEADERS",
    "dead_letter_sink_ddl",
    "json_sink_ddl",
    "kafka_connection_options",
    "raw_source_ddl",
    "with_clause",
]

DLQ_HEADERS = ("dlq.reason", "dlq.topic", "dlq.partition", "dlq.offset", "dlq.timestamp", "pipeline.version")


def with_clause(options: Mapping[str, str]) -> str:
    """A ``WITH (...)`` clause, options in a stable order, values quoted as SQL strings."""
    lines = [f"  {sql_string(k)} = {sql_string(v)}" for k, v in options.items()]
    return "WITH (\n" + ",\n".join(lines) + "\n)"


def kafka_connection_options(kafka: KafkaConfig) -> dict[str, str]:
    """Connector options for reaching the cluster: ``properties.*`` from the auth mode."""
    return {f"properties.{k}": v for k, v in client_properties(kafka).items()}


def raw_source_ddl(
    table: str,
    topic: str,
    kafka: KafkaConfig,
    value_columns: Sequence[str],
    value_format: Mapping[str, str],
    rowtime_sql: str,
    watermark_delay_sql: str,
    idle_timeout_s: int,
) -> str:
    """``CREATE TABLE`` for a Kafka input source with metadata columns and an event-time watermark.

    Columns: ``kafka_key`` BYTES; ``value_columns`` (column definitions that ``value_format``, the
    ``value.*`` options, fills); ``kafka_topic``, ``kafka_partition``, ``kafka_offset``,
    ``kafka_timestamp`` (metadata) and ``rowtime`` TIMESTAMP(3) = ``rowtime_sql``, watermarked
    ``rowtime - watermark_delay_sql`` (an interval literal). Bounded mode (``kafka.bounded``) reads
    up to the offsets current at start, then ends.
    """
    options = {
        "connector": "kafka",
        "topic": topic,
        **kafka_connection_options(kafka),
        "properties.group.id": kafka.consumer_group,
        # Producers of the inputs may be transactional: never read aborted or open transactions.
        "properties.isolation.level": "read_committed",
        "scan.startup.mode": kafka.starting_offsets,
        "key.format": "raw",
        "key.fields": "kafka_key",
        **value_format,
        "value.fields-include": "EXCEPT_KEY",
        "scan.watermark.emit.strategy": "on-event",
        "scan.watermark.idle-timeout": f"{idle_timeout_s} s",
    }
    if kafka.bounded:
        options["scan.bounded.mode"] = "latest-offset"
    return (
        f"CREATE TEMPORARY TABLE `{table}` (\n"
        "  kafka_key BYTES,\n"
        + "".join(f"  {column},\n" for column in value_columns)
        + "  kafka_topic STRING METADATA FROM 'topic' VIRTUAL,\n"
        "  kafka_partition INT METADATA FROM 'partition' VIRTUAL,\n"
        "  kafka_offset BIGINT METADATA FROM 'offset' VIRTUAL,\n"
        "  kafka_timestamp TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,\n"
        f"  rowtime AS {rowtime_sql},\n"
        f"  WATERMARK FOR rowtime AS rowtime - {watermark_delay_sql}\n"
        f") {with_clause(options)}"
    )


def _sink_delivery_options(sink: SinkConfig, sink_name: str) -> dict[str, str]:
    options: dict[str, str] = {"sink.delivery-guarantee": sink.delivery_guarantee}
    if sink.delivery_guarantee == "exactly-once":
        options |= {
            "sink.transactional-id-prefix": f"{sink.transactional_id_prefix}-{sink_name}",
            "properties.transaction.timeout.ms": str(sink.transaction_timeout_ms),
        }
    return options


def dead_letter_sink_ddl(table: str, topic: str, kafka: KafkaConfig, sink: SinkConfig) -> str:
    """``CREATE TABLE`` for the dead-letter topic: original key/value bytes plus ``dlq.*`` headers."""
    options = {
        "connector": "kafka",
        "topic": topic,
        **kafka_connection_options(kafka),
        **_sink_delivery_options(sink, table),
        "key.format": "raw",
        "key.fields": "kafka_key",
        "value.format": "raw",
        "value.fields-include": "EXCEPT_KEY",
    }
    return (
        f"CREATE TEMPORARY TABLE `{table}` (\n"
        "  kafka_key BYTES,\n"
        "  raw_value BYTES,\n"
        "  headers MAP<STRING, BYTES> METADATA\n"
        f") {with_clause(options)}"
    )


def json_sink_ddl(
    table: str,
    topic: str,
    columns: Sequence[tuple[str, str]],
    key_column: str,
    kafka: KafkaConfig,
    sink: SinkConfig,
) -> str:
    """``CREATE TABLE`` for a JSON feature/output topic keyed by ``key_column`` (a STRING column).

    Timestamps are written as ISO-8601; decimals as plain JSON numbers (never ``1E+1``).
    """
    options = {
        "connector": "kafka",
        "topic": topic,
        **kafka_connection_options(kafka),
        **_sink_delivery_options(sink, table),
        "key.format": "raw",
        "key.fields": key_column,
        "value.format": "json",
        "value.fields-include": "ALL",
        "value.json.timestamp-format.standard": "ISO-8601",
        "value.json.encode.decimal-as-plain-number": "true",
    }
    body = ",\n".join(f"  `{name}` {sql_type}" for name, sql_type in columns)
    return f"CREATE TEMPORARY TABLE `{table}` (\n{body}\n) {with_clause(options)}"
