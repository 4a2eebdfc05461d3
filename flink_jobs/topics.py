"""The Kafka topics of a pipeline: how they are named and sized, and what the spec says of each.

:class:`TopicsConfig` is the naming: the ``topics`` property group (a topic per source name, the
dead-letter and late-events topics, the partitions and retention of every topic the pipeline
creates) and the ``feature.topics`` group (a topic per feature set or scoring), with the defaults
of what they leave unnamed. :class:`TopicSpec` is one topic as the spec derives it
(:meth:`flink_jobs.features.PipelineSpec.topics`). The spec layer names its topics with this module
alone; the rest of the properties is :mod:`flink_jobs.config`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from flink_jobs.properties import ConfigError, declaration, integer, key_of, prop, property_group

__all__ = [
    "TopicRole",
    "TopicSpec",
    "TopicsConfig",
    "default_feature_topic",
    "default_scores_topic",
    "topic_name",
]

TopicRole = Literal["input", "dead_letter", "late_events", "features", "scores"]


@dataclass(frozen=True)
class TopicSpec:
    """A topic the pipeline reads or writes; the local stack and Terraform create exactly these.

    ``role`` says what it holds and ``owner`` whose it is (the source or feature set name; None for
    the pipeline's dead-letter and late-events topics)."""

    name: str
    partitions: int
    compacted: bool = False
    retention_ms: int | None = None
    role: TopicRole = "input"
    owner: str | None = None


def default_feature_topic(feature_set: str) -> str:
    """The topic of a feature set that ``feature.topics`` does not name: ``features-<name, _ as ->``."""
    return "features-" + feature_set.replace("_", "-")


def default_scores_topic(scoring: str) -> str:
    """The topic of a scoring that ``feature.topics`` does not name: ``scores-<name, _ as ->``."""
    return "scores-" + scoring.replace("_", "-")


def topic_name(value: str) -> str:
    """A Kafka topic name: 1 to 249 letters, digits, ``.``, ``_`` or ``-``."""
    if not re.fullmatch(r"[A-Za-z0-9._\-]{1,249}", value):
        raise ValueError(f"'{value}' is not a valid Kafka topic name")
    return value


@property_group("topics")
class TopicsConfig:
    """``topics`` and ``feature.topics``: topic names, and how the pipeline's topics are created.

    ``sources`` maps a source name (a key of the ``topics`` group, e.g. ``transactions``) to its
    topic; a source not named there reads the topic its spec names (by default its own name).
    ``feature_topics`` maps a feature set (or scoring) name to its output topic; one not named there
    writes to :func:`default_feature_topic` (:func:`default_scores_topic`). ``partitions`` and
    ``retention_ms`` apply to every topic the pipeline creates (``retention_ms`` to the delete-policy
    ones; a versioned source's topic is compacted: the latest value per key is kept forever).
    """

    sources: Mapping[str, str] = prop(
        "{name}",
        topic_name,
        "a Kafka topic name (default: the source's own)",
        key_form="a source name of the pipeline, e.g. transactions",
        default_factory=dict,
    )
    dead_letter: str = prop("dead.letter", topic_name, "a Kafka topic name", default="dead-letter")
    late_events: str = prop("late.events", topic_name, "a Kafka topic name", default="late-events")
    partitions: int = prop("partitions", integer(1, 10_000), "an integer from 1 to 10000", default=3)
    retention_ms: int = prop(
        "retention.ms",
        integer(-1),
        "milliseconds to keep records of non-compacted topics (-1: forever)",
        default=7 * 24 * 3600 * 1000,
    )
    feature_topics: Mapping[str, str] = prop(
        "{name}",
        topic_name,
        "a Kafka topic name (default features-<feature set>, '_' as '-')",
        key_form="a feature set name of the pipeline, e.g. txn_1m",
        group="feature.topics",
        default_factory=dict,
    )

    def source_topic(self, source: str, default: str | None = None) -> str:
        """The input topic of source ``source`` (``default``, else the source's name, if not named)."""
        return self.sources.get(source) or default or source

    def feature_topic(self, feature_set: str) -> str:
        """The output topic of ``feature_set``."""
        return self.feature_topics.get(feature_set) or default_feature_topic(feature_set)

    def scores_topic(self, scoring: str) -> str:
        """The output topic of ``scoring`` (named in ``feature.topics`` like a feature set's)."""
        return self.feature_topics.get(scoring) or default_scores_topic(scoring)

    def check_names(self, pipeline: str, sources: Sequence[str], outputs: Sequence[str]) -> None:
        """A :class:`ConfigError` if a key of ``topics`` names no source of pipeline ``pipeline``
        (``sources``), or a key of ``feature.topics`` none of its feature sets and scorings
        (``outputs``)."""
        by_source = key_of(TopicsConfig, "sources")
        keys = declaration(TopicsConfig).keys
        fixed = [key.key for key in keys if key.group == by_source.group and not key.is_open]
        by_output = key_of(TopicsConfig, "feature_topics")
        for key, what, named, known, extra in (
            (by_source, "source", self.sources, sources, f" (or a fixed key: {', '.join(fixed)})"),
            (by_output, "feature set or scoring", self.feature_topics, outputs, ""),
        ):
            for name in named:
                if name not in known:
                    raise ConfigError(
                        key.group,
                        name,
                        f"pipeline '{pipeline}' has no {what} named '{name}'",
                        "one of " + ", ".join(known) + extra,
                    )
