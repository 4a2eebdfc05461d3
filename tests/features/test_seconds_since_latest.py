"""SecondsSinceLatest (only in Related): seconds from the latest related event at or before ``t`` to
``t``, ``DECIMAL(18, 3)``, when that event is at most ``within`` before ``t`` (inclusive); else NULL.
The related set's window does not limit it."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    Count,
    Equals,
    EventFeatures,
    Related,
    Rolling,
    SecondsSinceLatest,
    hours,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at
from tests.support.feature_inputs import CLICKS, ORDERS

CLICK_ROWS = [
    {"click_id": "c1", "user_id": "u", "action": "view", "event_time": at("00:00:00.000")},
    {"click_id": "c2", "user_id": "u", "action": "checkout", "event_time": at("00:10:00.000")},
    {"click_id": "c3", "user_id": "u", "action": "view", "event_time": at("01:00:00.000")},
]
ORDER_ROWS = [
    {"order_id": "o1", "user_id": "u", "event_time": at("00:00:00.000")},
    {"order_id": "o6", "user_id": "v", "event_time": at("00:30:00.000")},  # v has no clicks
    {"order_id": "o2", "user_id": "u", "event_time": at("00:40:00.000")},
    {"order_id": "o3", "user_id": "u", "event_time": at("00:40:00.001")},
    {"order_id": "o4", "user_id": "u", "event_time": at("00:59:59.999")},
    {"order_id": "o5", "user_id": "u", "event_time": at("01:10:00.000")},
]
SINCE_CHECKOUT = SecondsSinceLatest("since_checkout_s", where=Equals("action", "checkout"), within=hours(1))
# Seconds since the latest checkout (c2, 00:10) within 1 h, per order, by hand:
EXPECTED_SINCE_CHECKOUT = {
    "o1": None,  # no checkout yet
    "o2": "1800.000",
    "o3": "1800.001",
    "o4": "2999.999",
    "o5": "3600.000",  # exactly 1 h: in
    "o6": None,
}


def seconds(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def test_seconds_since_the_latest_related_event_within_a_bound(features) -> None:
    fs = EventFeatures(
        "order_features",
        ORDERS,
        columns=("order_id",),
        window=Rolling(minutes(10)),
        related=(
            Related(
                CLICKS,
                Rolling(minutes(10)),  # shorter than either bound: limits clicks_10m only
                (
                    Count("clicks_10m"),
                    SecondsSinceLatest("since_click_s", within=minutes(30)),
                    SINCE_CHECKOUT,
                ),
            ),
        ),
    )

    def out(order_id: str, user: str, clicks_10m: int, since_click: str | None) -> dict[str, object]:
        (order,) = (o for o in ORDER_ROWS if o["order_id"] == order_id)
        return {
            "user_id": user,
            "event_time": order["event_time"],
            "order_id": order_id,
            "clicks_10m": clicks_10m,
            "since_click_s": seconds(since_click),
            "since_checkout_s": seconds(EXPECTED_SINCE_CHECKOUT[order_id]),
        }

    result = features(fs, {ORDERS: ORDER_ROWS, CLICKS: CLICK_ROWS})
    assert_rows(
        result,
        [
            out("o1", "u", 1, "0.000"),  # c1 at exactly t
            out("o2", "u", 0, "1800.000"),  # c2 exactly 30 min before: in (though not in the 10 min range)
            out("o3", "u", 0, None),  # c2 30 min + 1 ms before: out
            out("o4", "u", 0, None),  # c3 is after t, so c2 is the latest: 2999.999 s, out
            out("o5", "u", 1, "600.000"),  # c3; clicks_10m: c3 at exactly t - 10 min
            out("o6", "v", 0, None),
        ],
    )
    assert_types(result, {"since_click_s": "DECIMAL(18, 3)", "since_checkout_s": "DECIMAL(18, 3)"})


def test_seconds_since_the_latest_filtered_event_alone(features) -> None:
    fs = EventFeatures(
        "order_features",
        ORDERS,
        columns=("order_id",),
        window=Rolling(minutes(10)),
        related=(Related(CLICKS, Rolling(minutes(10)), (SINCE_CHECKOUT,)),),
    )
    assert_rows(
        features(fs, {ORDERS: ORDER_ROWS, CLICKS: CLICK_ROWS}),
        [
            {
                "user_id": o["user_id"],
                "event_time": o["event_time"],
                "order_id": o["order_id"],
                "since_checkout_s": seconds(EXPECTED_SINCE_CHECKOUT[str(o["order_id"])]),
            }
            for o in ORDER_ROWS
        ],
    )
