"""Compile a :class:`~flink_jobs.features.feature_sets.PipelineSpec` into Flink SQL.

The output is plain SQL in one statement set (no Python UDF, so the job never starts a Python
worker), append-only end to end:

- per source: a raw Kafka table (bytes + position, event-time watermark), a validating view
  (:mod:`connectors.validation`; the record is decoded and checked by the uber-jar's ``contract-json``
  format, :mod:`connectors.contract_format`) and a routing view that classifies each record as ``invalid``,
  ``late`` (valid, event time at or behind the watermark seen by the source, ``CURRENT_WATERMARK``) or
  ``on_time``. Invalid records go to the dead-letter topic, late ones to the late-events topic, on-time
  ones to the features and to the Parquet archive of the source;
- :class:`WindowFeatures`: window TVFs (TUMBLE, HOP, CUMULATE, SESSION) grouped by key and window;
- :class:`EventFeatures`: the source's on-time events, UNION ALL the related and versioned sources'
  events of the same key, then one OVER window per distinct range (``RANGE BETWEEN <range> PRECEDING
  AND CURRENT ROW``; ``UNBOUNDED PRECEDING`` for latest-time and as-of columns, which need one value
  per key, not the rows of a range), then only the source's own rows are kept.

As-of enrichment is an OVER window, not a temporal join, on purpose: a temporal join needs a versioned
table, and the only versioned view over an append-only topic (deduplication keeping the last row per
key) drops a version that arrives after a newer one, so an event between the two would see no
profile. Ordering the key's events by event time in an OVER window sees every version.

Flink's session windows merge sessions whose gaps are *equal* to the gap; the spec says exactly one gap
apart means two sessions, so the compiled gap is one millisecond shorter (event times have
millisecond precision) and ``window_end`` is moved back to last event + gap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from connectors.kafka_tables import dead_letter_sink_ddl, json_sink_ddl, raw_source_ddl
from connectors.parquet_sink import parquet_sink_ddl, partition_values_sql
from connectors.validation import (
    METADATA_COLUMNS,
    TIMESTAMP_FORMAT,
    TOO_LARGE_REASON,
    checked_view_sql,
    field_types,
    sql_string,
)
from flink_jobs.config import AppConfig
from flink_jobs.features.aggregations import (
    Aggregation,
    Avg,
    Count,
    CountDistinct,
    Equals,
    Last,
    Max,
    Min,
    SecondsSinceLatest,
    Span,
    Sum,
)
from flink_jobs.features.contracts import Field
from flink_jobs.features.feature_sets import (
    EventFeatures,
    FeatureSet,
    PipelineSpec,
    WindowFeatures,
)
from flink_jobs.features.sources import Source
from flink_jobs.features.windows import (
    Cumulate,
    Hopping,
    Rolling,
    Session,
    Tumbling,
    format_duration,
    interval_sql,
    to_millis,
)

if TYPE_CHECKING:
    from pyflink.table import StatementSet, TableEnvironment

__all__ = [
    "CompiledPipeline",
    "FeatureSpecError",
    "OutputTable",
    "column_type",
    "compile_pipeline",
    "feature_query",
    "on_time_view",
    "output_columns",
    "source_sql",
    "validate",
]

VERSION_COLUMN = "pipeline_version"
KIND_COLUMN = "event_kind"
SELF_KIND = "self"
OVER = " OVER w"
SPAN_TYPE = "DECIMAL(18, 3)"
TIMESTAMP_TYPE = "TIMESTAMP(3)"
PASSTHROUGH = ("kafka_key", "raw_value", "kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
# A WITH option whose value is a secret: 'properties.sasl.jaas.config' = '...', '...password' = '...'.
_SECRET_OPTION = re.compile(r"('[^']*(?:password|jaas\.config|secret)[^']*' = )'(?:[^']|'')*'", re.IGNORECASE)
# Columns of every source table besides the contract's fields: a field may not take these names.
RESERVED_COLUMNS = frozenset({*PASSTHROUGH, "rowtime", *(name for name, _, _ in METADATA_COLUMNS)})


class FeatureSpecError(ValueError):
    """A spec is invalid; the message names the feature set (or pipeline/source), the field and why."""

    def __init__(self, where: str, field_path: str, problem: str):
        self.where = where
        self.field = field_path
        super().__init__(f"{where}, field '{field_path}': {problem}")


@dataclass(frozen=True)
class OutputTable:
    """One sink of the compiled job: where it writes and its columns (name, SQL type)."""

    table: str
    kind: str  # "kafka" | "parquet" | "dead-letter" | "late-events"
    target: str  # topic name or path
    feature_set: str | None = None
    columns: tuple[tuple[str, str], ...] = ()


@dataclass
class CompiledPipeline:
    """The SQL of one job: DDL and views executed first, then the INSERTs of one statement set."""

    setup: list[str] = field(default_factory=list)
    inserts: list[str] = field(default_factory=list)
    outputs: list[OutputTable] = field(default_factory=list)

    def sql(self, redact: bool = True) -> str:
        """Every statement, in order, as a script that can be printed and diffed.

        With ``redact`` (the default) the values of secret options (passwords, the SASL JAAS config
        that holds one) read ``<redacted>``: the script is for people and logs, not for running.
        """
        script = ";\n\n".join([*self.setup, *self.inserts]) + ";\n"
        return _SECRET_OPTION.sub(r"\1'<redacted>'", script) if redact else script

    def statement_set(self, table_env: TableEnvironment) -> StatementSet:
        """Run the setup statements on ``table_env`` and return the statement set of the inserts."""
        for statement in self.setup:
            table_env.execute_sql(statement)
        statements = table_env.create_statement_set()
        for insert in self.inserts:
            statements.add_insert_sql(insert)
        return statements


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


def column_type(source: Source, column: str) -> str:
    """The SQL type of ``column`` of ``source`` after validation."""
    return dict(field_types(source.schema))[_field(source, column).name]


def _field(source: Source, column: str) -> Field:
    for candidate in source.schema.fields:
        if candidate.name == column:
            return candidate
    raise KeyError(column)


def _columns(source: Source) -> list[str]:
    return [f.name for f in source.schema.fields]


def _check_duration(where: str, path: str, value: timedelta, allow_zero: bool = False) -> None:
    if not isinstance(value, timedelta):
        raise FeatureSpecError(where, path, f"{value!r} is not a duration (use minutes(5), hours(1), ...)")
    if value % timedelta(milliseconds=1):
        raise FeatureSpecError(where, path, f"{value} is not a whole number of milliseconds")
    if value < timedelta(0) or (value == timedelta(0) and not allow_zero):
        raise FeatureSpecError(where, path, f"the duration must be positive, got {format_duration(value)}")


def _check_name(where: str, path: str, name: str) -> None:
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise FeatureSpecError(
            where, path, f"{name!r} is not a valid name (lower case letter, then letters, digits, _)"
        )


def _check_column(where: str, path: str, source: Source, column: str) -> None:
    if column not in _columns(source):
        raise FeatureSpecError(
            where,
            path,
            f"unknown column '{column}' of source '{source.name}' "
            f"(its columns: {', '.join(_columns(source))})",
        )


def _check_aggregation(where: str, path: str, agg: Aggregation, source: Source, related: bool) -> None:
    _check_name(where, f"{path}.name", agg.name)
    if isinstance(agg, SecondsSinceLatest):
        if not related:
            raise FeatureSpecError(where, path, "SecondsSinceLatest is only allowed in related(...)")
        _check_duration(where, f"{path}.within", agg.within)
    if agg.needs_column and agg.column is None:
        raise FeatureSpecError(where, f"{path}.column", f"{type(agg).__name__} needs a column")
    if agg.column is not None:
        _check_column(where, f"{path}.column", source, agg.column)
        if agg.numeric_only and _field(source, agg.column).kind not in ("decimal", "double"):
            raise FeatureSpecError(
                where,
                f"{path}.column",
                f"{type(agg).__name__} needs a decimal or double column, '{agg.column}' is "
                f"{_field(source, agg.column).kind}",
            )
    if agg.where is not None:
        if not isinstance(agg.where, Equals):
            raise FeatureSpecError(where, f"{path}.where", "a filter must be Equals(column, value)")
        _check_column(where, f"{path}.where.column", source, agg.where.column)


def _check_divides(where: str, size: timedelta, part_name: str, part: timedelta) -> None:
    """``part`` (a slide or a step) is a positive duration that divides the window ``size``."""
    _check_duration(where, "window.size", size)
    _check_duration(where, f"window.{part_name}", part)
    if size % part:
        raise FeatureSpecError(
            where,
            f"window.{part_name}",
            f"the {part_name} {format_duration(part)} does not divide the size {format_duration(size)}",
        )


def _check_window(where: str, window: object) -> None:
    if isinstance(window, Tumbling):
        _check_duration(where, "window.size", window.size)
    elif isinstance(window, Hopping):
        _check_divides(where, window.size, "slide", window.slide)
    elif isinstance(window, Cumulate):
        _check_divides(where, window.size, "step", window.step)
    elif isinstance(window, Session):
        _check_duration(where, "window.gap", window.gap)
        if window.gap <= timedelta(milliseconds=1):
            raise FeatureSpecError(where, "window.gap", "the gap must be longer than 1 ms")
    else:
        raise FeatureSpecError(
            where, "window", f"{window!r} is not a Tumbling, Hopping, Cumulate or Session window"
        )


def _check_unique(where: str, names: Sequence[tuple[str, str]]) -> None:
    seen: dict[str, str] = {}
    for path, name in names:
        if name in seen:
            raise FeatureSpecError(
                where, path, f"duplicate output name '{name}' (already the output of {seen[name]})"
            )
        seen[name] = path


def _check_source(source: Source) -> None:
    where = f"source '{source.name}'"
    _check_name(where, "schema.name", source.name)
    if source.watermark_delay is not None:
        _check_duration(where, "watermark_delay", source.watermark_delay, allow_zero=True)
    if source.idle_timeout is not None:
        _check_duration(where, "idle_timeout", source.idle_timeout)
        if source.idle_timeout % timedelta(seconds=1):
            raise FeatureSpecError(where, "idle_timeout", "must be a whole number of seconds")
    if source.watermark_delay is not None and source.watermark_delay % timedelta(seconds=1):
        raise FeatureSpecError(where, "watermark_delay", "must be a whole number of seconds")
    for i, f in enumerate(source.schema.fields):
        if f.name in RESERVED_COLUMNS:
            raise FeatureSpecError(
                where,
                f"schema.fields[{i}].name",
                f"'{f.name}' is a column the job adds to every source "
                f"({', '.join(sorted(RESERVED_COLUMNS))}): rename the field",
            )


def _check_window_features(fs: WindowFeatures, where: str) -> None:
    _check_window(where, fs.window)
    if not fs.aggregations:
        raise FeatureSpecError(where, "aggregations", "a window feature set needs at least one aggregation")
    names = [("source.key", fs.source.key), ("window_start", "window_start"), ("window_end", "window_end")]
    for i, agg in enumerate(fs.aggregations):
        if isinstance(agg, SecondsSinceLatest):
            raise FeatureSpecError(
                where, f"aggregations[{i}]", "SecondsSinceLatest is only allowed in related(...)"
            )
        _check_aggregation(where, f"aggregations[{i}]", agg, fs.source, related=False)
        names.append((f"aggregations[{i}].name", agg.name))
    names.append(("(pipeline version)", VERSION_COLUMN))
    _check_unique(where, names)


def _check_event_features(fs: EventFeatures, where: str, sources: dict[str, Source]) -> None:
    if not isinstance(fs.window, Rolling):
        raise FeatureSpecError(where, "window", f"{fs.window!r} is not a Rolling(range) window")
    _check_duration(where, "window.range", fs.window.range)
    names = [("source.key", fs.source.key), ("source.event_time", fs.source.event_time)]
    for i, column in enumerate(fs.columns):
        _check_column(where, f"columns[{i}]", fs.source, column)
        names.append((f"columns[{i}]", column))
    for i, agg in enumerate(fs.aggregations):
        _check_aggregation(where, f"aggregations[{i}]", agg, fs.source, related=False)
        names.append((f"aggregations[{i}].name", agg.name))
    for r, rel in enumerate(fs.related):
        path = f"related[{r}]"
        if rel.source.name not in sources:
            raise FeatureSpecError(
                where, f"{path}.source", f"source '{rel.source.name}' is not in the pipeline"
            )
        if rel.source.name == fs.source.name:
            raise FeatureSpecError(
                where, f"{path}.source", "use aggregations for the feature set's own source"
            )
        if not isinstance(rel.window, Rolling):
            raise FeatureSpecError(where, f"{path}.window", f"{rel.window!r} is not a Rolling(range) window")
        _check_duration(where, f"{path}.window.range", rel.window.range)
        for i, agg in enumerate(rel.aggregations):
            _check_aggregation(where, f"{path}.aggregations[{i}]", agg, rel.source, related=True)
            names.append((f"{path}.aggregations[{i}].name", agg.name))
    for e, asof in enumerate(fs.enrich):
        path = f"enrich[{e}]"
        if asof.source.name not in sources:
            raise FeatureSpecError(
                where, f"{path}.source", f"source '{asof.source.name}' is not in the pipeline"
            )
        if not asof.source.versioned:
            raise FeatureSpecError(
                where, f"{path}.source", f"source '{asof.source.name}' is not versioned (versioned=True)"
            )
        for i, column in enumerate(asof.columns):
            _check_column(where, f"{path}.columns[{i}]", asof.source, column)
            names.append((f"{path}.columns[{i}]", column))
    _check_unique(where, names)
    for c, cmp in enumerate(fs.compare):
        path = f"compare[{c}]"
        _check_name(where, f"{path}.name", cmp.name)
        known = [name for _, name in names]
        for side in ("left", "right"):
            column = getattr(cmp, side)
            if column not in known:
                raise FeatureSpecError(
                    where, f"{path}.{side}", f"unknown column '{column}' (known: {', '.join(known)})"
                )
        if cmp.op not in ("=", "<>", "<", "<=", ">", ">="):
            raise FeatureSpecError(where, f"{path}.op", f"unknown operator {cmp.op!r}")
        names.append((f"{path}.name", cmp.name))
    names.append(("(pipeline version)", VERSION_COLUMN))
    _check_unique(where, names)


def validate(spec: PipelineSpec) -> None:
    """Check ``spec``; raise :class:`FeatureSpecError` naming the first problem's spec and field."""
    where = f"pipeline '{spec.name}'"
    _check_name(where, "name", spec.name)
    sources: dict[str, Source] = {}
    for i, source in enumerate(spec.sources):
        if source.name in sources:
            raise FeatureSpecError(where, f"sources[{i}]", f"duplicate source name '{source.name}'")
        _check_source(source)
        sources[source.name] = source
    if not spec.feature_sets:
        raise FeatureSpecError(where, "feature_sets", "the pipeline has no feature set")
    seen: set[str] = set()
    for i, fs in enumerate(spec.feature_sets):
        _check_name(where, f"feature_sets[{i}].name", fs.name)
        if fs.name in seen:
            raise FeatureSpecError(
                where, f"feature_sets[{i}].name", f"duplicate feature set name '{fs.name}'"
            )
        seen.add(fs.name)
        fs_where = f"feature set '{fs.name}'"
        if fs.source.name not in sources:
            raise FeatureSpecError(fs_where, "source", f"source '{fs.source.name}' is not in the pipeline")
        if isinstance(fs, WindowFeatures):
            _check_window_features(fs, fs_where)
        elif isinstance(fs, EventFeatures):
            _check_event_features(fs, fs_where, sources)
        else:
            raise FeatureSpecError(where, f"feature_sets[{i}]", f"{fs!r} is not a feature set")


