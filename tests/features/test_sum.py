"""Sum of the non-null values: of a decimal column ``DECIMAL(38, 4)``, exact (beyond the input's 14
integer digits); of a double column ``DOUBLE``, summed in arrival order. Empty: NULL."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    Equals,
    EventFeatures,
    Field,
    InputSchema,
    Rolling,
    Source,
    Sum,
    Tumbling,
    WindowFeatures,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at
from tests.support.feature_inputs import LARGEST

PAYMENTS = Source(
    InputSchema(
        name="payments",
        key="user_id",
        fields=(
            Field("payment_id", "string"),
            Field("user_id", "string"),
            Field("method", "enum", choices=("card", "cash")),
            Field("amount", "decimal"),
            Field("weight", "double"),
            Field("event_time", "timestamp"),
        ),
    )
)


def payment(payment_id: str, user: str, method: str, amount: str, weight: float, time: str) -> dict:
    return {
        "payment_id": payment_id,
        "user_id": user,
        "method": method,
        "amount": Decimal(amount),
        "weight": weight,
        "event_time": time,
    }


def test_sums_of_decimal_and_double_columns_in_windows(features) -> None:
    fs = WindowFeatures(
        "payments_1m",
        PAYMENTS,
        Tumbling(minutes(1)),
        (
            Sum("amount_sum", "amount"),
            Sum("weight_sum", "weight"),
            Sum("cash_sum", "amount", where=Equals("method", "cash")),
        ),
    )
    rows = [
        payment("p1", "u", "card", LARGEST, 0.5, at("00:00:01.000")),
        payment("p2", "u", "card", LARGEST, 0.25, at("00:00:02.000")),
        payment("p3", "u", "cash", "0.0002", 0.125, at("00:00:03.000")),
        # Doubles in arrival order: (1e16 + 1) rounds to 1e16 (ties to even), + 1 again: 1e16. The exact
        # sum, 10000000000000002, is what the reverse order would give.
        payment("w1", "v", "card", "1", 1e16, at("00:00:10.000")),
        payment("w2", "v", "card", "1", 1.0, at("00:00:11.000")),
        payment("w3", "v", "card", "1", 1.0, at("00:00:12.000")),
        payment("p4", "u", "card", "1.5", 0.1, at("00:01:00.000")),  # no cash in this window: NULL
    ]
    result = features(fs, {PAYMENTS: rows})

    def window(user: str, start: str, end: str, amount: str, weight: float, cash: str | None) -> dict:
        return {
            "user_id": user,
            "window_start": start,
            "window_end": end,
            "amount_sum": Decimal(amount),
            "weight_sum": weight,
            "cash_sum": None if cash is None else Decimal(cash),
        }

    assert_rows(
        result,
        [
            # 2 * 99999999999999.9999 + 0.0002 = 200000000000000.0000 (15 integer digits).
            window("u", at("00:00:00.000"), at("00:01:00.000"), "200000000000000.0000", 0.875, "0.0002"),
            window("u", at("00:01:00.000"), at("00:02:00.000"), "1.5", 0.1, None),
            window("v", at("00:00:00.000"), at("00:01:00.000"), "3", 1e16, None),
        ],
    )
    assert_types(
        result, {"amount_sum": "DECIMAL(38, 4)", "weight_sum": "DOUBLE", "cash_sum": "DECIMAL(38, 4)"}
    )


def test_rolling_sums_of_decimal_and_double_columns(features) -> None:
    fs = EventFeatures(
        "payment_features",
        PAYMENTS,
        columns=("payment_id",),
        window=Rolling(minutes(1)),
        aggregations=(Sum("amount_1m", "amount"), Sum("weight_1m", "weight")),
    )
    rows = [
        payment("p1", "u", "card", LARGEST, 0.5, at("00:00:00.000")),
        payment("p2", "u", "card", LARGEST, 0.25, at("00:00:30.000")),
        payment("p3", "u", "card", "0.0001", 2.0, at("00:01:15.000")),  # [00:00:15, 00:01:15]: p2, p3
    ]

    def out(payment_id: str, time: str, amount: str, weight: float) -> dict[str, object]:
        return {
            "user_id": "u",
            "event_time": time,
            "payment_id": payment_id,
            "amount_1m": Decimal(amount),
            "weight_1m": weight,
        }

    result = features(fs, {PAYMENTS: rows})
    assert_rows(
        result,
        [
            out("p1", at("00:00:00.000"), LARGEST, 0.5),
            out("p2", at("00:00:30.000"), "199999999999999.9998", 0.75),
            out("p3", at("00:01:15.000"), "100000000000000.0000", 2.25),
        ],
    )
    assert_types(result, {"amount_1m": "DECIMAL(38, 4)", "weight_1m": "DOUBLE"})


def test_rolling_double_sum_is_a_running_sum_with_retraction(features) -> None:
    # Documented (Sum's docstring): in a rolling window the sum of a double column is kept as a running
    # sum, each event added on arrival and subtracted when it leaves the range, in floating point. So
    # a value more than 2**53 times smaller than another in range is lost for good: 1e16 + 1.0 is
    # 1e16, and once w1 leaves, 1e16 - 1e16 = 0, so at w3 the sum is 0 + 1.0 = 1.0 (the exact sum of
    # w2 and w3 is 2.0). A decimal column is exact.
    fs = EventFeatures(
        "payment_features",
        PAYMENTS,
        columns=("payment_id",),
        window=Rolling(minutes(1)),
        aggregations=(Sum("weight_1m", "weight"),),
    )
    rows = [
        payment("w1", "u", "card", "1", 1e16, at("00:00:00.000")),
        payment("w2", "u", "card", "1", 1.0, at("00:00:30.000")),  # 1e16 + 1.0 = 1e16 in doubles
        payment("w3", "u", "card", "1", 1.0, at("00:01:15.000")),  # [00:00:15, 00:01:15]: w2, w3
    ]
    assert_rows(
        features(fs, {PAYMENTS: rows}),
        [
            {"user_id": "u", "event_time": at("00:00:00.000"), "payment_id": "w1", "weight_1m": 1e16},
            {"user_id": "u", "event_time": at("00:00:30.000"), "payment_id": "w2", "weight_1m": 1e16},
            {"user_id": "u", "event_time": at("00:01:15.000"), "payment_id": "w3", "weight_1m": 1.0},
        ],
    )
