"""Feature sets: what to compute per entity, declared as data.

- :class:`WindowFeatures`: one row per key and window (tumbling, hopping, cumulate, session) with
  ``key``, ``window_start``, ``window_end`` and the aggregations.
- :class:`EventFeatures`: one row per on-time event of the source (the online scoring vector), with
  the event's own columns, rolling aggregations over the key's events in ``[t - range, t]``,
  aggregations over other topics' events for the same key (:class:`Related`), as-of enrichment from a
  versioned topic (:class:`AsOf`) and comparisons of columns (:class:`Compare`).
- :class:`PipelineSpec`: the sources and feature sets of one job.

Every output row also carries ``pipeline_version``. Specs are checked when compiled
(:func:`flink_jobs.features.compiler.compile_pipeline`): an unknown column, a slide that does not
divide the size, a non-positive duration or a duplicate output name fails with a message naming the
feature set and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from flink_jobs.features.aggregations import Aggregation
from flink_jobs.features.sources import Source
from flink_jobs.features.windows import Rolling, Window
from flink_jobs.topics import TopicRole, TopicsConfig, TopicSpec

if TYPE_CHECKING:
    from flink_jobs.features.scoring import Scoring

__all__ = [
    "AsOf",
    "Compare",
    "Dataset",
    "EventFeatures",
    "FeatureSet",
    "PipelineSpec",
    "Related",
    "WindowFeatures",
]


@dataclass(frozen=True)
class WindowFeatures:
    """Aggregations of ``source``'s events per key and ``window``.

    Offline rows are partitioned by the UTC date and hour of ``window_end`` (the time the values become
    known, and the time by which the row has been emitted).
    """

    name: str
    source: Source
    window: Window
    aggregations: tuple[Aggregation, ...]
    description: str = ""


@dataclass(frozen=True)
class Related:
    """Aggregations over another source's events of the same key, for each event at time ``t``.

    Counted events have event time in ``[t - window.range, t]`` (both included), except
    :class:`~flink_jobs.features.aggregations.SecondsSinceLatest`, which has its own ``within``.
    """

    source: Source
    window: Rolling
    aggregations: tuple[Aggregation, ...]


@dataclass(frozen=True)
class AsOf:
    """As-of enrichment: ``columns`` of the versioned ``source``'s version for the same key with the
    greatest event time ``<= t`` (ties: the later record in the topic, which for one key is the one at
    the greater offset; a key written to several partitions breaks ties in arrival order); NULL when
    there is none. Compiled to ``LAST_VALUE`` over an unbounded OVER window (see the compiler)."""

    source: Source
    columns: tuple[str, ...]


CompareOp = Literal["=", "<>", "<", "<=", ">", ">="]


@dataclass(frozen=True)
class Compare:
    """A BOOLEAN column ``name`` = ``left op right`` (two columns of the row); NULL if either is NULL."""

    name: str
    left: str
    op: CompareOp
    right: str


@dataclass(frozen=True)
class EventFeatures:
    """One row per on-time event of ``source``: its ``columns``, ``aggregations`` over the key's own
    events in ``window``, then ``related``, ``enrich`` and ``compare`` columns, in that order.

    Offline rows are partitioned by the UTC date and hour of the event time.
    """

    name: str
    source: Source
    columns: tuple[str, ...]
    window: Rolling
    aggregations: tuple[Aggregation, ...] = ()
    related: tuple[Related, ...] = ()
    enrich: tuple[AsOf, ...] = ()
    compare: tuple[Compare, ...] = ()
    description: str = ""


FeatureSet = WindowFeatures | EventFeatures


@dataclass(frozen=True)
class PipelineSpec:
    """A job: its sources, feature sets and scorings. Each feature set and each scoring writes to its
    own Kafka topic (keyed by the entity, JSON) and, when an offline path is configured, to its own
    Parquet dataset."""

    name: str
    sources: tuple[Source, ...]
    feature_sets: tuple[FeatureSet, ...]
    description: str = ""
    scorings: tuple[Scoring, ...] = ()

    def feature_set_names(self) -> list[str]:
        """Names of the feature sets, in declaration order."""
        return [fs.name for fs in self.feature_sets]

    def scoring_names(self) -> list[str]:
        """Names of the scorings, in declaration order."""
        return [s.name for s in self.scorings]

    def source_names(self) -> list[str]:
        """Names of the sources, in declaration order."""
        return [source.name for source in self.sources]

    def check_topic_names(self, topics: TopicsConfig) -> None:
        """A :class:`~flink_jobs.properties.ConfigError` if ``topics`` names a source, feature set or
        scoring this pipeline lacks (:meth:`~flink_jobs.topics.TopicsConfig.check_names`)."""
        topics.check_names(self.name, self.source_names(), [*self.feature_set_names(), *self.scoring_names()])

    def topics(self, topics: TopicsConfig | None = None) -> list[TopicSpec]:
        """Every topic the pipeline reads or writes, as ``topics`` names and sizes them: the inputs
        (a versioned source's compacted), the dead-letter and late-events topics, one per feature set,
        one per scoring."""
        cfg = topics or TopicsConfig()
        self.check_topic_names(cfg)

        def topic(name: str, role: TopicRole, owner: str | None, compacted: bool = False) -> TopicSpec:
            retention = None if compacted else cfg.retention_ms
            return TopicSpec(name, cfg.partitions, compacted, retention, role, owner)

        specs = [
            topic(cfg.source_topic(s.name, s.topic), "input", s.name, compacted=s.versioned)
            for s in self.sources
        ]
        specs.append(topic(cfg.dead_letter, "dead_letter", None))
        specs.append(topic(cfg.late_events, "late_events", None))
        specs += [topic(cfg.feature_topic(fs.name), "features", fs.name) for fs in self.feature_sets]
        specs += [topic(cfg.scores_topic(s.name), "scores", s.name) for s in self.scorings]
        return specs

    def datasets(self) -> list[Dataset]:
        """The Parquet datasets under the offline path: one per feature set, one per archived source,
        one per scoring."""
        found = [Dataset(f"features/{fs.name}", "features", fs.name) for fs in self.feature_sets]
        found += [Dataset(f"events/{s.name}", "archive", s.name) for s in self.sources if s.archive]
        found += [Dataset(f"scores/{s.name}", "scores", s.name) for s in self.scorings]
        return found


@dataclass(frozen=True)
class Dataset:
    """A Parquet dataset of the pipeline: ``path`` below the offline path, Hive-style ``dt=``/``hr=``
    partitions (UTC date and hour); ``kind`` is ``features``, ``archive`` (a source's on-time events)
    or ``scores`` (a scoring's rows)."""

    path: str
    kind: Literal["features", "archive", "scores"]
    owner: str