# --------------------------------------------------------------------------------------------------
# Types of outputs
# --------------------------------------------------------------------------------------------------


def _agg_type(agg: Aggregation, source: Source) -> str:
    if isinstance(agg, Count | CountDistinct):
        return "BIGINT"
    if isinstance(agg, Sum | Avg):
        assert agg.column is not None
        if column_type(source, agg.column) == "DOUBLE":
            return "DOUBLE"
        return "DECIMAL(38, 4)" if isinstance(agg, Sum) else "DECIMAL(38, 6)"
    if isinstance(agg, Span | SecondsSinceLatest):
        return SPAN_TYPE
    if isinstance(agg, Min | Max | Last):
        assert agg.column is not None
        return column_type(source, agg.column)
    raise TypeError(f"unknown aggregation {agg!r}")  # pragma: no cover


def output_columns(fs: FeatureSet) -> list[tuple[str, str]]:
    """The typed columns of ``fs``'s rows, in order (pipeline version last)."""
    columns: list[tuple[str, str]] = [(fs.source.key, column_type(fs.source, fs.source.key))]
    if isinstance(fs, WindowFeatures):
        columns += [("window_start", TIMESTAMP_TYPE), ("window_end", TIMESTAMP_TYPE)]
        columns += [(a.name, _agg_type(a, fs.source)) for a in fs.aggregations]
    else:
        columns.append((fs.source.event_time, TIMESTAMP_TYPE))
        columns += [(c, column_type(fs.source, c)) for c in fs.columns]
        columns += [(a.name, _agg_type(a, fs.source)) for a in fs.aggregations]
        for rel in fs.related:
            columns += [(a.name, _agg_type(a, rel.source)) for a in rel.aggregations]
        for asof in fs.enrich:
            columns += [(c, column_type(asof.source, c)) for c in asof.columns]
        columns += [(c.name, "BOOLEAN") for c in fs.compare]
    columns.append((VERSION_COLUMN, "STRING"))
    return columns


