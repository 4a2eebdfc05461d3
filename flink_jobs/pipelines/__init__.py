"""The pipelines this application can run, by name (``pipeline.name`` in the runtime properties).

A new pipeline is a module here defining ``PIPELINE`` (a :class:`~flink_jobs.features.PipelineSpec`)
and one line in :data:`PIPELINES`.
"""

from __future__ import annotations

import importlib

from flink_jobs.config import GROUP_PIPELINE, ConfigError, TopicsConfig, TopicSpec
from flink_jobs.features import PipelineSpec

__all__ = ["PIPELINES", "get_pipeline", "pipeline_topics"]

PIPELINES: dict[str, str] = {
    "fraud": "flink_jobs.pipelines.fraud",
    "fraud_windows": "flink_jobs.pipelines.fraud_windows",
}


def get_pipeline(name: str) -> PipelineSpec:
    """The spec of pipeline ``name``; a :class:`ConfigError` naming ``pipeline.name`` if unknown."""
    if name not in PIPELINES:
        raise ConfigError(
            GROUP_PIPELINE, "name", f"unknown pipeline '{name}'", "one of " + ", ".join(PIPELINES)
        )
    spec = importlib.import_module(PIPELINES[name]).PIPELINE
    assert isinstance(spec, PipelineSpec)
    return spec


def pipeline_topics(topics: TopicsConfig | None = None, name: str = "fraud") -> list[TopicSpec]:
    """Every topic pipeline ``name`` reads or writes with ``topics`` (inputs, dead letters, late
    events and one topic per feature set): what the local stack and ``topics apply`` create."""
    return (topics or TopicsConfig()).specs(get_pipeline(name).feature_set_names())
