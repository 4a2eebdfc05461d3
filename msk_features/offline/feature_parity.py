"""Online/offline parity: what the live job served against a backfill of the same range.

For each feature set, the live rows whose time (``window_end`` for window sets, the event time
otherwise) is in ``[from, to)`` are read from the Kafka topic (``read_committed``) and from the
live Parquet dataset, and each is compared with the backfill's rows (the same feature SQL over the
raw archive, :mod:`msk_features.offline.backfill`):

- a row's identity is its key columns: the entity key and the window bounds for window sets; the
  entity key, the event time and the event's own columns for per-event sets;
- *matched*: the same identity on both sides, every value equal; *different*: the same identity,
  some value not equal (counted per column); *missing*: in the backfill, not in the live output;
  *extra*: in the live output, not in the backfill;
- values compare exactly, except ``DOUBLE`` columns, equal within a relative :data:`DOUBLE_REL_TOL`
  (floating-point sums in another order differ in the last bits); ``pipeline_version`` is not
  compared (a backfill stamps the version it ran with).

A feature set added to the running job (``pipeline.added.feature.sets`` with ``switch.over``,
docs/evolving.md) is served only from the instant its rows are complete: the backfill's rows before
that instant have no live counterpart by design. They are counted as *not served*, with the instant,
not as missing; a live row before it is still compared.

Late records explain nothing here: the live job routed them to the late-events topic before any
feature and the archive does not hold them, so both sides leave them out; the report counts the
late records of the range so a reader sees them.

:func:`run_parity` is the ``msk-features parity`` command: the backfill of the range, then every
comparison, as one :class:`ParityReport`.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flink_jobs.config import AppConfig, BackfillConfig
from flink_jobs.features import FeatureSet, WindowFeatures
from flink_jobs.features.compiler import output_columns, row_time_column
from flink_jobs.features.compiler.backfill import selected_feature_sets
from flink_jobs.features.compiler.history import complete_from
from flink_jobs.pipelines import get_pipeline
from msk_features.kafka.auth import librdkafka_config
from msk_features.offline.backfill import BackfillRun, run_backfill
from msk_features.operations.outputs import (
    feature_rows_from_table,
    feature_rows_from_topic,
    read_offline,
    read_topic,
    utc_text,
)

__all__ = [
    "DOUBLE_REL_TOL",
    "Comparison",
    "ParityReport",
    "compare_rows",
    "identity_columns",
    "in_range",
    "run_parity",
]

DOUBLE_REL_TOL = 1e-9
"""Relative tolerance of DOUBLE values (a mean summed in another order differs in the last bits)."""
IGNORED = ("pipeline_version",)


@dataclass
class Comparison:
    """One feature set, one live output (``kafka`` or ``parquet``) against the backfill."""

    feature_set: str
    live: str
    matched: int = 0
    missing: list[dict[str, Any]] = field(default_factory=list)
    extra: list[dict[str, Any]] = field(default_factory=list)
    different: list[dict[str, Any]] = field(default_factory=list)  # {"key": ..., "column": (live, backfill)}
    columns: Counter[str] = field(default_factory=Counter)
    served_from: datetime | None = None  # an added feature set: the live job serves it from here
    not_served: int = 0  # backfill rows before ``served_from`` with no live row (by design)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.different)

    def report(self, examples: int) -> dict[str, Any]:
        return {
            "feature_set": self.feature_set,
            "live": self.live,
            "matched": self.matched,
            "missing": len(self.missing),
            "extra": len(self.extra),
            "different": len(self.different),
            "different_by_column": dict(self.columns),
            "served_from": None if self.served_from is None else utc_text(self.served_from),
            "not_served": self.not_served,
            "examples": {
                "missing": self.missing[:examples],
                "extra": self.extra[:examples],
                "different": self.different[:examples],
            },
        }


def identity_columns(fs: FeatureSet) -> tuple[str, ...]:
    """The columns that identify a row of ``fs`` (see the module docstring)."""
    if isinstance(fs, WindowFeatures):
        return (fs.source.key, "window_start", "window_end")
    return (fs.source.key, fs.source.event_time, *fs.columns)


def in_range(
    rows: Iterable[dict[str, Any]], fs: FeatureSet, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The rows whose time is in ``[start, end)`` (times are ``...T...Z`` texts, which sort as instants)."""
    column, low, high = row_time_column(fs), utc_text(start), utc_text(end)
    return [r for r in rows if low <= str(r[column]) < high]


