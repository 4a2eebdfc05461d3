"""Span: seconds from the earliest to the latest event time, ``DECIMAL(18, 3)`` (exact to the
millisecond); 0 for one event. Empty: NULL."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    Equals,
    EventFeatures,
    Rolling,
    Span,
    Tumbling,
    WindowFeatures,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at
from tests.support.feature_inputs import CLICKS, click


def test_span_of_a_window(features) -> None:
    fs = WindowFeatures(
        "clicks_1m",
        CLICKS,
        Tumbling(minutes(1)),
        (Span("span_s"), Span("checkout_span_s", where=Equals("action", "checkout"))),
    )
    rows = [
        click("a1", "a", at("00:00:00.000"), "checkout"),
        click("b1", "b", at("00:00:00.999"), "checkout"),
        click("b2", "b", at("00:00:01.001"), "checkout"),  # across a second: 0.002
        click("a2", "a", at("00:00:59.999")),  # a1..a2: 59.999; one checkout: 0.000
        click("a3", "a", at("00:01:30.000")),  # one event: 0.000; no checkout: NULL
    ]
    result = features(fs, {CLICKS: rows})

    def window(user: str, start: str, end: str, span: str, checkout_span: str | None) -> dict[str, object]:
        return {
            "user_id": user,
            "window_start": start,
            "window_end": end,
            "span_s": Decimal(span),
            "checkout_span_s": None if checkout_span is None else Decimal(checkout_span),
        }

    assert_rows(
        result,
        [
            window("a", at("00:00:00.000"), at("00:01:00.000"), "59.999", "0.000"),
            window("b", at("00:00:00.000"), at("00:01:00.000"), "0.002", "0.002"),
            window("a", at("00:01:00.000"), at("00:02:00.000"), "0.000", None),
        ],
    )
    assert_types(result, {"span_s": "DECIMAL(18, 3)", "checkout_span_s": "DECIMAL(18, 3)"})


def test_span_of_a_rolling_range_and_across_days(features) -> None:
    fs = EventFeatures(
        "click_features",
        CLICKS,
        columns=("click_id",),
        window=Rolling(minutes(1)),
        aggregations=(Span("span_1m_s"),),
    )
    next_day = "2026-01-02"
    rows = [
        click("c1", "a", at("23:59:00.000")),
        click("c2", "a", at("23:59:30.500")),  # c1..c2: 30.500
        click("c3", "a", at("00:00:10.250", next_day)),  # [23:59:10.250, 00:00:10.250]: c2..c3 = 39.750
    ]

    def out(click_id: str, time: str, span: str) -> dict[str, object]:
        return {"user_id": "a", "event_time": time, "click_id": click_id, "span_1m_s": Decimal(span)}

    result = features(fs, {CLICKS: rows})
    assert_rows(
        result,
        [
            out("c1", at("23:59:00.000"), "0.000"),
            out("c2", at("23:59:30.500"), "30.500"),
            out("c3", at("00:00:10.250", next_day), "39.750"),
        ],
    )
    assert_types(result, {"span_1m_s": "DECIMAL(18, 3)"})
