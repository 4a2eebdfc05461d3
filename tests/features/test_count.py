"""Count: the number of events (no column) or of events whose column is not null; 0 when none.

Contract fields are required, so a column is null only through ``where`` (an event failing the filter
counts as absent) or, in an event feature set, on the rows of the other sources it reads."""

from __future__ import annotations

from flink_jobs.features import (
    Count,
    Equals,
    EventFeatures,
    Related,
    Rolling,
    Tumbling,
    WindowFeatures,
    minutes,
)
from tests.support.feature_harness import assert_rows, assert_types, at
from tests.support.feature_inputs import PAGE_CLICKS, PRICED_ORDERS, page_click, priced_order


def test_count_of_events_and_of_non_null_values_in_windows(features) -> None:
    checkout = Equals("action", "checkout")
    fs = WindowFeatures(
        "clicks_1m",
        PAGE_CLICKS,
        Tumbling(minutes(1)),
        (
            Count("n"),
            Count("pages", "page"),  # page is never null here: = n
            Count("checkouts", where=checkout),
            Count("checkout_pages", "page", where=checkout),  # page is null where action <> checkout
        ),
    )
    rows = [
        page_click("c1", "u", "/a", at("00:00:01.000")),
        page_click("c2", "u", "/cart", at("00:00:02.000"), action="checkout"),
        page_click("c3", "u", "/cart", at("00:00:03.000"), action="checkout"),
        page_click("c4", "u", "/b", at("00:01:05.000")),  # a window with no checkout: counts 0, a row
    ]
    result = features(fs, {PAGE_CLICKS: rows})

    def window(start: str, end: str, n: int, pages: int, checkouts: int, checkout_pages: int) -> dict:
        return {
            "user_id": "u",
            "window_start": start,
            "window_end": end,
            "n": n,
            "pages": pages,
            "checkouts": checkouts,
            "checkout_pages": checkout_pages,
        }

    assert_rows(
        result,
        [
            window(at("00:00:00.000"), at("00:01:00.000"), 3, 3, 2, 2),
            window(at("00:01:00.000"), at("00:02:00.000"), 1, 1, 0, 0),
        ],
    )
    assert_types(
        result, {"n": "BIGINT", "pages": "BIGINT", "checkouts": "BIGINT", "checkout_pages": "BIGINT"}
    )


def test_counts_of_own_events_skip_the_other_sources_rows(features) -> None:
    # The orders' own counts run over a union with the clicks, whose rows have no order columns:
    # neither Count() nor Count(amount) may count them; the related counts count only clicks.
    fs = EventFeatures(
        "order_features",
        PRICED_ORDERS,
        columns=("order_id",),
        window=Rolling(minutes(10)),
        aggregations=(Count("orders_10m"), Count("amounts_10m", "amount")),
        related=(
            Related(
                PAGE_CLICKS, Rolling(minutes(10)), (Count("clicks_10m"), Count("click_pages_10m", "page"))
            ),
        ),
    )
    clicks = [
        page_click("c1", "u", "/a", at("00:04:00.000")),
        page_click("c2", "u", "/b", at("00:05:00.000")),  # at o1's time: in [t - 10 min, t]
        page_click("c3", "u", "/c", at("00:05:30.000")),
    ]
    orders = [
        priced_order("o1", "u", at("00:05:00.000"), "1.5"),
        priced_order("o2", "u", at("00:06:00.000"), "1.5"),
        priced_order("o3", "v", at("00:06:00.000"), "1.5"),  # a user without clicks: 0, not null
    ]

    def out(order_id: str, user: str, time: str, own: int, clicks_10m: int) -> dict[str, object]:
        return {
            "user_id": user,
            "event_time": time,
            "order_id": order_id,
            "orders_10m": own,
            "amounts_10m": own,
            "clicks_10m": clicks_10m,
            "click_pages_10m": clicks_10m,
        }

    assert_rows(
        features(fs, {PRICED_ORDERS: orders, PAGE_CLICKS: clicks}),
        [
            out("o1", "u", at("00:05:00.000"), 1, 2),  # c1, c2
            out("o2", "u", at("00:06:00.000"), 2, 3),  # o1, o2; c1, c2, c3
            out("o3", "v", at("00:06:00.000"), 1, 0),
        ],
    )
