"""Names the compiled SQL shares: output columns every row carries, the union's kind column, and
the tables and views of each source (raw table, checked view, routed view, on-time view)."""

from __future__ import annotations

from flink_jobs.features.sources import Source

VERSION_COLUMN = "pipeline_version"


REASON_COLUMN = "model_error"
"""A scoring model's second output column: NULL with a score, the reason when the call failed."""


KIND_COLUMN = "event_kind"


SELF_KIND = "self"


OVER = " OVER w"


PASSTHROUGH = ("kafka_key", "raw_value", "kafka_topic", "kafka_partition", "kafka_offset", "kafka_timestamp")


def source_table(source: Source) -> str:
    return f"{source.name}_raw"


def checked_view(source: Source) -> str:
    return f"{source.name}_checked"


def routed_view(source: Source) -> str:
    return f"{source.name}_routed"


def on_time_view(source: Source) -> str:
    """The name of the view of ``source``'s valid, on-time events that feature queries read: the
    contract's columns (the event-time field a rowtime attribute with its watermark), then
    ``kafka_partition`` INT and ``kafka_offset`` BIGINT."""
    return f"{source.name}_on_time"


def related_column(source: Source, column: str) -> str:
    return f"{source.name}__{column}"
