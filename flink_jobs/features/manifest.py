"""A pipeline's manifest: everything its spec implies outside the job, as JSON-ready data.

The manifest lists the pipeline's sources (topic, key, event time, contract), its feature sets
(topic, columns), its scorings (feature set, model inputs, topic, columns), every topic it reads or
writes (role, owner, partitions, compaction, retention) and its Parquet datasets. The local stack,
``msk-features topics apply`` and Terraform (through ``terraform/examples/*/<pipeline>.manifest.json``,
written by ``msk-features manifest``) all take their topic lists from it instead of keeping their
own. Topic names and sizes are those of the
``topics`` properties given (defaults when none).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flink_jobs.features.compiler import output_columns, validate
from flink_jobs.features.compiler.scoring import score_columns
from flink_jobs.features.feature_sets import PipelineSpec, WindowFeatures
from flink_jobs.features.scoring import describe
from flink_jobs.topics import TopicsConfig

__all__ = ["MANIFEST_FORMAT", "manifest"]

MANIFEST_FORMAT = 1
"""Bumped when a key changes meaning or goes away (Terraform checks it)."""


def manifest(spec: PipelineSpec, topics: TopicsConfig | None = None, offline_path: str | None = None) -> dict:
    """The manifest of ``spec`` with ``topics`` (names, partitions, retention) and, when given, the
    datasets' full locations under ``offline_path``."""
    validate(spec)
    cfg = topics or TopicsConfig()
    topic_specs = spec.topics(cfg)
    by_owner = {(t.role, t.owner): t.name for t in topic_specs}
    return {
        "format": MANIFEST_FORMAT,
        "pipeline": spec.name,
        "description": spec.description,
        "sources": [
            {
                "name": s.name,
                "topic": by_owner[("input", s.name)],
                "key": s.key,
                "event_time": s.event_time,
                "versioned": s.versioned,
                "archive": s.archive,
                "fields": [_field(f) for f in s.schema.fields],
            }
            for s in spec.sources
        ],
        "feature_sets": [
            {
                "name": fs.name,
                "kind": "window" if isinstance(fs, WindowFeatures) else "event",
                "source": fs.source.name,
                "topic": by_owner[("features", fs.name)],
                "key": fs.source.key,
                "columns": [{"name": n, "type": t} for n, t in output_columns(fs)],
                "description": fs.description,
            }
            for fs in spec.feature_sets
        ],
        "scorings": [
            {
                "name": s.name,
                "feature_set": s.features.name,
                "inputs": [describe(i) for i in s.inputs],
                "output": s.output,
                "topic": by_owner[("scores", s.name)],
                "key": s.source.key,
                "columns": [{"name": n, "type": t} for n, t in score_columns(s)],
                "description": s.description,
            }
            for s in spec.scorings
        ],
        "topics": [asdict(t) for t in topic_specs],
        "datasets": [
            {**asdict(d), "location": f"{offline_path}/{d.path}" if offline_path else None}
            for d in spec.datasets()
        ],
    }


def _field(field: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"name": field.name, "kind": field.kind}
    if field.pattern:
        out["pattern"] = field.pattern
    if field.choices:
        out["choices"] = list(field.choices)
    if field.description:
        out["description"] = field.description
    return out
