"""The input contract in SQL: the source columns the ``contract-json`` format fills, the rules that
need the Kafka record's key or timestamp, and the checked view.

Where each rule runs (``docs/validation.md`` has the full list):

- in the format (options by :mod:`.contract_format`; Java, one parse per record): missing value,
  too large (the value alone), not UTF-8, not a JSON object, and every field rule of
  :mod:`flink_jobs.features.contracts` (present, JSON type, domain);
- here, as comparisons of typed columns, in the same order of reasons:
  1. ``too large`` when the key's characters added to the value's exceed :data:`MAX_RECORD_CHARS`
     (only the SQL has the key);
  2. each time field at most :data:`MAX_AHEAD_OF_KAFKA_TIME` (1 day) after the record's Kafka
     timestamp. A record far in the future (a wrong clock, year 9999) would otherwise push the
     watermark ahead and make every later record of its partition late; with this rule one record
     can move it at most a day past the producer's clock. The format leaves a field's typed value
     set only when it and every field before it passed, so a set time field means every earlier
     rule held and this rule is the first broken one. The session time zone must be UTC (the job
     sets ``table.local-time-zone``), since the Kafka timestamp is compared as a UTC wall-clock time.

The source's event-time column ``rowtime`` is the time field of a valid record and NULL for an
invalid one, so an invalid record never moves the watermark; it is a computed column of typed
columns (no parsing). The checked view reads validity from it: ``dlq_reason`` is NULL exactly when
``rowtime`` is set.
"""

from __future__ import annotations

from datetime import timedelta

from flink_jobs.features.compiler.contract_format import MAX_JSON_DEPTH, MAX_RECORD_CHARS
from flink_jobs.features.contracts import InputSchema
from flink_jobs.sql_text import TIMESTAMP_FORMAT, sql_string

__all__ = [
    "DECIMAL_TYPE",
    "MAX_AHEAD_OF_KAFKA_TIME",
    "MAX_JSON_DEPTH",
    "MAX_RECORD_CHARS",
    "METADATA_COLUMNS",
    "TIMESTAMP_FORMAT",
    "TOO_LARGE_REASON",
    "checked_view_sql",
    "field_types",
    "source_columns_sql",
    "sql_string",
    "valid_columns",
    "valid_time_sql",
]

DECIMAL_TYPE = "DECIMAL(18, 4)"
MAX_AHEAD_OF_KAFKA_TIME = timedelta(days=1)
"""How far a valid record's event time may be after its Kafka timestamp."""
TOO_LARGE_REASON = (
    f"too large: the key and value hold more than {MAX_RECORD_CHARS} characters "
    "(its key and value are not copied; read them at the source position)"
)
"""Also the format's text for a value too large by itself (``Contract.tooLargeReason``)."""
_KIND_TYPES = {
    "string": "STRING",
    "code": "STRING",
    "enum": "STRING",
    "decimal": DECIMAL_TYPE,
    "double": "DOUBLE",
    "timestamp": "TIMESTAMP(3)",
}
METADATA_COLUMNS = (
    ("contract_reason", "STRING", "reason"),
    ("raw_value", "BYTES", "raw"),
    ("value_chars", "INT", "chars"),
    ("latest_time", "TIMESTAMP_LTZ(3)", "latest-time"),
)
"""(column, type, format metadata key) of the verdict columns every source table declares."""


def field_types(schema: InputSchema) -> list[tuple[str, str]]:
    """(name, SQL type) of the contract's typed columns, in declaration order."""
    return [(f.name, _KIND_TYPES[f.kind]) for f in schema.fields]


def valid_columns(schema: InputSchema) -> list[str]:
    """Names of the typed columns of the checked view, in declaration order."""
    return [f.name for f in schema.fields]


def source_columns_sql(schema: InputSchema) -> list[str]:
    """Column definitions the format fills: the typed fields, then the verdict metadata."""
    columns = [f"`{name}` {sql_type}" for name, sql_type in field_types(schema)]
    columns += [
        f"{name} {sql_type} METADATA FROM 'value.{key}' VIRTUAL" for name, sql_type, key in METADATA_COLUMNS
    ]
    return columns


