"""Session windows per key: consecutive events are in one session when the later is *less than*
``gap`` after the earlier (exactly ``gap`` apart: two sessions); ``window_start`` is the first
event's time, ``window_end`` the last event's time + ``gap``."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    Count,
    Max,
    Min,
    Session,
    Span,
    WindowFeatures,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at
from tests.support.feature_inputs import EVENTS, event

SESSIONS = WindowFeatures(
    "sessions",
    EVENTS,
    Session(gap=minutes(10)),
    (Count("n"), Span("span_s"), Min("first", "event_id"), Max("last", "event_id")),
)


def session(user: str, start: str, end: str, n: int, span: str, first: str, last: str) -> dict[str, object]:
    return {
        "user_id": user,
        "window_start": start,
        "window_end": end,
        "n": n,
        "span_s": Decimal(span),
        "first": first,
        "last": last,
    }


def test_a_gap_of_exactly_gap_splits_and_one_ms_less_does_not(features) -> None:
    rows = [
        event("a1", "a", at("00:00:00.000")),
        event("b1", "b", at("00:00:00.000")),
        event("c1", "c", at("00:05:00.000")),  # alone: [00:05, 00:15)
        event("a2", "a", at("00:09:59.999")),  # 10 min - 1 ms after a1: same session
        event("b2", "b", at("00:10:00.000")),  # exactly 10 min after b1: a new session
        event("a3", "a", at("00:19:59.999")),  # exactly 10 min after a2: a new session
    ]
    result = features(SESSIONS, {EVENTS: rows})
    assert_rows(
        result,
        [
            # a1..a2: start = a1, end = a2 + 10 min (= a3's time, which [start, end) excludes).
            session("a", at("00:00:00.000"), at("00:19:59.999"), 2, "599.999", "a1", "a2"),
            session("a", at("00:19:59.999"), at("00:29:59.999"), 1, "0.000", "a3", "a3"),
            session("b", at("00:00:00.000"), at("00:10:00.000"), 1, "0.000", "b1", "b1"),
            session("b", at("00:10:00.000"), at("00:20:00.000"), 1, "0.000", "b2", "b2"),
            session("c", at("00:05:00.000"), at("00:15:00.000"), 1, "0.000", "c1", "c1"),
        ],
    )
    assert_types(
        result, {"window_start": "TIMESTAMP(3)", "window_end": "TIMESTAMP(3)", "span_s": "DECIMAL(18, 3)"}
    )


def test_an_out_of_order_event_within_the_delay_merges_two_sessions(features) -> None:
    rows = [
        event("a1", "a", at("00:00:00.000")),
        event("a3", "a", at("00:15:00.000")),  # 15 min after a1: a session of its own, for now
        # Arrives last, 7.5 min after a1 and before a3: both gaps < 10 min, so one session. On time:
        # the watermark is at most 00:15 - 10 min = 00:05.
        event("a2", "a", at("00:07:30.000")),
    ]
    assert_rows(
        features(SESSIONS, {EVENTS: rows}, delay=minutes(10)),
        [session("a", at("00:00:00.000"), at("00:25:00.000"), 3, "900.000", "a1", "a3")],
    )