def _normalise(fs: FeatureSet, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Kafka and Parquet rows in one shape: DOUBLE as float, DECIMAL as Decimal."""
    types = dict(output_columns(fs))
    out = []
    for row in rows:
        fixed = {}
        for name, value in row.items():
            sql_type = types.get(name, "")
            if value is not None and sql_type == "DOUBLE":
                value = float(value)
            elif value is not None and sql_type.startswith("DECIMAL") and not isinstance(value, Decimal):
                value = Decimal(str(value))
            fixed[name] = value
        out.append(fixed)
    return out


def _equal(a: Any, b: Any, sql_type: str) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if sql_type == "DOUBLE":
        return math.isclose(float(a), float(b), rel_tol=DOUBLE_REL_TOL, abs_tol=0.0)
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(a == b)


def compare_rows(
    fs: FeatureSet,
    live_name: str,
    live: Sequence[dict[str, Any]],
    backfill: Sequence[dict[str, Any]],
    served_from: datetime | None = None,
) -> Comparison:
    """Compare ``live`` rows with ``backfill`` rows of ``fs`` (both already limited to the range).

    ``served_from``: ``fs`` was added to the running job and is served from that instant; backfill
    rows before it that the live output lacks count as :attr:`Comparison.not_served`."""
    types = dict(output_columns(fs))
    ids = identity_columns(fs)
    result = Comparison(fs.name, live_name, served_from=served_from)

    def index(rows: Sequence[dict[str, Any]]) -> dict[tuple, list[dict[str, Any]]]:
        found: dict[tuple, list[dict[str, Any]]] = {}
        for row in _normalise(fs, rows):
            found.setdefault(tuple(row.get(c) for c in ids), []).append(row)
        return found

    live_by_id, backfill_by_id = index(live), index(backfill)
    for key in sorted(set(live_by_id) | set(backfill_by_id), key=repr):
        ours, theirs = live_by_id.get(key, []), backfill_by_id.get(key, [])
        for l_row, b_row in zip(ours, theirs, strict=False):
            changed = {
                c: (l_row.get(c), b_row.get(c))
                for c in types
                if c not in ids and c not in IGNORED and not _equal(l_row.get(c), b_row.get(c), types[c])
            }
            if changed:
                result.different.append({"key": dict(zip(ids, key, strict=True)), "values": changed})
                result.columns.update(changed.keys())
            else:
                result.matched += 1
        result.extra += ours[len(theirs) :]
        result.missing += theirs[len(ours) :]
    if served_from is not None:
        column, first = row_time_column(fs), utc_text(served_from)
        unserved = [r for r in result.missing if _text_time(r[column]) < first]
        result.missing = [r for r in result.missing if _text_time(r[column]) >= first]
        result.not_served = len(unserved)
    return result


def _text_time(value: Any) -> str:
    """A row time as the ``…T…Z`` text that sorts as the instant (rows hold text or datetimes)."""
    return utc_text(value) if isinstance(value, datetime) else str(value)


# --------------------------------------------------------------------------------------------------
# The command: backfill the range, compare every feature set
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParityReport:
    """The backfill a range was compared with, one :class:`Comparison` per feature set and live
    output, and the late records of the range (None when Kafka was not read)."""

    pipeline: str
    backfill: BackfillRun
    comparisons: list[Comparison]
    late_records_in_range: int | None

    @property
    def ok(self) -> bool:
        """No comparison found a difference."""
        return all(c.ok for c in self.comparisons)


def run_parity(
    cfg: AppConfig,
    pipeline: str | None,
    job: BackfillConfig,
    properties_dir: Path,
    timeout_s: float = 3600.0,
    kafka: bool = True,
    progress: Callable[[str], object] | None = None,
) -> ParityReport:
    """Backfill ``job``'s range of ``pipeline`` (:func:`msk_features.offline.backfill.run_backfill`,
    run ``parity-<from>_<to>`` unless ``job`` names one), then compare, per selected feature set,
    its live Parquet rows of the range and (with ``kafka``) its topic's rows (``read_committed``)
    with the backfill's (:func:`compare_rows`); count the range's late records (module docstring).

    ``progress`` is told what is being done. Raises what :func:`run_backfill` raises
    (:class:`~flink_jobs.config.ConfigError` for a user mistake, before any JVM starts).
    """
    spec = get_pipeline(pipeline)
    if job.run is None:
        job = dataclasses.replace(job, run="parity-" + job.run_name())
    run = run_backfill(cfg, spec.name, job, properties_dir, timeout_s, status=progress)
    offline = cfg.offline
    assert offline is not None  # run_backfill checked it
    served_from = complete_from(spec, cfg.pipeline)
    start, end = job.start, job.end
    comparisons = []
    for fs in selected_feature_sets(spec, job):
        if progress is not None:
            progress(f"comparing {fs.name} with the live output")
        recomputed = feature_rows_from_table(
            read_offline(offline, f"{run.dataset_prefix}/features/{fs.name}")
        )
        live_parquet = in_range(
            feature_rows_from_table(read_offline(offline, f"features/{fs.name}")), fs, start, end
        )
        since = served_from.get(fs.name)
        comparisons.append(compare_rows(fs, "parquet", live_parquet, recomputed, since))
        if kafka:
            records = read_topic(librdkafka_config(cfg.kafka), cfg.topics.feature_topic(fs.name))
            live_kafka = in_range(feature_rows_from_topic(records), fs, start, end)
            comparisons.append(compare_rows(fs, "kafka", live_kafka, recomputed, since))
    inputs = {cfg.topics.source_topic(s.name, s.topic) for s in spec.sources}
    late = _late_in_range(cfg, inputs, start, end) if kafka else None
    return ParityReport(spec.name, run, comparisons, late)


def _late_in_range(cfg: AppConfig, inputs: set[str], start: datetime, end: datetime) -> int:
    """Late records of the pipeline's inputs (``inputs``: their topics) in the range, from the
    late-events topic (which pipelines may share): in neither side, by design."""
    low, high = utc_text(start), utc_text(end)
    count = 0
    for record in read_topic(librdkafka_config(cfg.kafka), cfg.topics.late_events):
        when = record.headers.get("late.event_time", b"").decode()
        count += record.headers.get("late.topic", b"").decode() in inputs and low <= when < high
    return count