# --------------------------------------------------------------------------------------------------
# SQL building blocks
# --------------------------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"`{name}`"


def _epoch_ms(ts: str) -> str:
    """Milliseconds since the epoch of a TIMESTAMP(3) expression at or after 1970 (exact)."""
    return (
        f"(CAST(TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', {ts}) AS BIGINT) * 1000 "
        f"+ EXTRACT(MILLISECOND FROM {ts}))"
    )


def _seconds_between(earlier: str, later: str) -> str:
    """``later - earlier`` in seconds as DECIMAL(18, 3) (exact at millisecond precision).

    Milliseconds times 0.001 rather than divided by 1000: the product is exact at scale 3, the same
    value, and a BigDecimal multiplication instead of a division (BigDecimal divisions, these among
    them, were about 5 % of the samples in a profile of the full pipeline)."""
    return f"CAST(CAST({_epoch_ms(later)} - {_epoch_ms(earlier)} AS DECIMAL(18, 0)) * 0.001 AS {SPAN_TYPE})"


def _order_key(time_column: str) -> str:
    """Text that sorts like (event time, partition, offset): the tie-break order of :class:`Last`."""
    return (
        f"CONCAT(DATE_FORMAT({time_column}, 'yyyy-MM-dd HH:mm:ss.SSS'), "
        "LPAD(CAST(kafka_partition AS STRING), 10, '0'), LPAD(CAST(kafka_offset AS STRING), 19, '0'))"
    )


