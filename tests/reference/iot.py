"""An independent reference of the IoT pipeline (:mod:`flink_jobs.pipelines.iot`), in plain Python.

Written from the pipeline's spec and the documented semantics of each feature kind, not from the
compiled SQL. Given the records sent (source, partition, offset, and the JSON object of each valid
one), it says which are late and what every output row must be:

- lateness per partition in offset order: the watermark before a record is the largest event time
  of the valid records before it minus the watermark delay; a valid record at or behind it is late;
- windows [start, end) aligned to the epoch; a session holds consecutive readings less than the gap
  apart, from the first reading to the last plus the gap;
- ``reading_features``: the device's on-time readings in [t - 5 min, t] (the reading itself and any
  others at exactly t included), and the device version with the greatest ``updated_at`` <= t
  (equal ``updated_at``: the one later in the topic); ``over_limit`` = value > max_value, null when
  there is no version.

Averages are exact means as Python floats (``math.fsum``); the job sums doubles in arrival order, so
tests compare them with a relative tolerance (:data:`AVG_REL_TOL`). Everything else is exact.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

__all__ = ["AVG_COLUMNS", "AVG_REL_TOL", "Expected", "Reading", "expected_outputs"]

AVG_REL_TOL = 1e-12
"""Relative tolerance of a DOUBLE mean: a sum in another order differs in the last bits."""
AVG_COLUMNS = {
    "readings_1m": ("value_avg",),
    "readings_15m": ("value_avg",),
    "reading_features": ("value_avg_5m",),
}
TIME_FIELD = {"readings": "event_time", "devices": "updated_at"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def fmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def floor_to(moment: datetime, size: timedelta) -> datetime:
    return EPOCH + ((moment - EPOCH) // size) * size


@dataclass(frozen=True)
class Reading:
    """A record as sent: ``source`` is ``readings`` or ``devices``; ``event`` None when invalid."""

    source: str
    partition: int
    offset: int
    event: dict[str, Any] | None

    @property
    def time(self) -> datetime:
        assert self.event is not None
        return parse_time(self.event[TIME_FIELD[self.source]])


@dataclass(frozen=True)
class Expected:
    features: dict[str, list[dict[str, Any]]]
    late: dict[tuple[str, int, int], dict[str, str]]  # position -> event_time, watermark
    invalid: set[tuple[str, int, int]]


def expected_outputs(records: Iterable[Reading], version: str, delay: timedelta) -> Expected:
    invalid: set[tuple[str, int, int]] = set()
    late: dict[tuple[str, int, int], dict[str, str]] = {}
    on_time: dict[str, list[Reading]] = defaultdict(list)
    latest: dict[tuple[str, int], datetime] = {}
    for r in sorted(records, key=lambda r: (r.source, r.partition, r.offset)):
        position = (r.source, r.partition, r.offset)
        if r.event is None:
            invalid.add(position)
            continue
        seen = latest.get((r.source, r.partition))
        if seen is not None and r.time <= seen - delay:
            late[position] = {"event_time": fmt(r.time), "watermark": fmt(seen - delay)}
        else:
            on_time[r.source].append(r)
        latest[(r.source, r.partition)] = max(seen or r.time, r.time)
    readings = on_time["readings"]
    features = {
        "readings_1m": _tumbling(readings, version),
        "readings_15m": _hopping(readings, version),
        "activity": _sessions(readings, version),
        "reading_features": _per_reading(readings, on_time["devices"], version),
    }
    return Expected(features, late, invalid)


def _by_device(records: list[Reading]) -> dict[str, list[Reading]]:
    out: dict[str, list[Reading]] = defaultdict(list)
    for r in records:
        assert r.event is not None
        out[r.event["device_id"]].append(r)
    return out


def _values(records: list[Reading]) -> list[float]:
    return [float(r.event["value"]) for r in records if r.event is not None]


def _tumbling(readings: list[Reading], version: str) -> list[dict[str, Any]]:
    windows: dict[tuple[str, datetime], list[Reading]] = defaultdict(list)
    for r in readings:
        assert r.event is not None
        windows[(r.event["device_id"], floor_to(r.time, timedelta(minutes=1)))].append(r)
    rows = []
    for (device, start), members in windows.items():
        values = _values(members)
        rows.append(
            {
                "device_id": device,
                "window_start": fmt(start),
                "window_end": fmt(start + timedelta(minutes=1)),
                "reading_count": len(members),
                "value_min": min(values),
                "value_max": max(values),
                "value_avg": math.fsum(values) / len(values),
                "pipeline_version": version,
            }
        )
    return rows


def _hopping(readings: list[Reading], version: str) -> list[dict[str, Any]]:
    size, slide = timedelta(minutes=15), timedelta(minutes=5)
    windows: dict[tuple[str, datetime], list[Reading]] = defaultdict(list)
    for r in readings:
        assert r.event is not None
        last_start = floor_to(r.time, slide)
        for k in range(size // slide):
            windows[(r.event["device_id"], last_start - k * slide)].append(r)
    rows = []
    for (device, start), members in windows.items():
        values = _values(members)
        rows.append(
            {
                "device_id": device,
                "window_start": fmt(start),
                "window_end": fmt(start + size),
                "value_avg": math.fsum(values) / len(values),
                "value_max": max(values),
                "units": len({r.event["unit"] for r in members if r.event is not None}),
                "pipeline_version": version,
            }
        )
    return rows


def _sessions(readings: list[Reading], version: str) -> list[dict[str, Any]]:
    gap = timedelta(minutes=10)
    rows = []
    for device, members in _by_device(readings).items():
        times = sorted(r.time for r in members)
        groups: list[list[datetime]] = [[times[0]]]
        for t in times[1:]:
            if t - groups[-1][-1] < gap:
                groups[-1].append(t)
            else:
                groups.append([t])
        for group in groups:
            span_ms = (group[-1] - group[0]) // timedelta(milliseconds=1)
            rows.append(
                {
                    "device_id": device,
                    "window_start": fmt(group[0]),
                    "window_end": fmt(group[-1] + gap),
                    "reading_count": len(group),
                    "active_s": (Decimal(span_ms) / 1000).quantize(Decimal("0.001")),
                    "pipeline_version": version,
                }
            )
    return rows


def _per_reading(readings: list[Reading], devices: list[Reading], version: str) -> list[dict[str, Any]]:
    by_device = _by_device(readings)
    versions = _by_device(devices)
    rows = []
    for r in readings:
        event = r.event
        assert event is not None
        t = r.time
        recent = [x for x in by_device[event["device_id"]] if t - timedelta(minutes=5) <= x.time <= t]
        values = _values(recent)
        known = [v for v in versions.get(event["device_id"], []) if v.time <= t]
        current = max(known, key=lambda v: (v.time, v.partition, v.offset)).event if known else None
        max_value = float(current["max_value"]) if current else None
        rows.append(
            {
                "device_id": event["device_id"],
                "event_time": fmt(t),
                "reading_id": event["reading_id"],
                "value": float(event["value"]),
                "unit": event["unit"],
                "readings_5m": len(recent),
                "value_avg_5m": math.fsum(values) / len(values),
                "value_max_5m": max(values),
                "site": current["site"] if current else None,
                "max_value": max_value,
                "over_limit": None if max_value is None else float(event["value"]) > max_value,
                "pipeline_version": version,
            }
        )
    return rows
