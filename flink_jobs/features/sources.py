"""Sources: an input topic, its contract, its entity key and its event time.

A source is read once per job. Every record is validated against the contract
(:mod:`flink_jobs.schemas`); invalid records go to the dead-letter topic, valid records behind the
watermark to the late-events topic, and only on-time valid records reach features and the Parquet
archive. The watermark trails the largest event time seen by ``watermark_delay`` (per partition, the
minimum across partitions downstream); a partition silent for ``idle_timeout`` stops holding it back.
Both default to the ``pipeline`` properties when left as None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flink_jobs.schemas import InputSchema

__all__ = ["Source"]


@dataclass(frozen=True)
class Source:
    """An input topic.

    ``topic`` is the logical topic name: ``transactions``, ``clicks`` or ``profiles`` resolve through
    the ``topics`` property group; any other name is used as the topic name itself.
    ``versioned`` marks a compacted topic of entity versions (latest per key wins), usable for as-of
    enrichment. ``archive`` writes the on-time valid events to Parquet for training and backfill.
    """

    schema: InputSchema
    topic: str | None = None
    watermark_delay: timedelta | None = None
    idle_timeout: timedelta | None = None
    versioned: bool = False
    archive: bool = True

    @property
    def name(self) -> str:
        """The source's name: its schema's name (also the prefix of its SQL tables and views)."""
        return self.schema.name

    @property
    def key(self) -> str:
        """The entity key column."""
        return self.schema.key

    @property
    def event_time(self) -> str:
        """The event-time column."""
        return self.schema.time_field

    @property
    def topic_name(self) -> str:
        """The logical topic name (defaults to the source name)."""
        return self.topic or self.schema.name
