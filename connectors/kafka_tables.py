"""Flink SQL table definitions for Kafka/MSK sources and sinks.

- Input sources read the record key as bytes and decode the value with the ``contract-json`` format
  of the uber-jar (:mod:`connectors.contract_format`): the contract's typed fields, the verdict
  (reason, the value's characters) and the original bytes, so that an invalid record can be kept
  byte for byte; plus the topic, partition, offset and timestamp metadata. Event time is a computed
  column of typed columns (NULL for an invalid record, :func:`connectors.validation.valid_time_sql`);
  the watermark trails the largest event time seen by ``watermark_delay_s``, is emitted on every
  event (so which records are late does not depend on a timer) and a partition idle for
  ``idle_timeout_s`` stops holding it back.
- The dead-letter sink writes the original key and value bytes unchanged and puts the source position,
  the reason and the pipeline version in Kafka headers (``dlq.*``), as Kafka Connect's DLQ does.
- JSON sinks write one JSON object per row, keyed by an entity column, with the configured delivery
  guarantee. Exactly-once needs a transactional-id prefix unique per sink on the cluster (the sink
  name is appended to the configured prefix) and a transaction timeout within the broker maximum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from connectors.contract_format import value_format_options
from connectors.kafka_auth import client_properties
from connectors.validation import source_columns_sql, sql_string, valid_time_sql
from flink_jobs.config import KafkaConfig, SinkConfig
from flink_jobs.features.contracts import InputSchema

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
    schema: InputSchema,
    watermark_delay_s: int,
    idle_timeout_s: int,
) -> str:
    """``CREATE TABLE`` for a Kafka input source with metadata columns and an event-time watermark.

    Columns: ``kafka_key`` BYTES; the contract's typed fields and the format's verdict,
    ``contract_reason``, ``raw_value`` (the value's bytes) and ``value_chars``
    (:func:`connectors.validation.source_columns_sql`); ``kafka_topic``, ``kafka_partition``,
    ``kafka_offset``, ``kafka_timestamp`` (metadata) and ``rowtime`` TIMESTAMP(3), the record's
    ``schema.time_field`` (UTC) when the whole record is valid, else NULL: an invalid record never
    moves the watermark. Bounded mode (``kafka.bounded``) reads up to the offsets current at start,
    then ends.
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
        **value_format_options(schema),
        "value.fields-include": "EXCEPT_KEY",
        "scan.watermark.emit.strategy": "on-event",
        "scan.watermark.idle-timeout": f"{idle_timeout_s} s",
    }
    if kafka.bounded:
        options["scan.bounded.mode"] = "latest-offset"
    return (
        f"CREATE TEMPORARY TABLE `{table}` (\n"
        "  kafka_key BYTES,\n"
        + "".join(f"  {column},\n" for column in source_columns_sql(schema))
        + "  kafka_topic STRING METADATA FROM 'topic' VIRTUAL,\n"
        "  kafka_partition INT METADATA FROM 'partition' VIRTUAL,\n"
        "  kafka_offset BIGINT METADATA FROM 'offset' VIRTUAL,\n"
        "  kafka_timestamp TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,\n"
        f"  rowtime AS {valid_time_sql(schema)},\n"
        f"  WATERMARK FOR rowtime AS rowtime - {_seconds_interval(watermark_delay_s)}\n"
        f") {with_clause(options)}"
    )


def _sink_delivery_options(sink: SinkConfig, sink_name: str) -> dict[str, str]:
    options = {"sink.delivery-guarantee": sink.delivery_guarantee}
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


def _seconds_interval(seconds: int) -> str:
    """An interval literal of ``seconds``: ``INTERVAL 'n' SECOND`` allows only 2 digits (99 s), so
    use DAY TO SECOND, e.g. 86400 -> ``INTERVAL '1 00:00:00' DAY TO SECOND``."""
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    return f"INTERVAL '{days} {hours:02d}:{minutes:02d}:{secs:02d}' DAY TO SECOND"
