"""The pipelines this application can run, by name (``pipeline.name`` in the runtime properties).

A pipeline is a module of this package that defines ``PIPELINE`` (a
:class:`~flink_jobs.features.PipelineSpec`); the module's name is the pipeline's name. Nothing else
lists them: adding a module adds a pipeline.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from flink_jobs.config import (
    GROUP_PIPELINE,
    ConfigError,
    TopicsConfig,
    TopicSpec,
    default_feature_topic,
    default_scores_topic,
)
from flink_jobs.features import PipelineSpec

__all__ = [
    "get_pipeline",
    "input_topics",
    "output_topics",
    "pipeline_names",
    "pipeline_topics",
    "prefixed_topics",
    "topics_of",
]


def pipeline_names() -> list[str]:
    """The names of the modules of this package (each one pipeline), sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def get_pipeline(name: str) -> PipelineSpec:
    """The spec of pipeline ``name``; a :class:`ConfigError` naming ``pipeline.name`` if unknown."""
    names = pipeline_names()
    if name not in names:
        raise ConfigError(GROUP_PIPELINE, "name", f"unknown pipeline '{name}'", "one of " + ", ".join(names))
    spec = getattr(importlib.import_module(f"{__name__}.{name}"), "PIPELINE", None)
    if not isinstance(spec, PipelineSpec):
        raise ConfigError(
            GROUP_PIPELINE,
            "name",
            f"module {__name__}.{name} defines no PIPELINE",
            "a module that sets PIPELINE = PipelineSpec(...)",
        )
    return spec


def pipeline_topics(topics: TopicsConfig | None = None, name: str = "fraud") -> list[TopicSpec]:
    """Every topic pipeline ``name`` reads or writes with ``topics`` (inputs, dead letters, late
    events and one topic per feature set): what the local stack and ``topics apply`` create."""
    return get_pipeline(name).topics(topics)


def prefixed_topics(prefix: str, name: str = "fraud", partitions: int = 3) -> TopicsConfig:
    """Every topic of pipeline ``name`` under ``prefix`` (e.g. ``t1-transactions``): topics that no
    other run on a shared broker uses."""
    spec = get_pipeline(name)
    return TopicsConfig(
        sources={s.name: f"{prefix}{s.topic or s.name}" for s in spec.sources},
        dead_letter=f"{prefix}dead-letter",
        late_events=f"{prefix}late-events",
        partitions=partitions,
        feature_topics={
            **{fs: f"{prefix}{default_feature_topic(fs)}" for fs in spec.feature_set_names()},
            **{s: f"{prefix}{default_scores_topic(s)}" for s in spec.scoring_names()},
        },
    )


def input_topics(topics: TopicsConfig | None = None, name: str = "fraud") -> list[TopicSpec]:
    """The input topics of pipeline ``name`` (one per source), as ``topics`` names them."""
    return [spec for spec in pipeline_topics(topics, name) if spec.role == "input"]


def output_topics(topics: TopicsConfig | None = None, name: str = "fraud") -> list[TopicSpec]:
    """The topics pipeline ``name`` writes (dead letters, late events, features, scores)."""
    return [spec for spec in pipeline_topics(topics, name) if spec.role != "input"]


def topics_of(names: Iterable[str], topics: TopicsConfig | None = None) -> list[TopicSpec]:
    """The topics of several pipelines, each once (pipelines share inputs and dead letters); a
    :class:`ConfigError` if two pipelines need one topic with different settings."""
    found: dict[str, tuple[str, TopicSpec]] = {}
    for name in names:
        for spec in pipeline_topics(topics, name):
            if spec.name not in found:
                found[spec.name] = (name, spec)
                continue
            other, seen = found[spec.name]
            if (seen.partitions, seen.compacted, seen.retention_ms) != (
                spec.partitions,
                spec.compacted,
                spec.retention_ms,
            ):
                raise ConfigError(
                    GROUP_PIPELINE,
                    "name",
                    f"pipelines '{other}' and '{name}' both use topic '{spec.name}' with different settings",
                    "one topic name per setting: rename one in the topics property group",
                )
    return [spec for _, spec in found.values()]
