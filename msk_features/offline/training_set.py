"""Point-in-time training sets: label rows joined to feature rows as of the label's time.

Labels are rows with the feature sets' entity key, a ``label_time`` (a timestamp, or text
``YYYY-MM-DDTHH:MM:SS[.mmm]Z``) and any other columns (the label itself, ids). For each label and
each named feature set, the training row takes that set's row of the same key whose time is the
latest at or before ``label_time``, never a later one:

- window sets: the latest window that *ended* at or before the label's time (``window_end <=
  label_time``: a window is known only once it has ended, so one ending 1 ms after the label is
  leakage and is not taken);
- per-event sets: the event's own row when the label is at the event's time (the latest event row
  at or before it); a label column that is also one of the set's own columns (e.g. ``txn_id``) must
  match too, so equal times of two events cannot mix them up. Such a row was computed when the event
  happened (its as-of columns, e.g. a profile version, are the ones in force then), so nothing
  updated after the label can leak in.

A feature set without a row at or before a label gives nulls. The result keeps the labels' columns
and order, then each set's columns as ``<set>__<column>``, the row's time included (for audit).

:func:`build_training_set` is the ``msk-features training-set`` command: it reads the labels and
the feature sets' rows (from the live datasets, ``features/<set>``, or from backfill runs,
``backfill/<run>/features/<set>``: :func:`read_datasets`), joins them and writes one Parquet file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from flink_jobs.config import AppConfig, ConfigError, OfflineConfig
from flink_jobs.features import FeatureSet, WindowFeatures
from flink_jobs.features.compiler import row_time_column
from flink_jobs.pipelines import get_pipeline
from msk_features.operations.outputs import read_offline

__all__ = [
    "LABEL_TIME",
    "LIVE",
    "TrainingSetError",
    "TrainingSetReport",
    "build_training_set",
    "point_in_time",
    "read_datasets",
    "source_prefixes",
    "summary",
]

LABEL_TIME = "label_time"
LIVE = "live"
"""The source name of the live job's datasets (``features/<set>``), as opposed to a backfill run."""


class TrainingSetError(ValueError):
    """The labels or the feature sets cannot be joined; the message says why and what to change."""


def _utc(series: pd.Series, what: str) -> pd.Series:
    try:
        moments = pd.to_datetime(series, utc=True, format="ISO8601" if series.dtype == object else None)
    except (ValueError, TypeError) as exc:
        raise TrainingSetError(f"{what}: not timestamps ({exc})") from None
    return moments.astype("datetime64[ns, UTC]")  # one resolution on both sides of the join


def point_in_time(labels: pa.Table, feature_sets: Sequence[tuple[FeatureSet, pa.Table]]) -> pa.Table:
    """Join ``labels`` to each ``(feature set, its rows)`` as of ``label_time`` (module docstring)."""
    if LABEL_TIME not in labels.column_names:
        raise TrainingSetError(
            f"the labels have no '{LABEL_TIME}' column (columns: {', '.join(labels.column_names)})"
        )
    keys = {fs.source.key for fs, _ in feature_sets}
    if len(keys) != 1:
        raise TrainingSetError(
            f"the feature sets have different entity keys ({', '.join(sorted(keys))}): join one key"
        )
    (key,) = keys
    if key not in labels.column_names:
        raise TrainingSetError(f"the labels have no '{key}' column, the feature sets' entity key")
    left = labels.to_pandas()
    left["__order"] = range(len(left))
    left["__label_time"] = _utc(left[LABEL_TIME], f"labels column '{LABEL_TIME}'")
    if left["__label_time"].isna().any():
        raise TrainingSetError(f"{int(left['__label_time'].isna().sum())} labels have no '{LABEL_TIME}'")
    left = left.sort_values("__label_time", kind="stable")
    for fs, rows in feature_sets:
        left = _join_one(left, fs, rows, key)
    left = left.sort_values("__order").drop(columns=["__order", "__label_time"])
    return pa.Table.from_pandas(left, preserve_index=False)


