"""Tumbling windows ``[k*size, (k+1)*size)``, aligned to the epoch: an event exactly at a window's end
belongs to the next window, and an empty window has no row."""

from __future__ import annotations

from flink_jobs.features import (
    Count,
    Max,
    Min,
    Tumbling,
    WindowFeatures,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at
from tests.support.feature_inputs import EVENTS, event, window

# Which events a window holds shows in first/last (event ids sort in time order).
AGGREGATIONS = (Count("n"), Min("first", "event_id"), Max("last", "event_id"))


def test_an_event_at_a_window_end_belongs_to_the_next_window(features) -> None:
    fs = WindowFeatures("events_1m", EVENTS, Tumbling(minutes(1)), AGGREGATIONS)
    rows = [
        event("e1", "a", at("00:00:00.000")),  # the first instant of [00:00, 00:01)
        event("b1", "b", at("00:00:30.000")),  # another key: its own row
        event("e2", "a", at("00:00:59.999")),  # the last instant of [00:00, 00:01)
        event("e3", "a", at("00:01:00.000")),  # exactly the end of [00:00, 00:01): in [00:01, 00:02)
        event("e4", "a", at("00:03:30.000")),  # [00:02, 00:03) is empty: no row for it
    ]
    result = features(fs, {EVENTS: rows})
    assert_rows(
        result,
        [
            window("a", at("00:00:00.000"), at("00:01:00.000"), 2, "e1", "e2"),
            window("a", at("00:01:00.000"), at("00:02:00.000"), 1, "e3", "e3"),
            window("a", at("00:03:00.000"), at("00:04:00.000"), 1, "e4", "e4"),
            window("b", at("00:00:00.000"), at("00:01:00.000"), 1, "b1", "b1"),
        ],
    )
    assert_types(result, {"window_start": "TIMESTAMP(3)", "window_end": "TIMESTAMP(3)", "n": "BIGINT"})


def test_windows_are_aligned_to_the_epoch_not_to_the_day(features) -> None:
    # 11 min = 660 s. 2026-01-01T00:00Z is 1_767_225_600 s after the epoch = 2_677_614 * 660 + 360, so
    # windows start at 2025-12-31 23:54:00 and 2026-01-01 00:05:00.
    fs = WindowFeatures("events_11m", EVENTS, Tumbling(minutes(11)), AGGREGATIONS)
    rows = [
        event("e1", "a", at("00:00:00.000")),
        event("e2", "a", at("00:04:59.999")),
        event("e3", "a", at("00:05:00.000")),  # the end of [23:54, 00:05): next window
    ]
    assert_rows(
        features(fs, {EVENTS: rows}),
        [
            window("a", at("23:54:00.000", "2025-12-31"), at("00:05:00.000"), 2, "e1", "e2"),
            window("a", at("00:05:00.000"), at("00:16:00.000"), 1, "e3", "e3"),
        ],
    )
