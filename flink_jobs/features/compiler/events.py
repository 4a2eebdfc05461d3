"""Per-event feature sets: the source's on-time events UNION ALL the related and versioned sources'
events of the same key, one OVER window per distinct range, then the source's own rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flink_jobs.features.aggregations import Last, SecondsSinceLatest
from flink_jobs.features.compiler.aggregations import aggregation_sql, condition_sql, when
from flink_jobs.features.compiler.names import (
    KIND_COLUMN,
    OVER,
    SELF_KIND,
    VERSION_COLUMN,
    on_time_view,
    related_column,
)
from flink_jobs.features.compiler.types import column_type, columns_of
from flink_jobs.features.feature_sets import EventFeatures
from flink_jobs.features.sources import Source
from flink_jobs.sql_text import interval, quote, seconds_between, sql_string


@dataclass(frozen=True)
class _Layer:
    """One OVER window (None: unbounded preceding) and the expressions computed over it."""

    range: timedelta | None
    items: list[tuple[str, str]]  # (column alias, aggregate expression)


def event_features_sql(fs: EventFeatures, version: str) -> str:
    """Union of the source's and the related/versioned sources' on-time events, OVER layers, self rows."""
    needed: set[str | None] = {*fs.columns, *(c.left for c in fs.compare), *(c.right for c in fs.compare)}
    for agg in fs.aggregations:
        needed |= {agg.column, agg.where.column if agg.where else None}
    own = [c for c in columns_of(fs.source) if c in needed and c not in (fs.source.key, fs.source.event_time)]
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
        *(quote(c) for c in own),
        *(quote(related_column(s, c)) for s, cols in others.values() for c in cols),
    ]

    def branch(source: Source, kind: str) -> str:
        values = []
        for c in own:
            values.append(quote(c) if source is fs.source else f"CAST(NULL AS {column_type(fs.source, c)})")
        for other, cols in others.values():
            for c in cols:
                values.append(
                    quote(c) if other.name == source.name else f"CAST(NULL AS {column_type(other, c)})"
                )
        aliased = [f"{v} AS {name}" for v, name in zip(values, union_columns, strict=True)]
        items = [
            f"{quote(source.key)} AS {quote(key)}",
            f"{quote(source.event_time)} AS {quote(time)}",
            f"CAST({sql_string(kind)} AS STRING) AS {KIND_COLUMN}",
            *aliased,
            "kafka_partition",
            "kafka_offset",
        ]
        return f"SELECT {', '.join(items)} FROM `{on_time_view(source)}`"

    branches = [branch(fs.source, SELF_KIND)] + [branch(s, s.name) for s, _ in others.values()]
    query = "\n  UNION ALL\n  ".join(branches)

    own_columns = {c: quote(c) for c in columns_of(fs.source)}
    own_columns[time] = quote(time)
    layers: dict[timedelta | None, _Layer] = {}

    def add(range_: timedelta | None, alias: str, expression: str) -> None:
        layers.setdefault(range_, _Layer(range_, [])).items.append((alias, expression))

    kind = SELF_KIND if others else None
    for agg in fs.aggregations:
        add(fs.window.range, agg.name, aggregation_sql(agg, fs.source, own_columns, quote(time), kind, OVER))
    finals: dict[str, str] = {}
    for rel in fs.related:
        rel_columns = {c: quote(related_column(rel.source, c)) for c in columns_of(rel.source)}
        for agg in rel.aggregations:
            if isinstance(agg, SecondsSinceLatest):
                latest = f"__latest_{agg.name}"
                condition = condition_sql(agg, rel_columns, rel.source.name)
                # The CAST makes the time a plain TIMESTAMP(3): the planner may push this CASE into
                # the union's branches, where NULL in one branch and the rowtime attribute in the
                # other would be a union of different types (tests/features/test_seconds_since_latest).
                plain_time = f"CAST({quote(time)} AS TIMESTAMP(3))"
                add(None, latest, f"MAX({when(condition, plain_time)}){OVER}")
                finals[agg.name] = (
                    f"CASE WHEN {quote(latest)} >= {quote(time)} - {interval(agg.within)} "
                    f"THEN {seconds_between(quote(latest), quote(time))} END"
                )
            else:
                expression = aggregation_sql(agg, rel.source, rel_columns, quote(time), rel.source.name, OVER)
                add(rel.window.range, agg.name, expression)
    for asof in fs.enrich:
        asof_columns = {c: quote(related_column(asof.source, c)) for c in columns_of(asof.source)}
        for column in asof.columns:
            last = Last(column, column)
            expression = aggregation_sql(
                last, asof.source, asof_columns, quote(time), asof.source.name, OVER, in_time_order=True
            )
            add(None, column, expression)

    def over(range_: timedelta | None) -> str:
        bound = "UNBOUNDED" if range_ is None else interval(range_)
        order = f"PARTITION BY {quote(key)} ORDER BY {quote(time)}"
        return f"{order} RANGE BETWEEN {bound} PRECEDING AND CURRENT ROW"

    # Bounded ranges first, longest first; the unbounded layer (one value per key) last.
    ordered = sorted((r for r in layers if r is not None), reverse=True) + ([None] if None in layers else [])
    for range_ in ordered:
        layer = layers[range_]
        items = ",\n    ".join(f"{expr} AS {quote(alias)}" for alias, expr in layer.items)
        query = f"SELECT *,\n    {items}\n  FROM (\n  {query}\n  )\n  WINDOW w AS ({over(range_)})"

    selected = [quote(key), quote(time), *(quote(c) for c in fs.columns)]
    selected += [quote(a.name) for a in fs.aggregations]
    for rel in fs.related:
        selected += [
            f"{finals[a.name]} AS {quote(a.name)}" if a.name in finals else quote(a.name)
            for a in rel.aggregations
        ]
    for asof in fs.enrich:
        selected += [quote(c) for c in asof.columns]
    body = f"SELECT {', '.join(selected)}\nFROM (\n  {query}\n)"
    if others:
        body += f"\nWHERE {KIND_COLUMN} = {sql_string(SELF_KIND)}"
    compares = "".join(f", ({quote(c.left)} {c.op} {quote(c.right)}) AS {quote(c.name)}" for c in fs.compare)
    return f"SELECT *{compares}, {sql_string(version)} AS {VERSION_COLUMN}\nFROM (\n{body}\n)"