def _join_one(left: pd.DataFrame, fs: FeatureSet, rows: pa.Table, key: str) -> pd.DataFrame:
    time = row_time_column(fs)
    if time not in rows.column_names:
        raise TrainingSetError(
            f"feature set '{fs.name}' has no rows to join (no finished Parquet files): run the job or a "
            "backfill first, or name another --source"
        )
    right = rows.to_pandas().drop(columns=[c for c in ("dt", "hr") if c in rows.column_names])
    right["__row_time"] = _utc(right[time], f"{fs.name}.{time}")
    exact = [] if isinstance(fs, WindowFeatures) else [c for c in fs.columns if c in left.columns]
    by = [key, *exact]
    renamed = {c: f"{fs.name}__{c}" for c in right.columns if c not in by and c != "__row_time"}
    right = right.rename(columns=renamed).sort_values("__row_time", kind="stable")
    for column in by:
        if str(left[column].dtype) != str(right[column].dtype):
            right[column] = right[column].astype(left[column].dtype)
    left = left.sort_values("__label_time", kind="stable")
    joined = pd.merge_asof(
        left,
        right,
        left_on="__label_time",
        right_on="__row_time",
        by=by,
        direction="backward",
        allow_exact_matches=True,
    )
    return joined.drop(columns=["__row_time"])


def summary(table: pa.Table, feature_sets: Sequence[FeatureSet]) -> dict[str, Any]:
    """Labels, and per feature set how many labels found a row."""
    found = {}
    for fs in feature_sets:
        column = f"{fs.name}__{row_time_column(fs)}"
        found[fs.name] = (
            table.num_rows - table.column(column).null_count if column in table.column_names else 0
        )
    return dict(labels=table.num_rows, with_a_row=found)


# --------------------------------------------------------------------------------------------------
# The command: read, join, write
# --------------------------------------------------------------------------------------------------


def source_prefixes(sources: Sequence[str]) -> list[str]:
    """The dataset prefix of each source: ``""`` for :data:`LIVE` (the default when ``sources`` is
    empty), ``<run>/`` for a backfill run such as ``backfill/<run>``."""
    return ["" if source in ("", LIVE) else f"{source.strip('/')}/" for source in sources or (LIVE,)]


def read_datasets(offline: OfflineConfig, prefixes: Sequence[str], dataset: str) -> pa.Table:
    """``<prefix><dataset>`` under every prefix as one table (columns promoted to a common schema);
    a table without columns when no prefix holds a finished file."""
    tables = [t for t in (read_offline(offline, f"{p}{dataset}") for p in prefixes) if t.num_columns]
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables, promote_options="permissive")


@dataclass(frozen=True)
class TrainingSetReport:
    """A training set written to ``out``: its labels, per feature set how many labels found a row,
    and its columns (the labels', then ``<set>__<column>``)."""

    out: Path
    labels: int
    with_a_row: dict[str, int]
    columns: list[str]


def _read_labels(offline: OfflineConfig, labels: str) -> pa.Table:
    """A local Parquet file or folder if ``labels`` names one, else a dataset under the offline path."""
    import pyarrow.dataset as pads

    local = Path(labels)
    if local.exists():
        return pads.dataset(str(local), format="parquet").to_table()
    table = read_offline(offline, labels.strip("/"))
    if table.num_columns == 0:
        raise TrainingSetError(f"no labels at {labels} (neither a local path nor under {offline.path})")
    return table


def build_training_set(
    cfg: AppConfig,
    pipeline: str,
    labels: str,
    feature_sets: Sequence[str],
    out: Path,
    sources: Sequence[str] = (),
) -> TrainingSetReport:
    """Join ``labels`` to ``pipeline``'s ``feature_sets`` as of each label's time
    (:func:`point_in_time`) and write the result to the Parquet file ``out``.

    ``labels``: a local Parquet file or folder, else a dataset under ``cfg``'s offline path.
    ``sources``: where the feature sets' rows are read (:func:`source_prefixes`; default the live
    datasets). Raises :class:`ConfigError` for an unknown feature set or no offline path, and
    :class:`TrainingSetError` when the labels or rows cannot be read or joined.
    """
    import pyarrow.parquet as pq

    spec = get_pipeline(pipeline)
    by_name = {fs.name: fs for fs in spec.feature_sets}
    unknown = [n for n in feature_sets if n not in by_name]
    if unknown:
        raise ConfigError(
            "training-set",
            "--feature-set",
            f"pipeline '{spec.name}' has no feature set named '{unknown[0]}'",
            "one of " + ", ".join(by_name),
        )
    if cfg.offline is None:
        raise ConfigError("offline", "path", "the feature sets are read from the offline path", "the group")
    label_table = _read_labels(cfg.offline, labels)
    prefixes = source_prefixes(sources)
    chosen = [by_name[n] for n in feature_sets]
    inputs = [(fs, read_datasets(cfg.offline, prefixes, f"features/{fs.name}")) for fs in chosen]
    table = point_in_time(label_table, inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out)
    return TrainingSetReport(out, table.num_rows, summary(table, chosen)["with_a_row"], table.column_names)