_ORDER_KEY_LENGTH = 23 + 10 + 19


def _condition(agg: Aggregation, column_of: dict[str, str], kind: str | None) -> str | None:
    parts = []
    if kind is not None:
        parts.append(f"{KIND_COLUMN} = {sql_string(kind)}")
    if agg.where is not None:
        parts.append(f"{column_of[agg.where.column]} = {sql_string(agg.where.value)}")
    return " AND ".join(parts) or None


def _when(condition: str | None, value: str) -> str:
    return value if condition is None else f"CASE WHEN {condition} THEN {value} END"


def _agg_sql(
    agg: Aggregation,
    source: Source,
    column_of: dict[str, str],
    time_column: str,
    kind: str | None,
    over: str = "",
    in_time_order: bool = False,
) -> str:
    """The aggregate expression of ``agg``, cast to its output type; ``over`` (e.g. ``" OVER w"``)
    follows every aggregate call. ``in_time_order``: the aggregate sees its rows in event-time order
    (an unbounded OVER window), so :class:`Last` is Flink's ``LAST_VALUE``."""
    condition = _condition(agg, column_of, kind)
    out_type = _agg_type(agg, source)
    value = column_of[agg.column] if agg.column is not None else None
    if isinstance(agg, Count):
        if value is None:
            return f"COUNT(*){over}" if condition is None else f"COUNT({_when(condition, '1')}){over}"
        return f"COUNT({_when(condition, value)}){over}"
    if isinstance(agg, Span):
        earliest = f"MIN({_when(condition, time_column)}){over}"
        latest = f"MAX({_when(condition, time_column)}){over}"
        return _seconds_between(earliest, latest)
    assert value is not None
    if isinstance(agg, Sum):
        return f"CAST(SUM({_when(condition, value)}){over} AS {out_type})"
    if isinstance(agg, Avg):
        return f"CAST(AVG({_when(condition, value)}){over} AS {out_type})"
    if isinstance(agg, Min):
        return f"MIN({_when(condition, value)}){over}"
    if isinstance(agg, Max):
        return f"MAX({_when(condition, value)}){over}"
    if isinstance(agg, CountDistinct):
        return f"COUNT(DISTINCT {_when(condition, value)}){over}"
    if isinstance(agg, Last) and in_time_order:
        # An unbounded OVER window accumulates its rows sorted by event time, rows of equal time in
        # arrival order (for one key of one topic: offset order), and LAST_VALUE skips nulls. Not an
        # event-time temporal join on a ROW_NUMBER versioned view: its deduplication drops a version
        # that arrives after a later one, though on time (docs/benchmarks/asof-2026-12-02.md).
        return f"CAST(LAST_VALUE({_when(condition, value)}){over} AS {out_type})"
    if isinstance(agg, Last):
        # A window aggregation (or a bounded OVER window, whose LAST_VALUE retracts by processing
        # time) sees rows in arrival order: order by (event time, partition, offset) as text instead.
        not_null = f"{value} IS NOT NULL" + (f" AND {condition}" if condition else "")
        tagged = f"CONCAT({_order_key(time_column)}, CAST({value} AS STRING))"
        latest = f"MAX(CASE WHEN {not_null} THEN {tagged} END){over}"
        return f"CAST(SUBSTRING({latest} FROM {_ORDER_KEY_LENGTH + 1}) AS {out_type})"
    raise TypeError(f"{agg!r} cannot be compiled here")  # pragma: no cover


