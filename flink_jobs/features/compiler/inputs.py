"""Per source: the raw Kafka table, the checked, routed and on-time views; the dead-letter and
late-events selects; the archive's columns."""

from __future__ import annotations

from datetime import timedelta

from connectors.kafka_tables import raw_source_ddl
from flink_jobs.config import AppConfig, KafkaConfig
from flink_jobs.features.compiler.contract_format import value_format_options
from flink_jobs.features.compiler.contract_sql import (
    TOO_LARGE_REASON,
    checked_view_sql,
    source_columns_sql,
    valid_time_sql,
)
from flink_jobs.features.compiler.names import (
    PASSTHROUGH,
    VERSION_COLUMN,
    checked_view,
    on_time_view,
    routed_view,
    source_table,
)
from flink_jobs.features.compiler.types import column_type, columns_of
from flink_jobs.features.contracts import InputSchema
from flink_jobs.features.sources import Source
from flink_jobs.features.windows import to_millis
from flink_jobs.sql_text import TIMESTAMP_FORMAT, epoch_ms, headers_sql, interval, quote, sql_string


def source_topic(cfg: AppConfig, source: Source) -> str:
    return cfg.topics.source_topic(source.name, source.topic)


def watermark_delay_s(source: Source, cfg: AppConfig) -> int:
    """The source's watermark delay in whole seconds (its own, else the ``pipeline`` property)."""
    if source.watermark_delay is not None:
        return to_millis(source.watermark_delay) // 1000
    return cfg.pipeline.watermark_delay_s


def late_reason(delay_s: int) -> str:
    """The ``late.reason`` header of a late record of a source whose watermark trails by ``delay_s``."""
    return (
        "late: event_time is at or before the source's watermark, "
        f"which trails the latest event time read by {delay_s} s"
    )


def contract_source_ddl(
    schema: InputSchema,
    table: str,
    topic: str,
    kafka: KafkaConfig,
    watermark_delay_s: int,
    idle_timeout_s: int,
) -> str:
    """The raw Kafka table of a source with contract ``schema``: the value decoded by the
    ``contract-json`` format, ``rowtime`` the time field of a valid record (NULL otherwise, so an
    invalid record never moves the watermark), watermarked ``watermark_delay_s`` behind."""
    return raw_source_ddl(
        table,
        topic,
        kafka,
        value_columns=source_columns_sql(schema),
        value_format=value_format_options(schema),
        rowtime_sql=valid_time_sql(schema),
        watermark_delay_sql=interval(timedelta(seconds=watermark_delay_s)),
        idle_timeout_s=idle_timeout_s,
    )


def source_sql(source: Source, cfg: AppConfig) -> list[str]:
    """Raw table, checked view, routed view and on-time view of ``source``."""
    delay = watermark_delay_s(source, cfg)
    idle = (
        to_millis(source.idle_timeout) // 1000
        if source.idle_timeout is not None
        else cfg.pipeline.idle_timeout_s
    )
    statements = [
        contract_source_ddl(
            source.schema, source_table(source), source_topic(cfg, source), cfg.kafka, delay, idle
        ),
        checked_view_sql(
            source.schema, checked_view(source), source_table(source), passthrough=(*PASSTHROUGH, "rowtime")
        ),
        # One watermark reading per record decides its route, so a record is late or on time, never both.
        f"CREATE TEMPORARY VIEW `{routed_view(source)}` AS\n"
        "SELECT *,\n"
        "  CASE WHEN dlq_reason IS NOT NULL THEN 'invalid'\n"
        "       WHEN rowtime <= CURRENT_WATERMARK(rowtime) THEN 'late'\n"
        "       ELSE 'on_time' END AS route,\n"
        "  CURRENT_WATERMARK(rowtime) AS seen_watermark\n"
        f"FROM `{checked_view(source)}`",
    ]
    fields = ", ".join(
        f"rowtime AS {quote(name)}" if name == source.event_time else quote(name)
        for name in columns_of(source)
    )
    statements.append(
        f"CREATE TEMPORARY VIEW `{on_time_view(source)}` AS\n"
        f"SELECT {fields}, kafka_partition, kafka_offset\n"
        f"FROM `{routed_view(source)}` WHERE route = 'on_time'"
    )
    return statements


def dead_letter_select(source: Source, topic: str, version: str) -> str:
    """Invalid records: original key and value; reason and source position in ``dlq.*`` headers.
    The source reads the one ``topic``: its name is a literal, not a metadata column per record."""
    headers = headers_sql(
        {
            "dlq.reason": "dlq_reason",
            "dlq.topic": sql_string(topic),
            "dlq.partition": "CAST(kafka_partition AS STRING)",
            "dlq.offset": "CAST(kafka_offset AS STRING)",
            "dlq.timestamp": f"DATE_FORMAT(kafka_timestamp, {sql_string(TIMESTAMP_FORMAT)})",
            "pipeline.version": sql_string(version),
        }
    )
    # A too-large record's copy might not fit the topic: it keeps only its headers (see validation).
    too_large = f"dlq_reason = {sql_string(TOO_LARGE_REASON)}"
    return (
        f"SELECT CASE WHEN {too_large} THEN CAST(NULL AS BYTES) ELSE kafka_key END AS kafka_key, "
        f"CASE WHEN {too_large} THEN CAST(NULL AS BYTES) ELSE raw_value END AS raw_value, "
        f"{headers} AS headers "
        f"FROM `{checked_view(source)}` WHERE dlq_reason IS NOT NULL"
    )


def late_select(source: Source, topic: str, version: str, delay_s: int) -> str:
    """Late records: original key and value; reason, event time, missed watermark and lateness in headers."""
    headers = headers_sql(
        {
            "late.reason": sql_string(late_reason(delay_s)),
            "late.topic": sql_string(topic),
            "late.partition": "CAST(kafka_partition AS STRING)",
            "late.offset": "CAST(kafka_offset AS STRING)",
            "late.timestamp": f"DATE_FORMAT(kafka_timestamp, {sql_string(TIMESTAMP_FORMAT)})",
            "late.event_time": f"DATE_FORMAT(rowtime, {sql_string(TIMESTAMP_FORMAT)})",
            "late.watermark": f"DATE_FORMAT(seen_watermark, {sql_string(TIMESTAMP_FORMAT)})",
            "late.lateness_ms": f"CAST({epoch_ms('seen_watermark')} - {epoch_ms('rowtime')} AS STRING)",
            "pipeline.version": sql_string(version),
        }
    )
    return (
        f"SELECT kafka_key, raw_value, {headers} AS headers FROM `{routed_view(source)}` WHERE route = 'late'"
    )


def archive_columns(source: Source) -> list[tuple[str, str]]:
    return [
        *((f.name, column_type(source, f.name)) for f in source.schema.fields),
        ("kafka_partition", "INT"),
        ("kafka_offset", "BIGINT"),
        (VERSION_COLUMN, "STRING"),
    ]
