"""SQL types: of a source's columns after validation, of each aggregation, of a feature set's rows."""

from __future__ import annotations

from flink_jobs.features.aggregations import (
    Aggregation,
    Avg,
    Count,
    CountDistinct,
    Last,
    Max,
    Min,
    SecondsSinceLatest,
    Span,
    Sum,
)
from flink_jobs.features.compiler.contract_sql import field_types
from flink_jobs.features.compiler.names import VERSION_COLUMN
from flink_jobs.features.contracts import Field
from flink_jobs.features.feature_sets import FeatureSet, WindowFeatures
from flink_jobs.features.sources import Source

SPAN_TYPE = "DECIMAL(18, 3)"


TIMESTAMP_TYPE = "TIMESTAMP(3)"


def column_type(source: Source, column: str) -> str:
    """The SQL type of ``column`` of ``source`` after validation."""
    return dict(field_types(source.schema))[field_of(source, column).name]


def field_of(source: Source, column: str) -> Field:
    for candidate in source.schema.fields:
        if candidate.name == column:
            return candidate
    raise KeyError(column)


def columns_of(source: Source) -> list[str]:
    return [f.name for f in source.schema.fields]


def aggregation_type(agg: Aggregation, source: Source) -> str:
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


def row_time_column(fs: FeatureSet) -> str:
    """The column that places a row of ``fs`` in time (its Parquet ``dt``/``hr``, a backfill's range,
    a training set's as-of join): ``window_end`` for window sets (when the values become known),
    the source's event time for per-event sets."""
    return "window_end" if isinstance(fs, WindowFeatures) else fs.source.event_time


def output_columns(fs: FeatureSet) -> list[tuple[str, str]]:
    """The typed columns of ``fs``'s rows, in order (pipeline version last)."""
    columns: list[tuple[str, str]] = [(fs.source.key, column_type(fs.source, fs.source.key))]
    if isinstance(fs, WindowFeatures):
        columns += [("window_start", TIMESTAMP_TYPE), ("window_end", TIMESTAMP_TYPE)]
        columns += [(a.name, aggregation_type(a, fs.source)) for a in fs.aggregations]
    else:
        columns.append((fs.source.event_time, TIMESTAMP_TYPE))
        columns += [(c, column_type(fs.source, c)) for c in fs.columns]
        columns += [(a.name, aggregation_type(a, fs.source)) for a in fs.aggregations]
        for rel in fs.related:
            columns += [(a.name, aggregation_type(a, rel.source)) for a in rel.aggregations]
        for asof in fs.enrich:
            columns += [(c, column_type(asof.source, c)) for c in asof.columns]
        columns += [(c.name, "BOOLEAN") for c in fs.compare]
    columns.append((VERSION_COLUMN, "STRING"))
    return columns
