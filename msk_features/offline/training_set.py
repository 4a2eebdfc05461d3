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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from flink_jobs.features import FeatureSet, WindowFeatures
from flink_jobs.features.compiler import row_time_column

__all__ = ["LABEL_TIME", "TrainingSetError", "point_in_time", "summary"]

LABEL_TIME = "label_time"


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
    return {"labels": table.num_rows, "with_a_row": found}
