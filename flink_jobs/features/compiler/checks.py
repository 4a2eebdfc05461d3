"""Checks of a spec before anything is compiled: each failure names the feature set (or pipeline or
source), the field and what is wrong (:class:`FeatureSpecError`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta

from flink_jobs.features.aggregations import (
    Aggregation,
    Equals,
    SecondsSinceLatest,
)
from flink_jobs.features.compiler.contract_sql import METADATA_COLUMNS
from flink_jobs.features.compiler.names import PASSTHROUGH, REASON_COLUMN, VERSION_COLUMN
from flink_jobs.features.compiler.types import columns_of, field_of, output_columns
from flink_jobs.features.feature_sets import EventFeatures, PipelineSpec, WindowFeatures
from flink_jobs.features.scoring import Category, Flag, Number, Scoring
from flink_jobs.features.sources import Source
from flink_jobs.features.windows import (
    Cumulate,
    Hopping,
    Rolling,
    Session,
    Tumbling,
    format_duration,
)

_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")


# Columns of every source table besides the contract's fields: a field may not take these names.
RESERVED_COLUMNS = frozenset({*PASSTHROUGH, "rowtime", *(name for name, _, _ in METADATA_COLUMNS)})


class FeatureSpecError(ValueError):
    """A spec is invalid; the message names the feature set (or pipeline/source), the field and why."""

    def __init__(self, where: str, field_path: str, problem: str):
        self.where = where
        self.field = field_path
        super().__init__(f"{where}, field '{field_path}': {problem}")


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
    if column not in columns_of(source):
        raise FeatureSpecError(
            where,
            path,
            f"unknown column '{column}' of source '{source.name}' "
            f"(its columns: {', '.join(columns_of(source))})",
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
        if agg.numeric_only and field_of(source, agg.column).kind not in ("decimal", "double"):
            raise FeatureSpecError(
                where,
                f"{path}.column",
                f"{type(agg).__name__} needs a decimal or double column, '{agg.column}' is "
                f"{field_of(source, agg.column).kind}",
            )
    if agg.where is not None:
        if not isinstance(agg.where, Equals):
            raise FeatureSpecError(where, f"{path}.where", "a filter must be Equals(column, value)")
        _check_column(where, f"{path}.where.column", source, agg.where.column)
        kind = field_of(source, agg.where.column).kind
        if kind not in ("string", "code", "enum"):
            raise FeatureSpecError(
                where,
                f"{path}.where.column",
                f"Equals compares text, and '{agg.where.column}' is a {kind} column "
                "(filter on a string, code or enum column)",
            )
        choices = field_of(source, agg.where.column).choices
        if kind == "enum" and agg.where.value not in choices:
            raise FeatureSpecError(
                where,
                f"{path}.where.value",
                f"'{agg.where.value}' is not one of the choices of '{agg.where.column}' "
                f"({', '.join(choices)}): the filter would never match",
            )


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
    for i, scoring in enumerate(spec.scorings):
        _check_scoring(spec, i, scoring, seen)
        seen.add(scoring.name)


_NUMERIC = re.compile(r"(BIGINT|INT|DOUBLE|FLOAT|DECIMAL\(\d+, \d+\))")


def _check_scoring(spec: PipelineSpec, index: int, scoring: Scoring, names: set[str]) -> None:
    """A scoring reads a per-event feature set of the pipeline; its inputs are columns of that set
    whose types fit their encodings; carried columns are other columns of the set."""
    where = f"pipeline '{spec.name}'"
    _check_name(where, f"scorings[{index}].name", scoring.name)
    if scoring.name in names:
        raise FeatureSpecError(
            where, f"scorings[{index}].name", f"'{scoring.name}' is already a feature set or scoring name"
        )
    where = f"scoring '{scoring.name}'"
    if not isinstance(scoring.features, EventFeatures) or scoring.features not in spec.feature_sets:
        raise FeatureSpecError(
            where, "features", "must be one of the pipeline's per-event feature sets (EventFeatures)"
        )
    types = dict(output_columns(scoring.features))
    if not scoring.inputs:
        raise FeatureSpecError(where, "inputs", "a model needs at least one input")
    _check_name(where, "output", scoring.output)
    seen: set[str] = set()
    for i, model_input in enumerate(scoring.inputs):
        path = f"inputs[{i}]"
        column = model_input.column
        if column not in types:
            raise FeatureSpecError(
                where,
                path,
                f"unknown column '{column}' of feature set '{scoring.features.name}' "
                f"(its columns: {', '.join(types)})",
            )
        if column in seen:
            raise FeatureSpecError(where, path, f"column '{column}' is an input twice")
        seen.add(column)
        sql_type = types[column]
        fits = {
            Number: bool(_NUMERIC.fullmatch(sql_type)),
            Flag: sql_type == "BOOLEAN",
            Category: sql_type == "STRING",
        }[type(model_input)]
        if not fits:
            raise FeatureSpecError(
                where, path, f"{type(model_input).__name__}('{column}') does not fit its type {sql_type}"
            )
        if isinstance(model_input, Category) and (
            not model_input.values or len(set(model_input.values)) != len(model_input.values)
        ):
            raise FeatureSpecError(where, f"{path}.values", "a category needs distinct values")
    source = scoring.source
    for i, column in enumerate(scoring.columns):
        if column not in types or column in (source.key, source.event_time, VERSION_COLUMN):
            raise FeatureSpecError(
                where,
                f"columns[{i}]",
                f"'{column}' is not a column of '{scoring.features.name}' "
                "besides its key, event time and version",
            )
        if column in seen:
            raise FeatureSpecError(where, f"columns[{i}]", f"'{column}' is also an input")
    taken = {source.key, source.event_time, *scoring.columns, VERSION_COLUMN, *seen, REASON_COLUMN}
    if scoring.output in taken:
        raise FeatureSpecError(where, "output", f"'{scoring.output}' is already a column of the score row")
