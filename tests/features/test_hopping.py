"""Hopping windows ``[k*slide, k*slide + size)``: an event is in ``size / slide`` windows, aligned to
the epoch; an event exactly at a window's end is not in it."""

from __future__ import annotations

from flink_jobs.features import Count, Hopping, Max, Min, WindowFeatures, minutes
from tests.support.feature_harness import assert_rows, at
from tests.support.feature_inputs import EVENTS, event, window


def test_each_event_is_in_size_over_slide_windows(features) -> None:
    fs = WindowFeatures(
        "events_3m",
        EVENTS,
        Hopping(size=minutes(3), slide=minutes(1)),
        (Count("n"), Min("first", "event_id"), Max("last", "event_id")),
    )
    rows = [
        event("e1", "a", at("00:00:30.000")),  # [23:58, 00:01), [23:59, 00:02), [00:00, 00:03)
        event("e2", "a", at("00:02:00.000")),  # [00:00, 00:03), [00:01, 00:04), [00:02, 00:05)
        event("e3", "a", at("00:02:59.999")),  # the same three windows as e2
        event(
            "e4", "a", at("00:03:00.000")
        ),  # [00:01, 00:04), [00:02, 00:05), [00:03, 00:06): not [00:00, 00:03)
        event("f1", "b", at("00:10:00.000")),  # [00:08, 00:11), [00:09, 00:12), [00:10, 00:13)
    ]
    previous_day = "2025-12-31"
    assert_rows(
        features(fs, {EVENTS: rows}),
        [
            window("a", at("23:58:00.000", previous_day), at("00:01:00.000"), 1, "e1", "e1"),
            window("a", at("23:59:00.000", previous_day), at("00:02:00.000"), 1, "e1", "e1"),
            window("a", at("00:00:00.000"), at("00:03:00.000"), 3, "e1", "e3"),
            window("a", at("00:01:00.000"), at("00:04:00.000"), 3, "e2", "e4"),
            window("a", at("00:02:00.000"), at("00:05:00.000"), 3, "e2", "e4"),
            window("a", at("00:03:00.000"), at("00:06:00.000"), 1, "e4", "e4"),
            window("b", at("00:08:00.000"), at("00:11:00.000"), 1, "f1", "f1"),
            window("b", at("00:09:00.000"), at("00:12:00.000"), 1, "f1", "f1"),
            window("b", at("00:10:00.000"), at("00:13:00.000"), 1, "f1", "f1"),
        ],
    )
