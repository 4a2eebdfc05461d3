"""The pipelines this application can run, by name (``pipeline.name`` in the runtime properties).

A pipeline is a module that defines ``PIPELINE`` (a :class:`~flink_jobs.features.PipelineSpec`);
the module's name is the pipeline's name. Nothing else lists them: adding a module adds a pipeline.
The modules are looked for in this package (the shipped pipelines), then in each package named in
``$MSK_FEATURES_PIPELINE_PACKAGES`` (:data:`ENV_PIPELINE_PACKAGES`: comma-separated importable
package names, e.g. ``msk_features.bench.pipelines``, the benchmark's subset); one name may be
defined once.

Which pipeline runs: the one named (``pipeline.name``, or a command's ``PIPELINE`` argument);
without a name, the only pipeline there is, and with several a :class:`ConfigError` listing them
(:func:`resolve_pipeline_name`). Every helper here takes that name (``None``: not named) and
resolves it the same way; none defaults to a pipeline.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Iterable

from flink_jobs.config import GROUP_PIPELINE, ConfigError
from flink_jobs.features import PipelineSpec
from flink_jobs.topics import TopicsConfig, TopicSpec, default_feature_topic, default_scores_topic

__all__ = [
    "ENV_PIPELINE_PACKAGES",
    "get_pipeline",
    "input_topics",
    "output_topics",
    "pipeline_names",
    "pipeline_packages",
    "pipeline_topics",
    "prefixed_topics",
    "resolve_pipeline_name",
    "topics_of",
]

ENV_PIPELINE_PACKAGES = "MSK_FEATURES_PIPELINE_PACKAGES"
"""Packages holding more pipeline modules, comma-separated (importable names, not paths)."""

_ENVIRONMENT = "(environment)"


def pipeline_packages() -> list[str]:
    """Where pipelines are looked for, in order: this package, then the packages named in
    ``$MSK_FEATURES_PIPELINE_PACKAGES``."""
    named = [part.strip() for part in os.environ.get(ENV_PIPELINE_PACKAGES, "").split(",")]
    return list(dict.fromkeys([__name__, *(part for part in named if part)]))


def _modules() -> dict[str, str]:
    """Pipeline name -> the module defining it, over :func:`pipeline_packages`."""
    found: dict[str, str] = {}
    for package in pipeline_packages():
        try:
            path = getattr(importlib.import_module(package), "__path__", None)
        except ImportError as exc:
            raise ConfigError(
                _ENVIRONMENT,
                ENV_PIPELINE_PACKAGES,
                f"cannot import package '{package}': {exc}",
                "comma-separated names of importable packages of pipeline modules",
            ) from None
        if path is None:
            raise ConfigError(
                _ENVIRONMENT,
                ENV_PIPELINE_PACKAGES,
                f"'{package}' is a module, not a package",
                "comma-separated names of packages (folders with __init__.py) of pipeline modules",
            )
        for module in pkgutil.iter_modules(path):
            if module.name.startswith("_"):
                continue
            if module.name in found:
                raise ConfigError(
                    GROUP_PIPELINE,
                    "name",
                    f"pipeline '{module.name}' is defined twice: {found[module.name]} and "
                    f"{package}.{module.name}",
                    "one module per pipeline name: rename one",
                )
            found[module.name] = f"{package}.{module.name}"
    return found


def pipeline_names() -> list[str]:
    """The names of the pipelines (modules of :func:`pipeline_packages`), sorted."""
    return sorted(_modules())


def resolve_pipeline_name(name: str | None) -> str:
    """``name`` if given, else the only pipeline there is; a :class:`ConfigError` naming
    ``pipeline.name`` and listing the pipelines when there are several (or none)."""
    if name is not None:
        return name
    names = pipeline_names()
    if len(names) == 1:
        return names[0]
    raise ConfigError(
        GROUP_PIPELINE,
        "name",
        f"no pipeline is named and there are {len(names)} to choose from",
        "one of " + ", ".join(names)
        if names
        else f"a pipeline module in one of {', '.join(pipeline_packages())}",
    )


def get_pipeline(name: str | None) -> PipelineSpec:
    """The spec of pipeline ``name`` (``None``: see :func:`resolve_pipeline_name`); a
    :class:`ConfigError` naming ``pipeline.name`` if unknown."""
    chosen = resolve_pipeline_name(name)
    modules = _modules()
    if chosen not in modules:
        raise ConfigError(
            GROUP_PIPELINE, "name", f"unknown pipeline '{chosen}'", "one of " + ", ".join(sorted(modules))
        )
    spec = getattr(importlib.import_module(modules[chosen]), "PIPELINE", None)
    if not isinstance(spec, PipelineSpec):
        raise ConfigError(
            GROUP_PIPELINE,
            "name",
            f"module {modules[chosen]} defines no PIPELINE",
            "a module that sets PIPELINE = PipelineSpec(...)",
        )
    return spec


def pipeline_topics(topics: TopicsConfig | None, name: str | None) -> list[TopicSpec]:
    """Every topic pipeline ``name`` reads or writes with ``topics`` (inputs, dead letters, late
    events and one topic per feature set): what the local stack and ``topics apply`` create."""
    return get_pipeline(name).topics(topics)


def prefixed_topics(prefix: str, name: str | None, partitions: int = 3) -> TopicsConfig:
    """Every topic of pipeline ``name`` under ``prefix`` (e.g. ``t1-<source topic>``): topics that
    no other run on a shared broker uses."""
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


def input_topics(topics: TopicsConfig | None, name: str | None) -> list[TopicSpec]:
    """The input topics of pipeline ``name`` (one per source), as ``topics`` names them."""
    return [spec for spec in pipeline_topics(topics, name) if spec.role == "input"]


def output_topics(topics: TopicsConfig | None, name: str | None) -> list[TopicSpec]:
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