def _source_table(source: Source) -> str:
    return f"{source.name}_raw"


def _checked_view(source: Source) -> str:
    return f"{source.name}_checked"


def _routed_view(source: Source) -> str:
    return f"{source.name}_routed"


def _on_time_view(source: Source) -> str:
    return f"{source.name}_on_time"


def _topic(cfg: AppConfig, source: Source) -> str:
    return cfg.topics.source_topic(source.name, source.topic)


def _watermark_delay_s(source: Source, cfg: AppConfig) -> int:
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


def source_sql(source: Source, cfg: AppConfig) -> list[str]:
    """Raw table, checked view, routed view and on-time view of ``source``."""
    delay = _watermark_delay_s(source, cfg)
    idle = (
        to_millis(source.idle_timeout) // 1000
        if source.idle_timeout is not None
        else cfg.pipeline.idle_timeout_s
    )
    statements = [
        raw_source_ddl(_source_table(source), _topic(cfg, source), cfg.kafka, source.schema, delay, idle),
        checked_view_sql(
            source.schema, _checked_view(source), _source_table(source), passthrough=(*PASSTHROUGH, "rowtime")
        ),
        # One watermark reading per record decides its route, so a record is late or on time, never both.
        f"CREATE TEMPORARY VIEW `{_routed_view(source)}` AS\n"
        "SELECT *,\n"
        "  CASE WHEN dlq_reason IS NOT NULL THEN 'invalid'\n"
        "       WHEN rowtime <= CURRENT_WATERMARK(rowtime) THEN 'late'\n"
        "       ELSE 'on_time' END AS route,\n"
        "  CURRENT_WATERMARK(rowtime) AS seen_watermark\n"
        f"FROM `{_checked_view(source)}`",
    ]
    fields = ", ".join(
        f"rowtime AS {_q(name)}" if name == source.event_time else _q(name) for name in _columns(source)
    )
    statements.append(
        f"CREATE TEMPORARY VIEW `{_on_time_view(source)}` AS\n"
        f"SELECT {fields}, kafka_partition, kafka_offset\n"
        f"FROM `{_routed_view(source)}` WHERE route = 'on_time'"
    )
    return statements