def _size_ok(key_column: str | None) -> str:
    key = f" + COALESCE(CHAR_LENGTH(CAST({key_column} AS STRING)), 0)" if key_column else ""
    return f"value_chars{key} <= {MAX_RECORD_CHARS}"


def _too_far_ahead(name: str, time_reference: str) -> str:
    days = MAX_AHEAD_OF_KAFKA_TIME.days
    return f"`{name}` > CAST({time_reference} AS TIMESTAMP(3)) + INTERVAL '{days}' DAY"


def _time_fields(schema: InputSchema) -> list[str]:
    return [f.name for f in schema.fields if f.kind == "timestamp"]


def valid_time_sql(
    schema: InputSchema,
    key_column: str | None = "kafka_key",
    time_reference: str | None = "kafka_timestamp",
) -> str:
    """``TIMESTAMP(3)`` event time of a *valid* record, NULL for an invalid one: the source's
    event-time column. Every rule the format checked held (``contract_reason`` is NULL), the key
    and value together are not too large and no time field is too far after ``time_reference``
    (a NULL Kafka timestamp bounds nothing). ``key_column`` and ``time_reference`` must be those
    given to :func:`checked_view_sql`; ``None`` leaves either rule out."""
    conditions = ["contract_reason IS NULL"]
    if key_column is not None:
        conditions.append(_size_ok(key_column))
    if time_reference is not None and _time_fields(schema):
        # latest_time (the format's, TIMESTAMP_LTZ like the Kafka timestamp): one comparison for all
        # time fields, and no time-zone conversion, which cost more than the rest of this column.
        days = MAX_AHEAD_OF_KAFKA_TIME.days
        conditions.append(f"NOT COALESCE(latest_time > {time_reference} + INTERVAL '{days}' DAY, FALSE)")
    return f"CASE WHEN {' AND '.join(conditions)} THEN `{schema.time_field}` END"


def _reason_sql(schema: InputSchema, key_column: str | None, time_reference: str | None) -> str:
    whens = ["WHEN rowtime IS NOT NULL THEN CAST(NULL AS STRING)"]
    if key_column is not None:
        whens.append(f"WHEN NOT ({_size_ok(key_column)}) THEN {sql_string(TOO_LARGE_REASON)}")
    if time_reference is not None:
        days = MAX_AHEAD_OF_KAFKA_TIME.days
        for name in _time_fields(schema):
            reason = f"out of domain: {name} must be at most {days} day after the record's Kafka timestamp"
            whens.append(f"WHEN {_too_far_ahead(name, time_reference)} THEN {sql_string(reason)}")
    return "CASE " + "\n      ".join(whens) + "\n      ELSE contract_reason END"


def checked_view_sql(
    schema: InputSchema,
    view: str,
    source_table: str,
    passthrough: tuple[str, ...] = (),
    key_column: str | None = "kafka_key",
    time_reference: str | None = "kafka_timestamp",
) -> str:
    """``CREATE TEMPORARY VIEW view AS SELECT ...`` over a source table of :func:`source_columns_sql`
    with ``rowtime`` (:func:`valid_time_sql`).

    Columns: ``passthrough`` columns of the source, the typed fields (set for valid records only)
    and ``dlq_reason``: NULL for a valid record, else the reason of the first rule it breaks.
    """
    keep = "".join(f"`{c}`, " for c in passthrough)
    typed = ",\n  ".join(
        f"CASE WHEN rowtime IS NOT NULL THEN `{n}` END AS `{n}`" for n in valid_columns(schema)
    )
    return (
        f"CREATE TEMPORARY VIEW `{view}` AS\n"
        f"SELECT {keep}\n  {typed},\n"
        f"  {_reason_sql(schema, key_column, time_reference)} AS dlq_reason\n"
        f"FROM `{source_table}`"
    )
