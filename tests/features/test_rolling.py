"""Rolling windows: one row per event at time ``t`` over the key's events in ``[t - range, t]``, both
bounds included, so other events at exactly ``t`` count too."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import Count, EventFeatures, Field, InputSchema, Rolling, Source, Sum, minutes
from tests.support.feature_harness import assert_rows, assert_types, at

PAYMENTS = Source(
    InputSchema(
        name="payments",
        key="user_id",
        fields=(
            Field("payment_id", "string"),
            Field("user_id", "string"),
            Field("amount", "decimal"),
            Field("event_time", "timestamp"),
        ),
    )
)


def payment(payment_id: str, user: str, amount: str, time: str) -> dict[str, object]:
    return {"payment_id": payment_id, "user_id": user, "amount": Decimal(amount), "event_time": time}


def test_the_range_includes_both_bounds_and_equal_times(features) -> None:
    fs = EventFeatures(
        "payment_features",
        PAYMENTS,
        columns=("payment_id", "amount"),
        window=Rolling(minutes(10)),
        aggregations=(Count("n_10m"), Sum("amount_10m", "amount")),
    )
    # Amounts are powers of two, so each sum names the payments it holds.
    rows = [
        payment("p1", "a", "1", at("00:00:00.000")),
        payment("q1", "b", "16", at("00:05:00.000")),  # another key: never in a's sums
        payment("p2", "a", "2", at("00:10:00.000")),  # [00:00, 00:10]: p1 at the lower bound counts
        payment("p3", "a", "4", at("00:10:00.001")),  # [00:00:00.001, 00:10:00.001]: p1 is out
        payment("p4", "a", "8", at("00:10:00.001")),  # same time as p3: each counts the other
    ]

    def out(payment_id: str, user: str, time: str, amount: str, n: int, total: str) -> dict[str, object]:
        return {
            "user_id": user,
            "event_time": time,
            "payment_id": payment_id,
            "amount": Decimal(amount),
            "n_10m": n,
            "amount_10m": Decimal(total),
        }

    result = features(fs, {PAYMENTS: rows})
    assert_rows(
        result,
        [
            out("p1", "a", at("00:00:00.000"), "1", 1, "1"),
            out("q1", "b", at("00:05:00.000"), "16", 1, "16"),
            out("p2", "a", at("00:10:00.000"), "2", 2, "3"),  # p1 + p2
            out("p3", "a", at("00:10:00.001"), "4", 3, "14"),  # p2 + p3 + p4
            out("p4", "a", at("00:10:00.001"), "8", 3, "14"),  # p2 + p3 + p4
        ],
    )
    assert_types(
        result,
        {
            "event_time": "TIMESTAMP(3)",
            "amount": "DECIMAL(18, 4)",
            "n_10m": "BIGINT",
            "amount_10m": "DECIMAL(38, 4)",
        },
    )