def _dead_letter_select(source: Source, topic: str, version: str) -> str:
    """Invalid records: original key and value; reason and source position in ``dlq.*`` headers.
    The source reads the one ``topic``: its name is a literal, not a metadata column per record."""
    headers = _headers(
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
        f"FROM `{_checked_view(source)}` WHERE dlq_reason IS NOT NULL"
    )


def _late_select(source: Source, topic: str, version: str, delay_s: int) -> str:
    """Late records: original key and value; reason, event time, missed watermark and lateness in headers."""
    headers = _headers(
        {
            "late.reason": sql_string(late_reason(delay_s)),
            "late.topic": sql_string(topic),
            "late.partition": "CAST(kafka_partition AS STRING)",
            "late.offset": "CAST(kafka_offset AS STRING)",
            "late.timestamp": f"DATE_FORMAT(kafka_timestamp, {sql_string(TIMESTAMP_FORMAT)})",
            "late.event_time": f"DATE_FORMAT(rowtime, {sql_string(TIMESTAMP_FORMAT)})",
            "late.watermark": f"DATE_FORMAT(seen_watermark, {sql_string(TIMESTAMP_FORMAT)})",
            "late.lateness_ms": f"CAST({_epoch_ms('seen_watermark')} - {_epoch_ms('rowtime')} AS STRING)",
            "pipeline.version": sql_string(version),
        }
    )
    return (
        f"SELECT kafka_key, raw_value, {headers} AS headers "
        f"FROM `{_routed_view(source)}` WHERE route = 'late'"
    )


def _headers(values: dict[str, str]) -> str:
    return "MAP[" + ", ".join(f"{sql_string(k)}, CAST({v} AS BYTES)" for k, v in values.items()) + "]"


def _window_tvf(fs: WindowFeatures) -> str:
    table = f"TABLE `{_on_time_view(fs.source)}`"
    time = f"DESCRIPTOR({_q(fs.source.event_time)})"
    window = fs.window
    if isinstance(window, Tumbling):
        return f"TUMBLE({table}, {time}, {interval_sql(window.size)})"
    if isinstance(window, Hopping):
        return f"HOP({table}, {time}, {interval_sql(window.slide)}, {interval_sql(window.size)})"
    if isinstance(window, Cumulate):
        return f"CUMULATE({table}, {time}, {interval_sql(window.step)}, {interval_sql(window.size)})"
    assert isinstance(window, Session)
    gap = _day_to_second(window.gap - timedelta(milliseconds=1))
    return f"SESSION({table} PARTITION BY {_q(fs.source.key)}, {time}, {gap})"


def _day_to_second(duration: timedelta) -> str:
    ms = to_millis(duration)
    days, rest = divmod(ms, 86_400_000)
    hours_, rest = divmod(rest, 3_600_000)
    minutes_, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"INTERVAL '{days} {hours_:02d}:{minutes_:02d}:{secs:02d}.{millis:03d}' DAY TO SECOND(3)"


def feature_query(fs: FeatureSet, version: str) -> str:
    """The SELECT that computes ``fs``'s rows from the on-time views of its sources (see
    :func:`on_time_view`), the body of the job's ``<name>_features`` view. Tests run it over bounded
    tables of hand-written rows registered under those names (``tests/features``)."""
    if isinstance(fs, WindowFeatures):
        return _window_features_sql(fs, version)
    return _event_features_sql(fs, version)


def on_time_view(source: Source) -> str:
    """The name of the view of ``source``'s valid, on-time events that feature queries read: the
    contract's columns (``event_time`` column a rowtime attribute with its watermark), then
    ``kafka_partition`` INT and ``kafka_offset`` BIGINT."""
    return _on_time_view(source)


def _window_features_sql(fs: WindowFeatures, version: str) -> str:
    column_of = {c: _q(c) for c in _columns(fs.source)}
    time_column = _q(fs.source.event_time)
    aggs = ",\n  ".join(
        f"{_agg_sql(a, fs.source, column_of, time_column, None)} AS {_q(a.name)}" for a in fs.aggregations
    )
    window_end = "window_end"
    if isinstance(fs.window, Session):
        window_end = "window_end + INTERVAL '0.001' SECOND AS window_end"
    key = _q(fs.source.key)
    return (
        f"SELECT {key}, window_start, {window_end},\n  {aggs},\n"
        f"  {sql_string(version)} AS {VERSION_COLUMN}\n"
        f"FROM TABLE({_window_tvf(fs)})\n"
        f"GROUP BY {key}, window_start, window_end"
    )


@dataclass(frozen=True)
class _Layer:
    """One OVER window (None: unbounded preceding) and the expressions computed over it."""

    range: timedelta | None
    items: list[tuple[str, str]]  # (column alias, aggregate expression)


def _related_column(source: Source, column: str) -> str:
    return f"{source.name}__{column}"


