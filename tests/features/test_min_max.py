"""Min and Max: the smallest and largest non-null value, in the column's own type (numbers by value,
strings by code point, timestamps by time). Empty: NULL."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    Equals,
    EventFeatures,
    Field,
    InputSchema,
    Max,
    Min,
    Rolling,
    Source,
    Tumbling,
    WindowFeatures,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at

ITEMS = Source(
    InputSchema(
        name="items",
        key="user_id",
        fields=(
            Field("item_id", "string"),
            Field("user_id", "string"),
            Field("label", "string"),
            Field("method", "enum", choices=("card", "cash")),
            Field("amount", "decimal"),
            Field("temperature", "double"),
            Field("event_time", "timestamp"),
        ),
    )
)


FULLWIDTH_Z = "\uff5a"


def item(item_id: str, label: str, method: str, amount: str, temperature: float, time: str) -> dict:
    return {
        "item_id": item_id,
        "user_id": "u",
        "label": label,
        "method": method,
        "amount": Decimal(amount),
        "temperature": temperature,
        "event_time": time,
    }


def test_min_and_max_of_each_column_kind_in_a_window(features) -> None:
    fs = WindowFeatures(
        "items_1m",
        ITEMS,
        Tumbling(minutes(1)),
        (
            Min("label_min", "label"),
            Max("label_max", "label"),
            Min("amount_min", "amount"),
            Max("amount_max", "amount"),
            Min("temperature_min", "temperature"),
            Max("temperature_max", "temperature"),
            Min("first_at", "event_time"),
            Max("last_at", "event_time"),
            Max("cash_max", "amount", where=Equals("method", "cash")),
            Min("cash_first_label", "label", where=Equals("method", "cash")),
        ),
    )
    # Code points: "B" U+0042 < "b" U+0062 < "é" U+00E9 < FULLWIDTH Z U+FF5A < "😀" U+1F600. (In UTF-16
    # order "😀", a surrogate pair starting 0xD83D, would sort before U+FF5A.) Numbers by value:
    # 9.9999 < 10.5 although "10.5" < "9.9999" as text.
    rows = [
        item("i1", "b", "card", "10.5", -0.5, at("00:00:01.000")),
        item("i2", "😀", "cash", "9.9999", 2.5, at("00:00:02.500")),
        item("i3", "B", "card", "100", -1.25, at("00:00:03.000")),
        item("i4", FULLWIDTH_Z, "cash", "10.0001", 0.0, at("00:00:00.250")),  # the earliest, arriving late
        item("i5", "é", "card", "10", 1e-3, at("00:00:04.000")),
        item("i6", "x", "card", "5", 0.0, at("00:01:00.000")),  # no cash in [00:01, 00:02): NULL
    ]
    result = features(fs, {ITEMS: rows}, delay=minutes(1))
    assert_rows(
        result,
        [
            {
                "user_id": "u",
                "window_start": at("00:00:00.000"),
                "window_end": at("00:01:00.000"),
                "label_min": "B",
                "label_max": "😀",
                "amount_min": Decimal("9.9999"),
                "amount_max": Decimal("100"),
                "temperature_min": -1.25,
                "temperature_max": 2.5,
                "first_at": at("00:00:00.250"),
                "last_at": at("00:00:04.000"),
                "cash_max": Decimal("10.0001"),  # i2 9.9999, i4 10.0001
                "cash_first_label": FULLWIDTH_Z,  # i2 "😀" U+1F600 > i4 U+FF5A
            },
            {
                "user_id": "u",
                "window_start": at("00:01:00.000"),
                "window_end": at("00:02:00.000"),
                "label_min": "x",
                "label_max": "x",
                "amount_min": Decimal("5"),
                "amount_max": Decimal("5"),
                "temperature_min": 0.0,
                "temperature_max": 0.0,
                "first_at": at("00:01:00.000"),
                "last_at": at("00:01:00.000"),
                "cash_max": None,
                "cash_first_label": None,
            },
        ],
    )
    assert_types(
        result,
        {
            "label_min": "STRING",
            "amount_min": "DECIMAL(18, 4)",
            "amount_max": "DECIMAL(18, 4)",
            "temperature_max": "DOUBLE",
            "first_at": "TIMESTAMP(3)",
        },
    )


def test_rolling_min_and_max_forget_events_that_left_the_range(features) -> None:
    fs = EventFeatures(
        "item_features",
        ITEMS,
        columns=("item_id",),
        window=Rolling(minutes(1)),
        aggregations=(Min("amount_min_1m", "amount"), Max("amount_max_1m", "amount")),
    )
    rows = [
        item("i1", "a", "card", "1", 0.0, at("00:00:00.000")),
        item("i2", "a", "card", "9", 0.0, at("00:00:30.000")),
        item("i3", "a", "card", "3", 0.0, at("00:01:15.000")),  # [00:00:15, 00:01:15]: i2, i3 (i1 left)
        item("i4", "a", "card", "4", 0.0, at("00:01:31.000")),  # [00:00:31, 00:01:31]: i3, i4 (i2 left)
    ]

    def out(item_id: str, time: str, low: str, high: str) -> dict[str, object]:
        return {
            "user_id": "u",
            "event_time": time,
            "item_id": item_id,
            "amount_min_1m": Decimal(low),
            "amount_max_1m": Decimal(high),
        }

    assert_rows(
        features(fs, {ITEMS: rows}),
        [
            out("i1", at("00:00:00.000"), "1", "1"),
            out("i2", at("00:00:30.000"), "1", "9"),
            out("i3", at("00:01:15.000"), "3", "9"),
            out("i4", at("00:01:31.000"), "3", "4"),
        ],
    )
