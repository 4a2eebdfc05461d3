"""``where=Equals(column, value)``: an aggregation sees only the events whose column equals the value
(exactly: case and spaces count); the others count as absent (counts 0, other aggregations NULL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flink_jobs.features import (
    Count,
    CountDistinct,
    Equals,
    EventFeatures,
    Field,
    InputSchema,
    Last,
    Max,
    Rolling,
    Source,
    Span,
    Sum,
    Tumbling,
    WindowFeatures,
    minutes,
)
from tests.support.feature_harness import assert_rows, at
from tests.support.feature_inputs import COUNTRY_ORDERS, country_order

# inputs.PAGE_CLICKS with a country: only this file reads it.
CLICKS = Source(
    InputSchema(
        name="clicks",
        key="user_id",
        fields=(
            Field("click_id", "string"),
            Field("user_id", "string"),
            Field("page", "string"),
            Field("action", "enum", choices=("view", "checkout")),
            Field("country", "code", pattern=r"^[A-Z]{2}$"),
            Field("event_time", "timestamp"),
        ),
    )
)


def click(click_id: str, user: str, page: str, action: str, country: str, time: str) -> dict[str, object]:
    return {
        "click_id": click_id,
        "user_id": user,
        "page": page,
        "action": action,
        "country": country,
        "event_time": time,
    }


def test_filters_in_a_window(features) -> None:
    checkout = Equals("action", "checkout")
    de = Equals("country", "DE")
    fs = WindowFeatures(
        "clicks_1m",
        CLICKS,
        Tumbling(minutes(1)),
        (
            Count("n"),
            Count("checkouts", where=checkout),
            Count("shouted", where=Equals("page", "/CART")),  # case-sensitive: no page is "/CART"
            Count("quoted", where=Equals("page", "/o'neil")),  # a quote in the value
            Count("de", where=de),
            Count("for_u", where=Equals("user_id", "u")),  # a filter on the key
            Last("last_de_page", "page", where=de),
            CountDistinct("checkout_pages", "page", where=checkout),
        ),
    )
    rows = [
        click("c1", "u", "/o'neil", "view", "DE", at("00:00:01.000")),
        click("c2", "u", "/cart", "checkout", "FR", at("00:00:02.000")),
        click("c3", "u", "/cart", "checkout", "DE", at("00:00:03.000")),
        click("c4", "u", "/o'neil ", "view", "DE", at("00:00:04.000")),  # trailing space: not "/o'neil"
        click("c5", "v", "/x", "view", "FR", at("00:00:05.000")),
    ]
    start, end = at("00:00:00.000"), at("00:01:00.000")
    common = {"window_start": start, "window_end": end, "shouted": 0}
    assert_rows(
        features(fs, {CLICKS: rows}),
        [
            {
                **common,
                "user_id": "u",
                "n": 4,
                "checkouts": 2,
                "quoted": 1,
                "de": 3,
                "for_u": 4,
                "last_de_page": "/o'neil ",
                "checkout_pages": 1,
            },  # c1, c3, c4 are DE: c4 the latest
            {
                **common,
                "user_id": "v",
                "n": 1,
                "checkouts": 0,
                "quoted": 0,
                "de": 0,
                "for_u": 0,
                "last_de_page": None,
                "checkout_pages": 0,
            },
        ],
    )


def test_filters_in_a_rolling_range(features) -> None:
    de, fr = Equals("country", "DE"), Equals("country", "FR")
    fs = EventFeatures(
        "order_features",
        COUNTRY_ORDERS,
        columns=("order_id",),
        window=Rolling(minutes(10)),
        aggregations=(
            Count("de_orders", where=de),
            Sum("de_amount", "amount", where=de),
            Span("de_span_s", where=de),
            Max("fr_max", "amount", where=fr),
            Last("last_fr_order", "order_id", where=fr),
        ),
    )

    rows = [
        country_order("o1", "u", "DE", "10", at("00:00:00.000")),
        country_order("o2", "u", "FR", "20", at("00:01:00.000")),
        country_order("o3", "u", "DE", "30", at("00:02:30.000")),
    ]

    def out(
        order_id: str, time: str, n: int, total: str, span: str, fr_max: str | None, last: str | None
    ) -> dict:
        return {
            "user_id": "u",
            "event_time": time,
            "order_id": order_id,
            "de_orders": n,
            "de_amount": Decimal(total),
            "de_span_s": Decimal(span),
            "fr_max": None if fr_max is None else Decimal(fr_max),
            "last_fr_order": last,
        }

    assert_rows(
        features(fs, {COUNTRY_ORDERS: rows}),
        [
            out("o1", at("00:00:00.000"), 1, "10", "0.000", None, None),  # no FR order yet: NULL
            out("o2", at("00:01:00.000"), 1, "10", "0.000", "20", "o2"),  # the DE figures are o1's
            out("o3", at("00:02:30.000"), 2, "40", "150.000", "20", "o2"),  # o1 + o3; o1..o3 = 150 s
        ],
    )


def test_a_filter_value_outside_an_enum_is_a_spec_error() -> None:
    """Equals("action", "Checkout") could never match (the contract's choices are lower case): the
    spec check says so instead of compiling a feature that is always 0."""
    from flink_jobs.features import FeatureSpecError, PipelineSpec, validate

    fs = WindowFeatures(
        "clicks_1m", CLICKS, Tumbling(minutes(1)), (Count("n", where=Equals("action", "Checkout")),)
    )
    with pytest.raises(FeatureSpecError, match="'Checkout' is not one of the choices of 'action'"):
        validate(PipelineSpec("where", (CLICKS,), (fs,)))