def _event_features_sql(fs: EventFeatures, version: str) -> str:
    """Union of the source's and the related/versioned sources' on-time events, OVER layers, self rows."""
    needed = {*fs.columns, *(c.left for c in fs.compare), *(c.right for c in fs.compare)}
    for agg in fs.aggregations:
        needed |= {agg.column, agg.where.column if agg.where else None}
    own = [c for c in _columns(fs.source) if c in needed and c not in (fs.source.key, fs.source.event_time)]
    # Columns of other sources that aggregations read, each as <source>__<column> in the union.
    others: dict[str, tuple[Source, list[str]]] = {}

    def need(source: Source, column: str) -> None:
        entry = others.setdefault(source.name, (source, []))
        if column not in entry[1]:
            entry[1].append(column)

    for rel in fs.related:
        others.setdefault(rel.source.name, (rel.source, []))
        for agg in rel.aggregations:
            for column in (agg.column, agg.where.column if agg.where else None):
                if column is not None:
                    need(rel.source, column)
    for asof in fs.enrich:
        for column in asof.columns:
            need(asof.source, column)

    key, time = fs.source.key, fs.source.event_time
    union_columns = [
        *(_q(c) for c in own),
        *(_q(_related_column(s, c)) for s, cols in others.values() for c in cols),
    ]

    def branch(source: Source, kind: str) -> str:
        values = []
        for c in own:
            values.append(_q(c) if source is fs.source else f"CAST(NULL AS {column_type(fs.source, c)})")
        for other, cols in others.values():
            for c in cols:
                values.append(
                    _q(c) if other.name == source.name else f"CAST(NULL AS {column_type(other, c)})"
                )
        aliased = [f"{v} AS {name}" for v, name in zip(values, union_columns, strict=True)]
        items = [
            f"{_q(source.key)} AS {_q(key)}",
            f"{_q(source.event_time)} AS {_q(time)}",
            f"CAST({sql_string(kind)} AS STRING) AS {KIND_COLUMN}",
            *aliased,
            "kafka_partition",
            "kafka_offset",
        ]
        return f"SELECT {', '.join(items)} FROM `{_on_time_view(source)}`"

    branches = [branch(fs.source, SELF_KIND)] + [branch(s, s.name) for s, _ in others.values()]
    query = "\n  UNION ALL\n  ".join(branches)

    own_columns = {c: _q(c) for c in _columns(fs.source)}
    own_columns[time] = _q(time)
    layers: dict[timedelta | None, _Layer] = {}

    def add(range_: timedelta | None, alias: str, expression: str) -> None:
        layers.setdefault(range_, _Layer(range_, [])).items.append((alias, expression))

    kind = SELF_KIND if others else None
    for agg in fs.aggregations:
        add(fs.window.range, agg.name, _agg_sql(agg, fs.source, own_columns, _q(time), kind, OVER))
    finals: dict[str, str] = {}
    for rel in fs.related:
        rel_columns = {c: _q(_related_column(rel.source, c)) for c in _columns(rel.source)}
        for agg in rel.aggregations:
            if isinstance(agg, SecondsSinceLatest):
                latest = f"__latest_{agg.name}"
                condition = _condition(agg, rel_columns, rel.source.name)
                add(None, latest, f"MAX({_when(condition, _q(time))}){OVER}")
                finals[agg.name] = (
                    f"CASE WHEN {_q(latest)} >= {_q(time)} - {interval_sql(agg.within)} "
                    f"THEN {_seconds_between(_q(latest), _q(time))} END"
                )
            else:
                expression = _agg_sql(agg, rel.source, rel_columns, _q(time), rel.source.name, OVER)
                add(rel.window.range, agg.name, expression)
    for asof in fs.enrich:
        columns_of = {c: _q(_related_column(asof.source, c)) for c in _columns(asof.source)}
        for column in asof.columns:
            last = Last(column, column)
            expression = _agg_sql(
                last, asof.source, columns_of, _q(time), asof.source.name, OVER, in_time_order=True
            )
            add(None, column, expression)

    def over(range_: timedelta | None) -> str:
        bound = "UNBOUNDED" if range_ is None else interval_sql(range_)
        return f"PARTITION BY {_q(key)} ORDER BY {_q(time)} RANGE BETWEEN {bound} PRECEDING AND CURRENT ROW"

    # Bounded ranges first, longest first; the unbounded layer (one value per key) last.
    ordered = sorted((r for r in layers if r is not None), reverse=True) + ([None] if None in layers else [])
    for range_ in ordered:
        layer = layers[range_]
        items = ",\n    ".join(f"{expr} AS {_q(alias)}" for alias, expr in layer.items)
        query = f"SELECT *,\n    {items}\n  FROM (\n  {query}\n  )\n  WINDOW w AS ({over(range_)})"

    selected = [_q(key), _q(time), *(_q(c) for c in fs.columns)]
    selected += [_q(a.name) for a in fs.aggregations]
    for rel in fs.related:
        selected += [
            f"{finals[a.name]} AS {_q(a.name)}" if a.name in finals else _q(a.name) for a in rel.aggregations
        ]
    for asof in fs.enrich:
        selected += [_q(c) for c in asof.columns]
    body = f"SELECT {', '.join(selected)}\nFROM (\n  {query}\n)"
    if others:
        body += f"\nWHERE {KIND_COLUMN} = {sql_string(SELF_KIND)}"
    compares = "".join(f", ({_q(c.left)} {c.op} {_q(c.right)}) AS {_q(c.name)}" for c in fs.compare)
    return f"SELECT *{compares}, {sql_string(version)} AS {VERSION_COLUMN}\nFROM (\n{body}\n)"


