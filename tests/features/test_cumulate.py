"""Cumulating windows: inside each tumbling window ``[k*size, (k+1)*size)``, the windows
``[k*size, k*size + j*step)``; a window row exists only when the window holds an event."""

from __future__ import annotations

from flink_jobs.features import (
    Count,
    Cumulate,
    Max,
    Min,
    WindowFeatures,
    minutes,
)
from tests.support.feature_harness import assert_rows, at
from tests.support.feature_inputs import EVENTS, event, window


def test_windows_grow_by_step_and_restart_each_size(features) -> None:
    fs = WindowFeatures(
        "events_cumulative",
        EVENTS,
        Cumulate(size=minutes(3), step=minutes(1)),
        (Count("n"), Min("first", "event_id"), Max("last", "event_id")),
    )
    rows = [
        event("e1", "a", at("00:00:30.000")),  # [00:00, 00:01), [00:00, 00:02), [00:00, 00:03)
        event("e2", "a", at("00:01:00.000")),  # [00:00, 00:02), [00:00, 00:03)
        event("f1", "b", at("00:02:00.000")),  # only [00:00, 00:03): b's smaller windows are empty
        event("f2", "b", at("00:02:59.999")),  # [00:00, 00:03)
        event("e3", "a", at("00:03:00.000")),  # the next tumbling window: [00:03, 00:04), .. [00:03, 00:06)
    ]
    assert_rows(
        features(fs, {EVENTS: rows}),
        [
            window("a", at("00:00:00.000"), at("00:01:00.000"), 1, "e1", "e1"),
            window("a", at("00:00:00.000"), at("00:02:00.000"), 2, "e1", "e2"),
            window("a", at("00:00:00.000"), at("00:03:00.000"), 2, "e1", "e2"),
            window("a", at("00:03:00.000"), at("00:04:00.000"), 1, "e3", "e3"),
            window("a", at("00:03:00.000"), at("00:05:00.000"), 1, "e3", "e3"),
            window("a", at("00:03:00.000"), at("00:06:00.000"), 1, "e3", "e3"),
            window("b", at("00:00:00.000"), at("00:03:00.000"), 2, "f1", "f2"),
        ],
    )
