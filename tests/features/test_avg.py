"""Avg: of a decimal column the exact mean rounded half-up to 6 places (``DECIMAL(38, 6)``); of a
double column a ``DOUBLE``, its sum in arrival order over the count. Empty: NULL."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    Avg,
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
from tests.support.feature_inputs import LARGEST

READINGS = Source(
    InputSchema(
        name="readings",
        key="device_id",
        fields=(
            Field("reading_id", "string"),
            Field("device_id", "string"),
            Field("unit", "enum", choices=("celsius", "kpa")),
            Field("amount", "decimal"),
            Field("value", "double"),
            Field("event_time", "timestamp"),
        ),
    )
)


def reading(
    reading_id: str, device: str, amount: str, value: float, time: str, unit: str = "celsius"
) -> dict:
    return {
        "reading_id": reading_id,
        "device_id": device,
        "unit": unit,
        "amount": Decimal(amount),
        "value": value,
        "event_time": time,
    }


def test_decimal_means_round_half_up_and_double_means_are_doubles(features) -> None:
    fs = WindowFeatures(
        "readings_1m",
        READINGS,
        Tumbling(minutes(1)),
        (
            Avg("amount_avg", "amount"),
            Avg("value_avg", "value"),
            Avg("kpa_avg", "amount", where=Equals("unit", "kpa")),
        ),
    )
    # Device a: 7 * 1.0001 + 1.0002 = 8.0009; / 8 = 1.0001125 exactly, a tie at the 7th place:
    # half-up gives 1.000113 (half-even or truncation would give 1.000112).
    rows = [reading(f"a{i}", "a", "1.0001", 0.5, at(f"00:00:0{i}.000")) for i in range(1, 8)]
    rows.append(reading("a8", "a", "1.0002", 4.0, at("00:00:08.000")))
    # Device b: 0.0005 / 3 = 0.000166666..., rounded: 0.000167. Values 1 + 2 + 4 = 7.0, / 3.
    rows += [
        reading("b1", "b", "0.0001", 1.0, at("00:00:01.000")),
        reading("b2", "b", "0.0002", 2.0, at("00:00:02.000"), unit="kpa"),
        reading("b3", "b", "0.0002", 4.0, at("00:00:03.000")),
        # Device c: the mean of two of the largest decimals is that decimal (no overflow on the way).
        reading("c1", "c", LARGEST, 1.0, at("00:00:04.000"), unit="kpa"),
        reading("c2", "c", LARGEST, 2.0, at("00:00:05.000"), unit="kpa"),
    ]
    result = features(fs, {READINGS: rows}, delay=minutes(1))  # b's rows are behind a's, within 1 min
    start, end = at("00:00:00.000"), at("00:01:00.000")
    assert_rows(
        result,
        [
            # 7 * 0.5 + 4.0 = 7.5, / 8 = 0.9375 (exact in binary); no kpa reading: NULL.
            {
                "device_id": "a",
                "window_start": start,
                "window_end": end,
                "amount_avg": Decimal("1.000113"),
                "value_avg": 0.9375,
                "kpa_avg": None,
            },
            # 7.0 / 3 = 2.3333333333333335 (the double nearest 7/3); the one kpa reading: 0.0002.
            {
                "device_id": "b",
                "window_start": start,
                "window_end": end,
                "amount_avg": Decimal("0.000167"),
                "value_avg": 2.3333333333333335,
                "kpa_avg": Decimal("0.000200"),
            },
            {
                "device_id": "c",
                "window_start": start,
                "window_end": end,
                "amount_avg": Decimal("99999999999999.999900"),
                "value_avg": 1.5,
                "kpa_avg": Decimal("99999999999999.999900"),
            },
        ],
    )
    assert_types(result, {"amount_avg": "DECIMAL(38, 6)", "value_avg": "DOUBLE", "kpa_avg": "DECIMAL(38, 6)"})


def test_rolling_means_over_the_events_in_range(features) -> None:
    fs = EventFeatures(
        "reading_features",
        READINGS,
        columns=("reading_id",),
        window=Rolling(minutes(1)),
        aggregations=(Avg("amount_avg_1m", "amount"), Avg("value_avg_1m", "value")),
    )
    rows = [
        reading("r1", "a", "0.0001", 1.0, at("00:00:00.000")),
        reading("r2", "a", "0.0002", 2.0, at("00:00:30.000")),
        reading("r3", "a", "0.0002", 4.0, at("00:00:45.000")),
        reading("r4", "a", "0.0004", 8.0, at("00:01:15.000")),  # [00:00:15, 00:01:15]: r2, r3, r4
    ]

    def out(reading_id: str, time: str, amount_avg: str, value_avg: float) -> dict[str, object]:
        return {
            "device_id": "a",
            "event_time": time,
            "reading_id": reading_id,
            "amount_avg_1m": Decimal(amount_avg),
            "value_avg_1m": value_avg,
        }

    result = features(fs, {READINGS: rows})
    assert_rows(
        result,
        [
            out("r1", at("00:00:00.000"), "0.000100", 1.0),
            out("r2", at("00:00:30.000"), "0.000150", 1.5),  # 0.0003 / 2; 3.0 / 2
            out("r3", at("00:00:45.000"), "0.000167", 7.0 / 3),  # 0.0005 / 3 = 0.0001666..; 7.0 / 3
            out("r4", at("00:01:15.000"), "0.000267", 14.0 / 3),  # 0.0008 / 3 = 0.0002666..; 14.0 / 3
        ],
    )
    assert_types(result, {"amount_avg_1m": "DECIMAL(38, 6)", "value_avg_1m": "DOUBLE"})


def test_rolling_double_mean_is_a_running_sum_with_retraction_over_the_count(features) -> None:
    # Documented (Avg's docstring): in a rolling window the mean of a double column is a running sum
    # with retraction over the count, so it inherits the running sum's loss: r2's 1.0 vanishes in
    # 1e16 + 1.0, and at r3 the sum is 0 + 1.0 over 2 events, 0.5 (the exact mean is 1.0).
    fs = EventFeatures(
        "reading_features",
        READINGS,
        columns=("reading_id",),
        window=Rolling(minutes(1)),
        aggregations=(Avg("value_avg_1m", "value"),),
    )
    rows = [
        reading("r1", "a", "1", 1e16, at("00:00:00.000")),
        reading("r2", "a", "1", 1.0, at("00:00:30.000")),  # (1e16 + 1.0) / 2 = 5e15 in doubles
        reading("r3", "a", "1", 1.0, at("00:01:15.000")),  # [00:00:15, 00:01:15]: r2, r3
    ]

    def out(reading_id: str, time: str, mean: float) -> dict[str, object]:
        return {"device_id": "a", "event_time": time, "reading_id": reading_id, "value_avg_1m": mean}

    assert_rows(
        features(fs, {READINGS: rows}),
        [
            out("r1", at("00:00:00.000"), 1e16),
            out("r2", at("00:00:30.000"), 5e15),
            out("r3", at("00:01:15.000"), 0.5),
        ],
    )
