"""The SQL of each aggregation kind, one entry per kind in :data:`AGGREGATION_SQL`.

Every function takes the aggregated value expression (None for ``Count()``), the filter condition
(the ``where`` and, in a union of sources, the kind of row) and the ``OVER w`` suffix when the
aggregate runs over a window of rows, and returns the expression cast to the kind's output type.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flink_jobs.features.aggregations import (
    Aggregation,
    Avg,
    Count,
    CountDistinct,
    Last,
    Max,
    Min,
    Span,
    Sum,
)
from flink_jobs.features.compiler.names import KIND_COLUMN
from flink_jobs.features.compiler.types import aggregation_type
from flink_jobs.features.sources import Source
from flink_jobs.sql_text import seconds_between, sql_string


def _order_key(time_column: str) -> str:
    """Text that sorts like (event time, partition, offset): the tie-break order of :class:`Last`."""
    return (
        f"CONCAT(DATE_FORMAT({time_column}, 'yyyy-MM-dd HH:mm:ss.SSS'), "
        "LPAD(CAST(kafka_partition AS STRING), 10, '0'), LPAD(CAST(kafka_offset AS STRING), 19, '0'))"
    )


_ORDER_KEY_LENGTH = 23 + 10 + 19


def condition_sql(agg: Aggregation, column_of: dict[str, str], kind: str | None) -> str | None:
    parts = []
    if kind is not None:
        parts.append(f"{KIND_COLUMN} = {sql_string(kind)}")
    if agg.where is not None:
        parts.append(f"{column_of[agg.where.column]} = {sql_string(agg.where.value)}")
    return " AND ".join(parts) or None


def when(condition: str | None, value: str) -> str:
    return value if condition is None else f"CASE WHEN {condition} THEN {value} END"


@dataclass(frozen=True)
class _Call:
    """What one aggregate call gets: the value expression (None for ``Count()``), the filter
    condition, the time column, the ``OVER w`` suffix (empty in a window aggregation), the output
    type and whether its rows come in event-time order (an unbounded OVER window)."""

    value: str | None
    condition: str | None
    time_column: str
    over: str
    out_type: str
    in_time_order: bool

    def of(self, function: str, argument: str | None = None) -> str:
        """``FUNCTION(argument under the condition) OVER w``."""
        value = self.value if argument is None else argument
        assert value is not None
        return f"{function}({when(self.condition, value)}){self.over}"


def _count(c: _Call) -> str:
    if c.value is None:
        return f"COUNT(*){c.over}" if c.condition is None else c.of("COUNT", "1")
    return c.of("COUNT")


def _span(c: _Call) -> str:
    return seconds_between(c.of("MIN", c.time_column), c.of("MAX", c.time_column))


def _last(c: _Call) -> str:
    assert c.value is not None
    if c.in_time_order:
        # An unbounded OVER window accumulates its rows sorted by event time, rows of equal time in
        # arrival order (for one key of one topic: offset order), and LAST_VALUE skips nulls. Not an
        # event-time temporal join on a ROW_NUMBER versioned view: its deduplication drops a version
        # that arrives after a later one, though on time (docs/benchmarks/asof-2026-12-02.md).
        return f"CAST({c.of('LAST_VALUE')} AS {c.out_type})"
    # A window aggregation (or a bounded OVER window, whose LAST_VALUE retracts by processing time)
    # sees rows in arrival order: order by (event time, partition, offset) as text instead.
    not_null = f"{c.value} IS NOT NULL" + (f" AND {c.condition}" if c.condition else "")
    tagged = f"CONCAT({_order_key(c.time_column)}, CAST({c.value} AS STRING))"
    latest = f"MAX(CASE WHEN {not_null} THEN {tagged} END){c.over}"
    return f"CAST(SUBSTRING({latest} FROM {_ORDER_KEY_LENGTH + 1}) AS {c.out_type})"


AGGREGATION_SQL: dict[type[Aggregation], Callable[[_Call], str]] = {
    Count: _count,
    Sum: lambda c: f"CAST({c.of('SUM')} AS {c.out_type})",
    Avg: lambda c: f"CAST({c.of('AVG')} AS {c.out_type})",
    Min: lambda c: c.of("MIN"),
    Max: lambda c: c.of("MAX"),
    CountDistinct: lambda c: f"COUNT(DISTINCT {when(c.condition, c.value or '')}){c.over}",
    Last: _last,
    Span: _span,
}
"""The SQL of each aggregation kind compiled by :func:`aggregation_sql`. :class:`SecondsSinceLatest`
is not here: it is a latest time plus a final expression (:mod:`.events`)."""


def aggregation_sql(
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
    compile_call = AGGREGATION_SQL.get(type(agg))
    if compile_call is None:
        raise TypeError(f"{agg!r} cannot be compiled here")  # pragma: no cover
    value = column_of[agg.column] if agg.column is not None else None
    call = _Call(
        value=value if not isinstance(agg, Span) else None,
        condition=condition_sql(agg, column_of, kind),
        time_column=time_column,
        over=over,
        out_type=aggregation_type(agg, source),
        in_time_order=in_time_order,
    )
    return compile_call(call)
