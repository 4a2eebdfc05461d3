"""Compare: a BOOLEAN ``left op right`` of two columns of the row (own columns, aggregations, as-of
columns); NULL when either side is NULL."""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import (
    AsOf,
    Avg,
    Compare,
    EventFeatures,
    Field,
    InputSchema,
    Rolling,
    Source,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at
from tests.support.feature_inputs import COUNTRY_ORDERS, country_order

LIMITS = Source(
    InputSchema(
        name="limits",
        key="user_id",
        fields=(
            Field("user_id", "string"),
            Field("home_country", "code", pattern=r"^[A-Z]{2}$"),
            Field("limit", "decimal"),
            Field("updated_at", "timestamp"),
        ),
        time_field="updated_at",
    ),
    versioned=True,
)
OPS = (("eq", "="), ("ne", "<>"), ("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">="))


def test_every_operator_and_null_sides(features) -> None:
    fs = EventFeatures(
        "order_features",
        COUNTRY_ORDERS,
        columns=("order_id", "country", "amount"),
        window=Rolling(minutes(10)),
        aggregations=(Avg("amount_avg_10m", "amount"),),
        enrich=(AsOf(LIMITS, ("home_country", "limit")),),
        compare=(
            *(Compare(name, "amount", op, "limit") for name, op in OPS),
            Compare("is_foreign", "country", "<>", "home_country"),
            Compare("above_avg", "amount", ">", "amount_avg_10m"),
        ),
    )
    limits = [
        {"user_id": "u", "home_country": "DE", "limit": Decimal("100"), "updated_at": at("00:00:00.000")}
    ]

    o1 = country_order("o1", "u", "DE", "100", at("00:01:00.000"))
    o2 = country_order("o2", "u", "FR", "99.9999", at("00:02:00.000"))
    o3 = country_order("o3", "u", "DE", "100.0001", at("00:03:00.000"))
    o4 = country_order("o4", "v", "DE", "5", at("00:04:00.000"))  # v has no limits row: NULL on that side

    def out(
        o: dict, avg: str, home: str | None, limit: str | None, ops: str, foreign: bool | None, above: bool
    ):
        """``ops``: the results of = <> < <= > >= as six letters, t(rue), f(alse) or n(ull)."""
        row: dict[str, object] = {
            "user_id": o["user_id"],
            "event_time": o["event_time"],
            "order_id": o["order_id"],
            "country": o["country"],
            "amount": o["amount"],
            "amount_avg_10m": Decimal(avg),
            "home_country": home,
            "limit": None if limit is None else Decimal(limit),
            "is_foreign": foreign,
            "above_avg": above,
        }
        values = {"t": True, "f": False, "n": None}
        row.update({name: values[letter] for (name, _), letter in zip(OPS, ops, strict=True)})
        return row

    result = features(fs, {COUNTRY_ORDERS: [o1, o2, o3, o4], LIMITS: limits})
    assert_rows(
        result,
        [
            #                                 = <> < <= > >=
            out(o1, "100", "DE", "100", ops="tfftft", foreign=False, above=False),
            # mean (100 + 99.9999) / 2 = 99.99995; 99.9999 > 99.99995 is false
            out(o2, "99.999950", "DE", "100", ops="ftttff", foreign=True, above=False),
            # mean 300.0000 / 3 = 100; 100.0001 > 100
            out(o3, "100", "DE", "100", ops="ftfftt", foreign=False, above=True),
            out(o4, "5", None, None, ops="nnnnnn", foreign=None, above=False),
        ],
    )
    assert_types(result, {name: "BOOLEAN" for name, _ in OPS} | {"is_foreign": "BOOLEAN"})