# --------------------------------------------------------------------------------------------------
# The whole job
# --------------------------------------------------------------------------------------------------


def _online_columns(columns: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Kafka JSON columns: timestamps as text in the input contract's form (…T…Z, 3 ms digits), since
    Flink's JSON writer drops trailing zeros of the milliseconds."""
    return [(name, "STRING" if sql_type == TIMESTAMP_TYPE else sql_type) for name, sql_type in columns]


def _online_select(columns: Sequence[tuple[str, str]], view: str) -> str:
    items = ", ".join(
        f"DATE_FORMAT({_q(name)}, {sql_string(TIMESTAMP_FORMAT)}) AS {_q(name)}"
        if sql_type == TIMESTAMP_TYPE
        else _q(name)
        for name, sql_type in columns
    )
    return f"SELECT {items} FROM `{view}`"


def _archive_columns(source: Source) -> list[tuple[str, str]]:
    return [
        *((f.name, column_type(source, f.name)) for f in source.schema.fields),
        ("kafka_partition", "INT"),
        ("kafka_offset", "BIGINT"),
        (VERSION_COLUMN, "STRING"),
    ]


def compile_pipeline(spec: PipelineSpec, cfg: AppConfig) -> CompiledPipeline:
    """Validate ``spec`` and compile it, with ``cfg``'s topics, sinks and paths, into one job's SQL."""
    validate(spec)
    spec.check_topic_names(cfg.topics)
    version = cfg.pipeline.version
    out = CompiledPipeline()
    for source in spec.sources:
        out.setup.extend(source_sql(source, cfg))

    out.setup.append(dead_letter_sink_ddl("dead_letter", cfg.topics.dead_letter, cfg.kafka, cfg.sink))
    out.outputs.append(OutputTable("dead_letter", "dead-letter", cfg.topics.dead_letter))
    dead_letters = "\nUNION ALL\n".join(_dead_letter_select(s, _topic(cfg, s), version) for s in spec.sources)
    out.inserts.append(f"INSERT INTO dead_letter\n{dead_letters}")

    out.setup.append(dead_letter_sink_ddl("late_events", cfg.topics.late_events, cfg.kafka, cfg.sink))
    out.outputs.append(OutputTable("late_events", "late-events", cfg.topics.late_events))
    late = "\nUNION ALL\n".join(
        _late_select(s, _topic(cfg, s), version, _watermark_delay_s(s, cfg)) for s in spec.sources
    )
    out.inserts.append(f"INSERT INTO late_events\n{late}")

    for fs in spec.feature_sets:
        view = f"{fs.name}_features"
        columns = output_columns(fs)
        if isinstance(fs, WindowFeatures):
            query, partition_time = _window_features_sql(fs, version), "window_end"
        else:
            query, partition_time = _event_features_sql(fs, version), fs.source.event_time
        out.setup.append(f"CREATE TEMPORARY VIEW `{view}` AS\n{query}")

        topic = cfg.topics.feature_topic(fs.name)
        online = _online_columns(columns)
        kafka_table = f"{fs.name}_kafka"
        out.setup.append(json_sink_ddl(kafka_table, topic, online, fs.source.key, cfg.kafka, cfg.sink))
        out.inserts.append(f"INSERT INTO `{kafka_table}`\n{_online_select(columns, view)}")
        out.outputs.append(OutputTable(kafka_table, "kafka", topic, fs.name, tuple(online)))

        if cfg.offline is not None:
            path = f"{cfg.offline.path}/features/{fs.name}"
            table = f"{fs.name}_offline"
            out.setup.append(parquet_sink_ddl(table, path, columns))
            out.inserts.append(
                f"INSERT INTO `{table}`\nSELECT *, {partition_values_sql(partition_time)} FROM `{view}`"
            )
            out.outputs.append(OutputTable(table, "parquet", path, fs.name, tuple(columns)))

    if cfg.offline is not None:
        for source in (s for s in spec.sources if s.archive):
            path = f"{cfg.offline.path}/events/{source.name}"
            table = f"{source.name}_archive"
            columns = _archive_columns(source)
            out.setup.append(parquet_sink_ddl(table, path, columns))
            fields = ", ".join(_q(f.name) for f in source.schema.fields)
            out.inserts.append(
                f"INSERT INTO `{table}`\nSELECT {fields}, kafka_partition, kafka_offset, "
                f"{sql_string(version)} AS {VERSION_COLUMN}, {partition_values_sql(source.event_time)}\n"
                f"FROM `{_on_time_view(source)}`"
            )
            out.outputs.append(OutputTable(table, "parquet", path, None, tuple(columns)))
    return out
