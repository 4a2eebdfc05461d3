"""Window feature sets: a window TVF (TUMBLE, HOP, CUMULATE, SESSION) grouped by key and window."""

from __future__ import annotations

from datetime import timedelta

from flink_jobs.features.compiler.aggregations import aggregation_sql
from flink_jobs.features.compiler.names import VERSION_COLUMN, on_time_view
from flink_jobs.features.compiler.types import columns_of
from flink_jobs.features.feature_sets import WindowFeatures
from flink_jobs.features.windows import Cumulate, Hopping, Session, Tumbling
from flink_jobs.sql_text import interval, quote, sql_string


def _window_tvf(fs: WindowFeatures) -> str:
    table = f"TABLE `{on_time_view(fs.source)}`"
    time = f"DESCRIPTOR({quote(fs.source.event_time)})"
    window = fs.window
    if isinstance(window, Tumbling):
        return f"TUMBLE({table}, {time}, {interval(window.size)})"
    if isinstance(window, Hopping):
        return f"HOP({table}, {time}, {interval(window.slide)}, {interval(window.size)})"
    if isinstance(window, Cumulate):
        return f"CUMULATE({table}, {time}, {interval(window.step)}, {interval(window.size)})"
    assert isinstance(window, Session)
    gap = interval(window.gap - timedelta(milliseconds=1))
    return f"SESSION({table} PARTITION BY {quote(fs.source.key)}, {time}, {gap})"


def window_features_sql(fs: WindowFeatures, version: str) -> str:
    column_of = {c: quote(c) for c in columns_of(fs.source)}
    time_column = quote(fs.source.event_time)
    aggs = ",\n  ".join(
        f"{aggregation_sql(a, fs.source, column_of, time_column, None)} AS {quote(a.name)}"
        for a in fs.aggregations
    )
    window_end = "window_end"
    if isinstance(fs.window, Session):
        window_end = "window_end + INTERVAL '0.001' SECOND AS window_end"
    key = quote(fs.source.key)
    return (
        f"SELECT {key}, window_start, {window_end},\n  {aggs},\n"
        f"  {sql_string(version)} AS {VERSION_COLUMN}\n"
        f"FROM TABLE({_window_tvf(fs)})\n"
        f"GROUP BY {key}, window_start, window_end"
    )
