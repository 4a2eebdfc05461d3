"""Aggregations a feature set computes, one small class each; semantics stated exactly.

Common rules:

- ``name`` is the output column; ``column`` the input column (of the feature set's source, or of the
  related source for :class:`~flink_jobs.features.feature_sets.Related`).
- ``where`` (optional) restricts the aggregation to the events where ``column = value`` holds;
  events failing it count as absent.
- An *empty window* never produces a row (window rows exist only when the window holds an event),
  so "empty" below means: no event in the window passes ``where`` or has a non-null ``column``.

Result types: counts ``BIGINT``; ``Sum`` of ``DECIMAL(p, s)`` is ``DECIMAL(38, s)``; ``Avg`` is
``DECIMAL(38, 6)`` (the exact mean rounded half-up to 6 places); ``Min``/``Max``/``Last`` keep the
column's type; time spans are ``DECIMAL(18, 3)`` seconds (millisecond precision, exact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "Aggregation",
    "Avg",
    "Count",
    "CountDistinct",
    "Equals",
    "Last",
    "Max",
    "Min",
    "SecondsSinceLatest",
    "Span",
    "Sum",
]


@dataclass(frozen=True)
class Equals:
    """Filter: the event's ``column`` equals ``value`` (a string; NULL never equals)."""

    column: str
    value: str


@dataclass(frozen=True)
class Aggregation:
    """Base of all aggregations: output ``name``, input ``column`` and an optional ``where`` filter."""

    name: str
    column: str | None = None
    where: Equals | None = None

    # Does the aggregation need a column? Which column kinds may it read? (set per subclass)
    needs_column = True
    numeric_only = False


@dataclass(frozen=True)
class Count(Aggregation):
    """Number of events (``column`` None) or of events whose ``column`` is not null. Empty: 0."""

    needs_column = False


@dataclass(frozen=True)
class Sum(Aggregation):
    """Sum of the non-null values of a decimal or double ``column``. Empty: NULL.

    Decimal: ``DECIMAL(38, 4)``, exact. Double: ``DOUBLE``, summed in arrival order; in a rolling
    window (per-event features) Flink keeps a running sum, adding each event on arrival and
    subtracting it when it leaves the range, so a value more than 2**53 times smaller than another
    in range is lost for good (1e16 + 1 - 1e16 = 0, ``tests/features/test_sum.py``). Declare the
    column decimal where sums must be exact."""

    numeric_only = True


@dataclass(frozen=True)
class Avg(Aggregation):
    """Mean of the non-null values of a decimal ``column``, rounded half-up to 6 places; of a double
    ``column``, a ``DOUBLE``: its :class:`Sum` over the count, so within floating-point rounding of
    the exact mean in a window set, and with a rolling window's running-sum loss otherwise (see
    :class:`Sum`). Empty: NULL."""

    numeric_only = True


@dataclass(frozen=True)
class Min(Aggregation):
    """Smallest non-null value of ``column`` (strings compare by code point). Empty: NULL."""


@dataclass(frozen=True)
class Max(Aggregation):
    """Largest non-null value of ``column`` (strings compare by code point). Empty: NULL."""


@dataclass(frozen=True)
class CountDistinct(Aggregation):
    """Number of distinct non-null values of ``column``. Empty: 0."""


@dataclass(frozen=True)
class Last(Aggregation):
    """Value of ``column`` in the event with the greatest event time among those where it is not null.

    Ties on event time go to the record that is later in its topic (greater partition, then greater
    offset), the order in which a compacted topic keeps the "latest" value. Empty: NULL.
    """


@dataclass(frozen=True)
class Span(Aggregation):
    """Seconds from the earliest to the latest event time (``DECIMAL(18, 3)``); 0 for one event.

    ``column`` is not used: the span is always of the source's event time. Empty: NULL.
    """

    needs_column = False


@dataclass(frozen=True)
class SecondsSinceLatest(Aggregation):
    """Only in :class:`~flink_jobs.features.feature_sets.Related`: seconds from the latest related
    event at or before ``t`` to ``t`` (``DECIMAL(18, 3)``), when that event is at most ``within``
    before ``t``; else NULL. The related set's window is ignored for this aggregation.
    """

    within: timedelta = timedelta(hours=24)
    needs_column = False
