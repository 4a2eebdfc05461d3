"""The input streams several feature-kind test files read: sources with their contracts, and row builders.

A test's rows must give every field of its source, so the ``orders`` and ``clicks`` streams come in
variants with just the fields their tests need: the plain name (``ORDERS``, ``CLICKS``) is the
narrowest, a prefix names what a variant adds (``PRICED_ORDERS``: an amount). A builder takes the
values a test varies and fills in the rest. The rows themselves, and the expected rows, are written
in the test files; a source that only one file reads is declared in that file.
"""

from __future__ import annotations

from decimal import Decimal

from flink_jobs.features import Field, InputSchema, Source

__all__ = [
    "CLICKS",
    "COUNTRY_ORDERS",
    "EVENTS",
    "LARGEST",
    "ORDERS",
    "PAGE_CLICKS",
    "PRICED_ORDERS",
    "click",
    "country_order",
    "event",
    "page_click",
    "priced_order",
    "window",
]

LARGEST = "99999999999999.9999"
"""The largest DECIMAL(18, 4) a contract admits."""

EVENTS = Source(
    InputSchema(
        name="events",
        key="user_id",
        fields=(Field("event_id", "string"), Field("user_id", "string"), Field("event_time", "timestamp")),
    )
)
"""Bare events of a user, only an id: the stream of the window tests."""


def event(event_id: str, user: str, time: str) -> dict[str, object]:
    """A row of ``EVENTS``."""
    return {"event_id": event_id, "user_id": user, "event_time": time}


def window(user: str, start: str, end: str, n: int, first: str, last: str) -> dict[str, object]:
    """An expected row of a window over ``EVENTS`` with ``Count("n")`` and the ``first``/``last`` event id."""
    return {"user_id": user, "window_start": start, "window_end": end, "n": n, "first": first, "last": last}


ORDERS = Source(
    InputSchema(
        name="orders",
        key="user_id",
        fields=(Field("order_id", "string"), Field("user_id", "string"), Field("event_time", "timestamp")),
    )
)
"""Orders of a user with only an id: the own events of a feature set whose values come from elsewhere."""

PRICED_ORDERS = Source(
    InputSchema(
        name="orders",
        key="user_id",
        fields=(
            Field("order_id", "string"),
            Field("user_id", "string"),
            Field("amount", "decimal"),
            Field("event_time", "timestamp"),
        ),
    )
)
"""Orders of a user with a decimal amount."""


def priced_order(order_id: str, user: str, time: str, amount: str = "1") -> dict[str, object]:
    """A row of ``PRICED_ORDERS``."""
    return {"order_id": order_id, "user_id": user, "amount": Decimal(amount), "event_time": time}


COUNTRY_ORDERS = Source(
    InputSchema(
        name="orders",
        key="user_id",
        fields=(
            Field("order_id", "string"),
            Field("user_id", "string"),
            Field("country", "code", pattern=r"^[A-Z]{2}$"),
            Field("amount", "decimal"),
            Field("event_time", "timestamp"),
        ),
    )
)
"""Orders of a user with the country they are placed from and a decimal amount."""


def country_order(order_id: str, user: str, country: str, amount: str, time: str) -> dict[str, object]:
    """A row of ``COUNTRY_ORDERS``."""
    return {
        "order_id": order_id,
        "user_id": user,
        "country": country,
        "amount": Decimal(amount),
        "event_time": time,
    }


CLICKS = Source(
    InputSchema(
        name="clicks",
        key="user_id",
        fields=(
            Field("click_id", "string"),
            Field("user_id", "string"),
            Field("action", "enum", choices=("view", "checkout")),
            Field("event_time", "timestamp"),
        ),
    )
)
"""Clicks of a user, each a view or a checkout."""


def click(click_id: str, user: str, time: str, action: str = "view") -> dict[str, object]:
    """A row of ``CLICKS``."""
    return {"click_id": click_id, "user_id": user, "action": action, "event_time": time}


PAGE_CLICKS = Source(
    InputSchema(
        name="clicks",
        key="user_id",
        fields=(
            Field("click_id", "string"),
            Field("user_id", "string"),
            Field("page", "string"),
            Field("action", "enum", choices=("view", "checkout")),
            Field("event_time", "timestamp"),
        ),
    )
)
"""Clicks of a user on a page, each a view or a checkout."""


def page_click(
    click_id: str, user: str, page: str, time: str, partition: int = 0, action: str = "view"
) -> dict[str, object]:
    """A row of ``PAGE_CLICKS`` in Kafka partition ``partition`` (0, the harness's default, unless given)."""
    return {
        "click_id": click_id,
        "user_id": user,
        "page": page,
        "action": action,
        "event_time": time,
        "kafka_partition": partition,
    }
