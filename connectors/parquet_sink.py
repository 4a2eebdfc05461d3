"""Parquet sink on S3 (``s3a://``) or a local path (``file://``), Hive-style ``dt=/hr=`` partitions.

Semantics: the filesystem sink writes Parquet (a bulk format), so a file is finished, and only then
visible to readers, when a checkpoint completes (in-progress files are hidden dot-files locally and
uncompleted multipart uploads on S3). Partitions are the UTC date and hour of the row's event time;
a partition is committed (a ``_SUCCESS`` file written) once the watermark passes its end, so every
on-time row of the hour has landed before the commit. At the end of a bounded run the final
watermark commits every partition. Timestamps are INT64 milliseconds of UTC time, whatever the
writer's local time zone.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.kafka_tables import with_clause

__all__ = ["PARTITION_COLUMNS", "parquet_sink_ddl", "parquet_source_ddl", "partition_values_sql"]

PARTITION_COLUMNS = (("dt", "STRING"), ("hr", "STRING"))


def partition_values_sql(time_column: str) -> str:
    """SQL select items computing ``dt`` (YYYY-MM-DD) and ``hr`` (HH) from a UTC TIMESTAMP(3) column."""
    return f"DATE_FORMAT(`{time_column}`, 'yyyy-MM-dd') AS dt, DATE_FORMAT(`{time_column}`, 'HH') AS hr"


def _format_options() -> dict[str, str]:
    return {
        "format": "parquet",
        "parquet.compression": "SNAPPY",
        # Timestamps as INT64 milliseconds holding the UTC wall-clock time. flink-parquet's default
        # (INT96, converted with the JVM's local time zone) shifts every instant by the writer's UTC
        # offset for pyarrow, DuckDB and Athena. Flink marks INT64 timestamps isAdjustedToUTC=false
        # whatever the column type (checked on flink-parquet 2.2.0), so readers get naive values that
        # are UTC: the same instants as the Kafka rows' `...Z` texts, in any local time zone.
        "parquet.write.int64.timestamp": "true",
        "parquet.timestamp.time.unit": "millis",
        "parquet.utc-timezone": "true",
    }


def parquet_source_ddl(
    table: str,
    path: str,
    columns: Sequence[tuple[str, str]],
    time_column: str,
    watermark_delay_sql: str,
) -> str:
    """``CREATE TABLE`` reading a dataset that :func:`parquet_sink_ddl` wrote (its columns and the
    ``dt``/``hr`` partitions), bounded: the files present when the job starts. ``time_column`` is
    the event-time attribute, watermarked ``watermark_delay_sql`` (an interval literal) behind."""
    options = {"connector": "filesystem", "path": path, **_format_options()}
    all_columns = [*columns, *PARTITION_COLUMNS]
    body = ",\n".join(f"  `{name}` {sql_type}" for name, sql_type in all_columns)
    watermark = f"  WATERMARK FOR `{time_column}` AS `{time_column}` - {watermark_delay_sql}"
    return (
        f"CREATE TEMPORARY TABLE `{table}` (\n{body},\n{watermark}\n) PARTITIONED BY (dt, hr) "
        f"{with_clause(options)}"
    )


def parquet_sink_ddl(
    table: str,
    path: str,
    columns: Sequence[tuple[str, str]],
) -> str:
    """``CREATE TABLE`` for a partitioned Parquet dataset at ``path`` (rows + ``dt``/``hr`` columns)."""
    options = {
        "connector": "filesystem",
        "path": path,
        **_format_options(),
        "partition.time-extractor.timestamp-pattern": "$dt $hr:00:00",
        "sink.partition-commit.trigger": "partition-time",
        # A dt/hr partition covers one hour: commit it when the watermark passes its end.
        "sink.partition-commit.delay": "1 h",
        "sink.partition-commit.watermark-time-zone": "UTC",
        "sink.partition-commit.policy.kind": "success-file",
    }
    all_columns = [*columns, *PARTITION_COLUMNS]
    body = ",\n".join(f"  `{name}` {sql_type}" for name, sql_type in all_columns)
    return f"CREATE TEMPORARY TABLE `{table}` (\n{body}\n) PARTITIONED BY (dt, hr) {with_clause(options)}"
