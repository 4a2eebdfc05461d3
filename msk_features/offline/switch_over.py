"""The switch-over of a feature set added to a running pipeline, read from the raw archive.

docs/evolving.md: the new version restores the old one's snapshot and runs the added sets from
``switch.over`` = S, an instant after the event time of every event the old job read of the sources
those sets depend on. Once the old job is stopped with a snapshot, its archive holds every on-time
event it read (late ones have earlier event times than some on-time one; invalid ones none), so S
is the latest archived event time of those sources plus 1 ms (the archive's resolution). Each
added set is complete from S plus its own history (:func:`~flink_jobs.features.compiler.history.
complete_from`); a backfill from the first archived event up to that instant gives the rows before.

Archives are partitioned by event time (``dt``/``hr``), so the latest and earliest events are read
from the last and first partition only, not the whole archive.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow.compute as pc

from flink_jobs.config import GROUP_PIPELINE, ConfigError, OfflineConfig, PipelineConfig
from flink_jobs.features.compiler.history import complete_from, pick_feature_sets, sources_of
from flink_jobs.features.feature_sets import PipelineSpec
from flink_jobs.features.sources import Source
from msk_features.operations.outputs import list_offline_files, read_offline, utc_text

__all__ = ["ARCHIVE_RESOLUTION", "SwitchOver", "archived_span", "plan_switch_over"]

ARCHIVE_RESOLUTION = timedelta(milliseconds=1)
"""Event times are TIMESTAMP(3): the next instant after the latest archived event is 1 ms later."""
_PARTITION = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/hr=(\d{2})/[^/]+$")


def _data_partitions(offline: OfflineConfig, dataset: str) -> list[tuple[str, str]]:
    """The ``(dt, hr)`` partitions of ``dataset`` holding a finished data file, oldest first."""
    found = set()
    for path in list_offline_files(offline, dataset):
        name = path.rsplit("/", 1)[-1]
        match = _PARTITION.search(path)
        if match and not name.startswith((".", "_")):
            found.add((match.group(1), match.group(2)))
    return sorted(found)


def archived_span(offline: OfflineConfig, source: Source) -> tuple[datetime, datetime] | None:
    """The earliest and latest event time in ``source``'s archive (UTC), or None when it is empty."""
    dataset = f"events/{source.name}"
    partitions = _data_partitions(offline, dataset)
    if not partitions:
        return None

    def extreme(partition: tuple[str, str], which: str) -> datetime:
        table = read_offline(offline, f"{dataset}/dt={partition[0]}/hr={partition[1]}")
        value = getattr(pc, which)(table.column(source.event_time)).as_py()
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    return extreme(partitions[0], "min"), extreme(partitions[-1], "max")


@dataclass(frozen=True)
class SwitchOver:
    """What the new version of a pipeline needs to add ``feature_sets`` to a running job."""

    pipeline: str
    feature_sets: tuple[str, ...]
    switch_over: datetime
    spans: dict[str, tuple[datetime, datetime]]  # source -> (earliest, latest) archived event time
    complete_from: dict[str, datetime]

    @property
    def history_from(self) -> datetime:
        """The earliest archived event of the sources: where the added sets' history begins."""
        return min(first for first, _ in self.spans.values())

    def backfill_command(self, name: str) -> str:
        """The ``msk-features backfill`` that gives ``name``'s rows before the job serves them."""
        return (
            f"msk-features backfill {self.pipeline} --feature-set {name} "
            f"--from {utc_text(self.history_from)} --to {utc_text(self.complete_from[name])}"
        )

    def report(self) -> dict[str, Any]:
        """JSON-ready (``--output json``)."""
        return {
            "pipeline": self.pipeline,
            "switch_over": utc_text(self.switch_over),
            "properties": {
                GROUP_PIPELINE: {
                    "added.feature.sets": ",".join(self.feature_sets),
                    "switch.over": utc_text(self.switch_over),
                }
            },
            "archived": {
                source: {"earliest": utc_text(first), "latest": utc_text(last)}
                for source, (first, last) in self.spans.items()
            },
            "feature_sets": [
                {
                    "feature_set": name,
                    "complete_from": utc_text(self.complete_from[name]),
                    "backfill": self.backfill_command(name),
                }
                for name in self.feature_sets
            ],
        }


def plan_switch_over(spec: PipelineSpec, offline: OfflineConfig, names: Sequence[str]) -> SwitchOver:
    """The switch-over for adding ``names`` to ``spec``'s running job, from its archive.

    Raises :class:`ConfigError` for an unknown or as-of enriched set, or when a source those sets
    read has nothing archived (then no instant is known to follow what the old job read)."""
    if not names:
        raise ConfigError(GROUP_PIPELINE, "added.feature.sets", "no feature set named", "--feature-set NAME")
    chosen = pick_feature_sets(spec, names, GROUP_PIPELINE, "added.feature.sets")
    spans: dict[str, tuple[datetime, datetime]] = {}
    for source in sources_of(chosen):
        span = archived_span(offline, source)
        if span is None:
            raise ConfigError(
                "offline",
                "path",
                f"nothing is archived under {offline.path}/events/{source.name}, so no switch-over "
                f"follows what the running job read of '{source.name}'",
                "the old job stopped with a snapshot after archiving (offline.path set), or start the "
                "new version without the snapshot",
            )
        spans[source.name] = span
    switch = max(last for _, last in spans.values()) + ARCHIVE_RESOLUTION
    pipeline = PipelineConfig(name=spec.name, added_feature_sets=tuple(names), switch_over=switch)
    complete = complete_from(spec, pipeline)  # refuses as-of enriched sets, naming the key
    return SwitchOver(spec.name, tuple(names), switch, spans, complete)
