"""Sources: an input topic, its contract, its entity key and its event time.

A source is read once per job. Every record is validated against the contract
(:mod:`flink_jobs.features.contracts`); invalid records go to the dead-letter topic, valid records behind the
watermark to the late-events topic, and only on-time valid records reach features and the Parquet
archive. The watermark trails the largest event time seen by ``watermark_delay`` (per partition, the
minimum across partitions downstream); a partition silent for ``idle_timeout`` stops holding it back.
Both default to the ``pipeline`` properties when left as None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flink_jobs.features.contracts import InputSchema

__all__ = ["Source"]


@dataclass(frozen=True)
class Source:
    """An input topic.

    ``topic`` is the Kafka topic it reads (default: the source's name); the ``topics`` property group
    overrides it per deployment, keyed by the source's name.
    ``versioned`` marks a compacted topic of entity versions (latest per key wins), usable for as-of
    enrichment; the pipeline's manifest creates that topic compacted. ``archive`` writes the on-time
    valid events to Parquet for training and backfill.
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
