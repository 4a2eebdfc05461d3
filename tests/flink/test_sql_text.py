"""The interval literals of :func:`flink_jobs.sql_text.interval` mean what they say to Flink."""

from __future__ import annotations

from datetime import datetime, timedelta

from flink_jobs.sql_text import interval

DURATIONS = [
    timedelta(0),
    timedelta(milliseconds=1),
    timedelta(seconds=30),
    timedelta(seconds=99),
    timedelta(seconds=100),
    timedelta(minutes=29, seconds=59, milliseconds=999),
    timedelta(minutes=100),
    timedelta(hours=1),
    timedelta(hours=36),
    timedelta(days=1),
    timedelta(days=400, milliseconds=7),
]


def test_every_interval_literal_parses_to_its_duration() -> None:
    from pyflink.table import EnvironmentSettings, TableEnvironment

    table_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    table_env.get_config().set("parallelism.default", "1")
    base = datetime(2026, 1, 1)
    items = ", ".join(f"TIMESTAMP '2026-01-01 00:00:00' + {interval(d)}" for d in DURATIONS)
    with table_env.execute_sql(f"SELECT {items}").collect() as results:
        (row,) = list(results)
    assert [value - base for value in row] == DURATIONS
