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
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flink_jobs.features import FeatureSet, WindowFeatures
from flink_jobs.features.compiler import output_columns, row_time_column
from msk_features.operations.outputs import utc_text

__all__ = ["DOUBLE_REL_TOL", "Comparison", "compare_rows", "identity_columns", "in_range"]

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
