"""The text of Flink SQL literals and small expressions: the one place that writes them.

Used by the compiler (:mod:`flink_jobs.features.compiler`) and the connector DDL (:mod:`connectors`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = [
    "TIMESTAMP_FORMAT",
    "epoch_ms",
    "headers_sql",
    "interval",
    "quote",
    "seconds_between",
    "sql_string",
    "timestamp_literal",
]

TIMESTAMP_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
"""``DATE_FORMAT`` pattern of the contract's and the outputs' timestamps (UTC, 3 millisecond digits)."""

_UNITS = (("DAY", 86_400_000), ("HOUR", 3_600_000), ("MINUTE", 60_000), ("SECOND", 1000))
# Flink's (Calcite's) single-unit interval literals default to a leading precision of 2 digits.
_MAX_LEADING = 99


def sql_string(value: str) -> str:
    """A SQL string literal for ``value`` (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def timestamp_literal(moment: datetime) -> str:
    """``TIMESTAMP 'YYYY-MM-DD HH:MM:SS.mmm'`` of ``moment`` in UTC (the jobs' session time zone)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"TIMESTAMP '{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond // 1000:03d}'"


def quote(name: str) -> str:
    """An identifier in backquotes."""
    return f"`{name}`"


def interval(duration: timedelta) -> str:
    """A Flink SQL interval literal of ``duration`` (whole milliseconds, not negative).

    In the largest unit that holds it exactly with at most two digits (``INTERVAL '10' MINUTE``,
    ``INTERVAL '1' DAY``), since a single-unit literal takes two leading digits by default
    (``INTERVAL '100' SECOND`` is rejected); otherwise ``INTERVAL 'd hh:mm:ss.mmm' DAY TO SECOND(3)``
    (``DAY(n)`` from 100 days on).
    """
    ms = duration // timedelta(milliseconds=1)
    if ms < 0:
        raise ValueError(f"negative interval {duration}")
    for unit, size in _UNITS:
        if ms and ms % size == 0 and ms // size <= _MAX_LEADING:
            return f"INTERVAL '{ms // size}' {unit}"
    days, rest = divmod(ms, 86_400_000)
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    # DAY's leading precision is also 2 by default; Flink allows up to 6 digits.
    day = "DAY" if days <= _MAX_LEADING else f"DAY({len(str(days))})"
    if len(str(days)) > 6:
        raise ValueError(f"interval {duration} is longer than Flink's largest (999999 days)")
    return f"INTERVAL '{days} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}' {day} TO SECOND(3)"


def epoch_ms(ts: str) -> str:
    """Milliseconds since the epoch of a TIMESTAMP(3) expression at or after 1970 (exact)."""
    return (
        f"(CAST(TIMESTAMPDIFF(SECOND, TIMESTAMP '1970-01-01 00:00:00', {ts}) AS BIGINT) * 1000 "
        f"+ EXTRACT(MILLISECOND FROM {ts}))"
    )


def seconds_between(earlier: str, later: str, sql_type: str = "DECIMAL(18, 3)") -> str:
    """``later - earlier`` in seconds as ``sql_type`` (exact at millisecond precision).

    Milliseconds times 0.001 rather than divided by 1000: the product is exact at scale 3, the same
    value, and a BigDecimal multiplication instead of a division (BigDecimal divisions, these among
    them, were about 5 % of the samples in a profile of the full pipeline)."""
    return f"CAST(CAST({epoch_ms(later)} - {epoch_ms(earlier)} AS DECIMAL(18, 0)) * 0.001 AS {sql_type})"


def headers_sql(values: dict[str, str]) -> str:
    """A Kafka headers ``MAP`` literal: each header name to its SQL expression cast to BYTES."""
    return "MAP[" + ", ".join(f"{sql_string(k)}, CAST({v} AS BYTES)" for k, v in values.items()) + "]"
