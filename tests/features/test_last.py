"""Last: the value in the event with the greatest event time among those where it is not null; ties
on event time go to the record later in its topic (greater partition, then greater offset), whatever
the arrival order. The column keeps its type. Empty: NULL."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    Equals,
    EventFeatures,
    Field,
    InputSchema,
    Last,
    Rolling,
    Source,
    Tumbling,
    WindowFeatures,
    minutes,
    seconds,
)
from tests.support.feature_harness import assert_rows, assert_types, at

VISITS = Source(
    InputSchema(
        name="visits",
        key="user_id",
        fields=(
            Field("visit_id", "string"),
            Field("user_id", "string"),
            Field("page", "string"),
            Field("action", "enum", choices=("view", "checkout")),
            Field("amount", "decimal"),
            Field("weight", "double"),
            Field("event_time", "timestamp"),
        ),
    )
)


def visit(
    visit_id: str,
    user: str,
    page: str,
    time: str,
    partition: int,
    offset: int,
    action: str = "view",
    amount: str = "1",
    weight: float = 1.0,
) -> dict[str, object]:
    return {
        "visit_id": visit_id,
        "user_id": user,
        "page": page,
        "action": action,
        "amount": Decimal(amount),
        "weight": weight,
        "event_time": time,
        "kafka_partition": partition,
        "kafka_offset": offset,
    }


def test_last_in_a_window_breaks_ties_by_partition_then_offset(features) -> None:
    fs = WindowFeatures(
        "visits_1m",
        VISITS,
        Tumbling(minutes(1)),
        (
            Last("last_page", "page"),
            Last("last_amount", "amount"),
            Last("last_weight", "weight"),
            Last("last_time", "event_time"),
            Last("last_checkout_page", "page", where=Equals("action", "checkout")),
        ),
    )
    rows = [
        # User a, in arrival order. The latest time is 00:00:20, held by two records: partition 10
        # wins over partition 9 (by number: "9" > "10" as text), though it arrived first.
        visit("a1", "a", "/one", at("00:00:10.000"), 0, 0, action="checkout", amount="7.25"),
        visit("a2", "a", "/ten", at("00:00:20.000"), 10, 0, amount="0.0001", weight=0.30000000000000004),
        visit("a3", "a", "/nine", at("00:00:20.000"), 9, 1, amount="2", weight=2.0),
        visit("a4", "a", "/late", at("00:00:15.000"), 0, 2, action="checkout"),  # late arrival, earlier time
        # User b: one partition, offsets 9 and 10 at the same time: offset 10 wins (by number).
        visit("b1", "b", "/nine", at("00:00:40.000"), 2, 9, amount="99999999999999.9999", weight=1e-7),
        visit("b2", "b", "/ten", at("00:00:40.000"), 2, 10, amount="12.5", weight=-3.5),
        # No checkout in b's window: NULL.
    ]
    result = features(fs, {VISITS: rows}, delay=seconds(30))
    start, end = at("00:00:00.000"), at("00:01:00.000")
    assert_rows(
        result,
        [
            {
                "user_id": "a",
                "window_start": start,
                "window_end": end,
                "last_page": "/ten",
                "last_amount": Decimal("0.0001"),
                "last_weight": 0.30000000000000004,
                "last_time": at("00:00:20.000"),
                "last_checkout_page": "/late",
            },  # a4 (00:00:15) after a1
            {
                "user_id": "b",
                "window_start": start,
                "window_end": end,
                "last_page": "/ten",
                "last_amount": Decimal("12.5"),
                "last_weight": -3.5,
                "last_time": at("00:00:40.000"),
                "last_checkout_page": None,
            },
        ],
    )
    assert_types(
        result,
        {
            "last_page": "STRING",
            "last_amount": "DECIMAL(18, 4)",
            "last_weight": "DOUBLE",
            "last_time": "TIMESTAMP(3)",
        },
    )


def test_last_keeps_doubles_and_decimals_exact(features) -> None:
    fs = WindowFeatures(
        "visits_1m",
        VISITS,
        Tumbling(minutes(1)),
        (Last("last_amount", "amount"), Last("last_weight", "weight")),
    )
    rows = [
        visit("a1", "a", "/", at("00:00:01.000"), 0, 0, amount="99999999999999.9999", weight=1e-7),
        visit("b1", "b", "/", at("00:00:01.000"), 0, 1, amount="0.0001", weight=123456789.12345679),
        visit("c1", "c", "/", at("00:00:01.000"), 0, 2, amount="10", weight=1e300),
    ]
    start, end = at("00:00:00.000"), at("00:01:00.000")
    assert_rows(
        features(fs, {VISITS: rows}),
        [
            {
                "user_id": "a",
                "window_start": start,
                "window_end": end,
                "last_amount": Decimal("99999999999999.9999"),
                "last_weight": 1e-7,
            },
            {
                "user_id": "b",
                "window_start": start,
                "window_end": end,
                "last_amount": Decimal("0.0001"),
                "last_weight": 123456789.12345679,
            },
            {
                "user_id": "c",
                "window_start": start,
                "window_end": end,
                "last_amount": Decimal("10"),
                "last_weight": 1e300,
            },
        ],
    )


def test_rolling_last_sees_equal_times_and_breaks_ties_by_position(features) -> None:
    fs = EventFeatures(
        "visit_features",
        VISITS,
        columns=("visit_id",),
        window=Rolling(minutes(1)),
        aggregations=(Last("last_page_1m", "page"),),
    )
    rows = [
        visit("v1", "a", "/a", at("00:00:00.000"), 0, 0),
        visit("v2", "a", "/b", at("00:00:05.000"), 3, 0),
        visit("v3", "a", "/c", at("00:00:05.000"), 1, 1),  # same time, lower partition: /b stays last
        visit("v4", "a", "/d", at("00:02:00.000"), 0, 2),  # [00:01, 00:02]: only itself
    ]

    def out(visit_id: str, time: str, last: str) -> dict[str, object]:
        return {"user_id": "a", "event_time": time, "visit_id": visit_id, "last_page_1m": last}

    assert_rows(
        features(fs, {VISITS: rows}),
        [
            out("v1", at("00:00:00.000"), "/a"),
            out("v2", at("00:00:05.000"), "/b"),
            out("v3", at("00:00:05.000"), "/b"),
            out("v4", at("00:02:00.000"), "/d"),
        ],
    )
