"""The history a feature set's rows need, and what that means for a set added to a running job.

A row of a feature set depends on the events of a bounded stretch of time before it: a window row
on the events of its window, a per-event row on those of its rolling ranges. :func:`lookback` is
the longest such stretch of a list of sets; a backfill reads that much before its range, and a job
that starts a set without history (:func:`complete_from`) emits the set's rows only once they
cannot miss an event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flink_jobs.config import GROUP_PIPELINE, ConfigError, PipelineConfig
from flink_jobs.features.aggregations import SecondsSinceLatest
from flink_jobs.features.feature_sets import EventFeatures, FeatureSet, PipelineSpec, WindowFeatures
from flink_jobs.features.sources import Source
from flink_jobs.features.windows import Cumulate, Hopping, Session, Tumbling

__all__ = [
    "SESSION_LOOKBACK",
    "complete_from",
    "lookback",
    "pick_feature_sets",
    "running_feature_sets",
    "sources_of",
]

SESSION_LOOKBACK = timedelta(days=1)
"""History assumed for a session window set: a session that began earlier than this before the
first row is cut (a backfill reads more with ``backfill.lookback.seconds``)."""


def lookback(feature_sets: Sequence[FeatureSet]) -> timedelta:
    """The history that makes a row of any of ``feature_sets`` complete: for windows the window size
    (sessions: their gap, at least :data:`SESSION_LOOKBACK`), for per-event sets the longest
    rolling range and ``SecondsSinceLatest`` bound."""
    needs = [timedelta(0)]
    for fs in feature_sets:
        if isinstance(fs, WindowFeatures):
            window = fs.window
            if isinstance(window, Tumbling | Hopping | Cumulate):
                needs.append(window.size)
            elif isinstance(window, Session):
                needs.append(max(window.gap, SESSION_LOOKBACK))
        else:
            needs.append(fs.window.range)
            for rel in fs.related:
                needs.append(rel.window.range)
                needs += [a.within for a in rel.aggregations if isinstance(a, SecondsSinceLatest)]
    return max(needs)


def sources_of(feature_sets: Sequence[FeatureSet]) -> list[Source]:
    """The sources whose events the rows of ``feature_sets`` depend on (each set's own, its related
    streams and its as-of enrichments), each once, in first-seen order."""
    found: dict[str, Source] = {}
    for fs in feature_sets:
        found.setdefault(fs.source.name, fs.source)
        if isinstance(fs, EventFeatures):
            for rel in fs.related:
                found.setdefault(rel.source.name, rel.source)
            for asof in fs.enrich:
                found.setdefault(asof.source.name, asof.source)
    return list(found.values())


def pick_feature_sets(spec: PipelineSpec, names: Sequence[str], group: str, key: str) -> list[FeatureSet]:
    """The feature sets ``names`` names (all when empty), in spec order; a :class:`ConfigError`
    naming ``group``/``key`` for a name the spec does not have."""
    known = spec.feature_set_names()
    for name in names:
        if name not in known:
            raise ConfigError(
                group,
                key,
                f"pipeline '{spec.name}' has no feature set named '{name}'",
                "comma-separated names among " + ", ".join(known),
            )
    wanted = set(names) or set(known)
    return [fs for fs in spec.feature_sets if fs.name in wanted]


def running_feature_sets(spec: PipelineSpec, pipeline: PipelineConfig) -> list[FeatureSet]:
    """The feature sets ``pipeline.feature.sets`` names (all when empty), in spec order."""
    return pick_feature_sets(spec, pipeline.feature_sets, GROUP_PIPELINE, "feature.sets")


def complete_from(spec: PipelineSpec, pipeline: PipelineConfig) -> dict[str, datetime]:
    """Each added feature set -> the first instant from which its rows are complete.

    The added set's operators start empty at ``switch.over`` (every event read before is at an
    earlier event time), so a row at time ``t`` is complete when all it depends on is at or after
    ``switch.over``: ``t >= switch.over + lookback([set])`` (a window row: its ``window_end``; a
    per-event row: the event time). A set that enriches as-of a versioned source is refused: the
    version current at an event may be from any time before, so no instant makes its rows complete.
    """
    pick_feature_sets(spec, pipeline.added_feature_sets, GROUP_PIPELINE, "added.feature.sets")
    if pipeline.switch_over is None:
        return {}
    running = {fs.name: fs for fs in running_feature_sets(spec, pipeline)}
    out: dict[str, datetime] = {}
    for name in pipeline.added_feature_sets:
        fs = running.get(name)
        if fs is None:
            raise ConfigError(
                GROUP_PIPELINE,
                "added.feature.sets",
                f"'{name}' is not among the feature sets this job runs",
                "names among pipeline.feature.sets: " + ", ".join(running),
            )
        if isinstance(fs, EventFeatures) and fs.enrich:
            versioned = ", ".join(a.source.name for a in fs.enrich)
            raise ConfigError(
                GROUP_PIPELINE,
                "added.feature.sets",
                f"'{name}' enriches as-of {versioned}, whose current version may date from any time "
                "before the switch-over: added to a running job it would miss it",
                "feature sets without as-of enrichment; for this one, start the new version without "
                "the savepoint, reading the inputs from the start (docs/evolving.md)",
            )
        out[name] = pipeline.switch_over + lookback([fs])
    return out
