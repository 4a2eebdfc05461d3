"""Related: aggregations over another source's events of the same key with event time in
``[t - range, t]`` (both bounds included), for each event of the feature set's own source; the
related events themselves produce no rows."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    Count,
    CountDistinct,
    Equals,
    EventFeatures,
    Field,
    InputSchema,
    Last,
    Max,
    Related,
    Rolling,
    Source,
    Sum,
    hours,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at
from tests.support.feature_inputs import PAGE_CLICKS, PRICED_ORDERS, page_click, priced_order

REFUNDS = Source(
    InputSchema(
        name="refunds",
        key="user_id",
        fields=(
            Field("refund_id", "string"),
            Field("user_id", "string"),
            Field("amount", "decimal"),  # the same name as an order column: kept apart
            Field("event_time", "timestamp"),
        ),
    )
)


def test_related_events_of_the_same_key_in_the_closed_range(features) -> None:
    fs = EventFeatures(
        "order_features",
        PRICED_ORDERS,
        columns=("order_id",),
        window=Rolling(minutes(10)),
        related=(
            Related(
                PAGE_CLICKS,
                Rolling(minutes(10)),
                (
                    Count("clicks_10m"),
                    CountDistinct("pages_10m", "page"),
                    Last("last_page", "page"),
                    Count("checkouts_10m", where=Equals("action", "checkout")),
                ),
            ),
        ),
    )
    clicks = [
        page_click("c1", "u", "/early", at("00:09:59.999")),  # 10 min + 1 ms before o1: out
        page_click("c2", "u", "/edge", at("00:10:00.000"), action="checkout"),  # exactly t - 10 min: in
        page_click("w1", "w", "/w", at("00:15:00.000")),  # user w's, at o2's time
        page_click("c3", "u", "/p1", at("00:20:00.000"), partition=1),  # at t: in; the later partition
        page_click("c4", "u", "/p0", at("00:20:00.000"), partition=0),  # same time, arrives later: not last
        page_click("c5", "u", "/after", at("00:20:00.001")),  # after t: out
    ]
    orders = [
        priced_order("o3", "x", at("00:00:00.000")),  # no clicks at all
        priced_order("o2", "w", at("00:15:00.000")),
        priced_order("o1", "u", at("00:20:00.000")),
    ]

    def out(
        order_id: str, user: str, time: str, n: int, pages: int, last: str | None, checkouts: int
    ) -> dict:
        return {
            "user_id": user,
            "event_time": time,
            "order_id": order_id,
            "clicks_10m": n,
            "pages_10m": pages,
            "last_page": last,
            "checkouts_10m": checkouts,
        }

    result = features(fs, {PRICED_ORDERS: orders, PAGE_CLICKS: clicks})
    assert_rows(
        result,
        [
            out("o1", "u", at("00:20:00.000"), 3, 3, "/p1", 1),  # c2, c3, c4
            out("o2", "w", at("00:15:00.000"), 1, 1, "/w", 0),
            out("o3", "x", at("00:00:00.000"), 0, 0, None, 0),
        ],
    )
    assert_types(result, {"clicks_10m": "BIGINT", "last_page": "STRING"})


def test_two_related_sources_and_own_aggregations_over_their_own_ranges(features) -> None:
    fs = EventFeatures(
        "order_features",
        PRICED_ORDERS,
        columns=("order_id", "amount"),
        window=Rolling(minutes(5)),
        aggregations=(Count("orders_5m"), Sum("amount_5m", "amount")),
        related=(
            Related(PAGE_CLICKS, Rolling(minutes(30)), (Count("clicks_30m"),)),
            Related(
                REFUNDS, Rolling(hours(1)), (Sum("refunded_1h", "amount"), Max("largest_refund_1h", "amount"))
            ),
        ),
    )
    orders = [
        priced_order("o1", "u", at("00:50:00.000"), "10"),
        priced_order("o2", "u", at("00:56:00.000"), "20"),  # o1 is 6 min before: out of the 5 min range
        priced_order("o3", "u", at("01:00:00.000"), "40"),
    ]
    clicks = [
        page_click("c1", "u", "/", at("00:25:00.000")),  # in [t - 30 min, t] for o1 only
        page_click("c2", "u", "/", at("00:55:00.000")),
    ]
    refunds = [
        # r1 is exactly 1 h before o1 (in its range), more than 1 h before o2 and o3.
        {
            "refund_id": "r1",
            "user_id": "u",
            "amount": Decimal("3.5"),
            "event_time": at("23:50:00.000", "2025-12-31"),
        },
        {"refund_id": "r2", "user_id": "u", "amount": Decimal("1.25"), "event_time": at("00:30:00.000")},
    ]

    def out(order_id: str, time: str, amount: str, own: int, own_sum: str, n_clicks: int,
            refunded: str | None, largest: str | None) -> dict[str, object]:  # fmt: skip
        return {
            "user_id": "u",
            "event_time": time,
            "order_id": order_id,
            "amount": Decimal(amount),
            "orders_5m": own,
            "amount_5m": Decimal(own_sum),
            "clicks_30m": n_clicks,
            "refunded_1h": None if refunded is None else Decimal(refunded),
            "largest_refund_1h": None if largest is None else Decimal(largest),
        }

    assert_rows(
        features(fs, {PRICED_ORDERS: orders, PAGE_CLICKS: clicks, REFUNDS: refunds}),
        [
            out("o1", at("00:50:00.000"), "10", 1, "10", 1, "4.75", "3.5"),  # c1; r1 + r2
            out("o2", at("00:56:00.000"), "20", 1, "20", 1, "1.25", "1.25"),  # c2 (c1 is 31 min before); r2
            out("o3", at("01:00:00.000"), "40", 2, "60", 1, "1.25", "1.25"),  # o2 + o3; c2; r2
        ],
    )
