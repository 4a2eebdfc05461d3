"""CountDistinct: the number of distinct non-null values of a column (strings case-sensitive,
decimals by value as typed ``DECIMAL(18, 4)``). Empty: 0."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    CountDistinct,
    Equals,
    EventFeatures,
    Field,
    InputSchema,
    Rolling,
    Source,
    Tumbling,
    WindowFeatures,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at

TXNS = Source(
    InputSchema(
        name="txns",
        key="user_id",
        fields=(
            Field("txn_id", "string"),
            Field("user_id", "string"),
            Field("merchant_id", "string"),
            Field("channel", "enum", choices=("web", "shop")),
            Field("amount", "decimal"),
            Field("event_time", "timestamp"),
        ),
    )
)


def txn(txn_id: str, merchant: str, amount: str, time: str, channel: str = "web") -> dict[str, object]:
    return {
        "txn_id": txn_id,
        "user_id": "u",
        "merchant_id": merchant,
        "channel": channel,
        "amount": Decimal(amount),
        "event_time": time,
    }


def test_distinct_values_per_window(features) -> None:
    fs = WindowFeatures(
        "txns_1m",
        TXNS,
        Tumbling(minutes(1)),
        (
            CountDistinct("merchants", "merchant_id"),
            CountDistinct("amounts", "amount"),
            CountDistinct("shop_merchants", "merchant_id", where=Equals("channel", "shop")),
        ),
    )
    rows = [
        txn("t1", "m1", "1.5", at("00:00:01.000")),
        txn("t2", "M1", "1.50", at("00:00:02.000"), channel="shop"),  # "M1" <> "m1"; 1.50 = 1.5
        txn("t3", "m1", "1.5000", at("00:00:03.000"), channel="shop"),
        txn("t4", "m2", "2", at("00:00:04.000")),
        txn("t5", "m1", "1.5", at("00:01:00.000")),  # the next window counts m1 again; no shop: 0
    ]
    result = features(fs, {TXNS: rows})
    assert_rows(
        result,
        [
            {
                "user_id": "u",
                "window_start": at("00:00:00.000"),
                "window_end": at("00:01:00.000"),
                "merchants": 3,
                "amounts": 2,
                "shop_merchants": 2,
            },  # m1, M1, m2; 1.5, 2; M1, m1
            {
                "user_id": "u",
                "window_start": at("00:01:00.000"),
                "window_end": at("00:02:00.000"),
                "merchants": 1,
                "amounts": 1,
                "shop_merchants": 0,
            },
        ],
    )
    assert_types(result, {"merchants": "BIGINT", "shop_merchants": "BIGINT"})


def test_rolling_distinct_values_keep_duplicates_still_in_range(features) -> None:
    fs = EventFeatures(
        "txn_features",
        TXNS,
        columns=("txn_id",),
        window=Rolling(minutes(1)),
        aggregations=(CountDistinct("merchants_1m", "merchant_id"),),
    )
    rows = [
        txn("t1", "m1", "1", at("00:00:00.000")),
        txn("t2", "m2", "1", at("00:00:30.000")),
        txn("t3", "m1", "1", at("00:00:50.000")),  # m1 twice in range
        txn(
            "t4", "m3", "1", at("00:01:20.000")
        ),  # [00:00:20, 00:01:20]: t2 m2, t3 m1, t4 m3 (t1 left, m1 stays)
        txn("t5", "m3", "1", at("00:01:55.000")),  # [00:00:55, 00:01:55]: t4 m3, t5 m3
    ]

    def out(txn_id: str, time: str, merchants: int) -> dict[str, object]:
        return {"user_id": "u", "event_time": time, "txn_id": txn_id, "merchants_1m": merchants}

    assert_rows(
        features(fs, {TXNS: rows}),
        [
            out("t1", at("00:00:00.000"), 1),
            out("t2", at("00:00:30.000"), 2),
            out("t3", at("00:00:50.000"), 2),
            out("t4", at("00:01:20.000"), 3),
            out("t5", at("00:01:55.000"), 1),
        ],
    )
